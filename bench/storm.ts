import Database from 'better-sqlite3';
import { Agent, request } from 'node:http';
import { alertmanagerPayload } from './lib/payloads.js';
import { BEARER, startBatonProcess } from './lib/workspace.js';

/** `alerts` alerts spread evenly over `seconds`, across `groups` alert groups, every alert distinct. */
export async function benchStorm(alerts = 10_000, seconds = 60, groups = 20) {
  const under = await startBatonProcess();
  const url = new URL(under.ingestUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const statuses = new Map<number, number>();
  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const body = alertmanagerPayload(200_000 + (i % groups), i);
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${BEARER}` } },
        (res) => {
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        resolve();
      });
      req.end(body);
    });
  const stepMs = 100;
  const steps = Math.round((seconds * 1000) / stepMs);
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  let next = 0;
  for (let step = 1; step <= steps; step += 1) {
    const target = Math.round((alerts * step) / steps);
    while (next < target) inFlight.push(send(next++));
    const wait = started + step * stepMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  // Let throttled message updates drain, as they would after a real storm.
  await new Promise((r) => setTimeout(r, 1500));
  const peakRssMb = under.peakRssMb();
  const calls = new Map<string, number>();
  for (const call of under.standin.calls) calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
  const pages = under.standin.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('U')).length;
  agent.destroy();
  await under.baton.stop();
  const db = new Database(under.dbPath, { readonly: true });
  const incidents = (db.prepare('select count(*) as n from incidents').get() as { n: number }).n;
  const stored = (db.prepare('select count(*) as n from alerts').get() as { n: number }).n;
  db.close();
  await under.stop().catch(() => {});
  return {
    alertsSent: alerts,
    seconds,
    answered2xx: [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0),
    incidentsOpened: incidents,
    alertsStored: stored,
    pages,
    slackCalls: Object.fromEntries(calls),
    peakRssMb: Math.round(peakRssMb),
  };
}
