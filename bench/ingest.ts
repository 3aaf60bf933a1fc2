import { blast } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';
import { forkServer } from './lib/processes.js';
import { BEARER, startBatonProcess } from './lib/workspace.js';

/** Alertmanager payloads over keep-alive HTTP from 64 senders: Baton into a real database file, beside a bare node:http server. */
export async function benchIngest(total = 20_000) {
  const body = (i: number) => alertmanagerPayload(i % 100, i % 1000);
  const headers = { authorization: `Bearer ${BEARER}` };
  const bare = await forkServer('bare.ts');
  await blast({ url: `${bare.url}/`, total: 2000, concurrency: 64, body });
  const bareRun = await blast({ url: `${bare.url}/`, total, concurrency: 64, body });
  await bare.stop();

  const under = await startBatonProcess();
  await blast({ url: under.ingestUrl, total: 2000, concurrency: 64, body, headers });
  const batonRun = await blast({ url: under.ingestUrl, total, concurrency: 64, body, headers });
  await under.stop();
  return {
    alertsPerSecond: Math.round(batonRun.perSecond),
    bareRequestsPerSecond: Math.round(bareRun.perSecond),
    ratioToBare: batonRun.perSecond / bareRun.perSecond,
    non2xx: total - batonRun.ok,
  };
}
