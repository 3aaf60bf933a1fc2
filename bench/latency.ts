import { Agent, request } from 'node:http';
import { alertmanagerPayload } from './lib/payloads.js';
import { percentile } from './lib/load.js';
import { BEARER, startBatonProcess } from './lib/workspace.js';

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${BEARER}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * From the moment Baton answers an alert that opens an incident to the moment the DM reaches the fake
 * Slack server, with `backgroundPerSecond` alerts per second of other traffic at the same time.
 */
export async function benchPageLatency(samples = 300, backgroundPerSecond = 200) {
  const under = await startBatonProcess({ BENCH_CRON: 'false' });
  const url = new URL(under.ingestUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const answeredAt = new Map<number, number>();
  const latencies: number[] = [];
  under.standin.onCall((call) => {
    if (call.method !== 'chat.postMessage' || !String(call.args.channel).startsWith('U')) return;
    const group = /Bench alert group (\d+)/.exec(String(call.args.text))?.[1];
    const answered = group === undefined ? undefined : answeredAt.get(Number(group));
    if (answered !== undefined) latencies.push(performance.now() - answered);
  });
  // Background: re-sends and new alerts in 20 groups that already have incidents.
  for (let g = 0; g < 20; g += 1) await post(agent, url, alertmanagerPayload(100_000 + g, 0));
  let backgroundSent = 0;
  const background = setInterval(() => {
    for (let k = 0; k < backgroundPerSecond / 100; k += 1) {
      backgroundSent += 1;
      void post(agent, url, alertmanagerPayload(100_000 + (backgroundSent % 20), backgroundSent % 500)).catch(() => {});
    }
  }, 10);
  const started = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const status = await post(agent, url, alertmanagerPayload(i, 0));
    if (status === 200) answeredAt.set(i, performance.now());
    await new Promise((r) => setTimeout(r, 25));
  }
  await under.standin.waitFor(() => latencies.length >= samples, 10_000).catch(() => {});
  const seconds = (performance.now() - started) / 1000;
  clearInterval(background);
  agent.destroy();
  await under.stop();
  latencies.sort((a, b) => a - b);
  return {
    samples: latencies.length,
    medianMs: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    backgroundAlertsPerSecond: Math.round(backgroundSent / seconds),
  };
}
