import Database from 'better-sqlite3';
import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../../bench/lib/payloads.js';
import { BEARER, startBatonProcess } from '../../bench/lib/workspace.js';

const CRASHES = 5;

/**
 * kill -9 at random moments during an ingest burst, then restart on the same database file: every alert
 * that got a 2xx is stored, and every page that fell due is sent, at most once more per crash.
 */
describe('crash safety', () => {
  it(`survives ${CRASHES} kill -9 during an ingest burst`, async () => {
    const under = await startBatonProcess({ BENCH_CRON: 'true' });
    const accepted: string[] = [];
    let sent = 0;
    let running = true;
    const send = (agent: Agent, body: string) =>
      new Promise<number>((resolve) => {
        const url = new URL(under.ingestUrl);
        const req = request(
          { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BEARER}`, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve(0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
    const sender = async (id: number) => {
      while (running) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        while (running) {
          const n = sent++;
          // A new alert group every tenth payload opens an incident that must be paged.
          const body = alertmanagerPayload(n % 10 === 0 ? 1000 + n : id, n);
          const status = await send(agent, body);
          if (status >= 200 && status < 300) accepted.push(body);
          if (status === 0) break; // the server died: reconnect
        }
        agent.destroy();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const senders = Array.from({ length: 8 }, (_, i) => sender(i));
    for (let crash = 0; crash < CRASHES; crash += 1) {
      // Each crash comes after some real traffic (a busy machine is slower, so wait for it, up to 10 s),
      // then at a random moment.
      const target = (crash + 1) * 25;
      for (let waited = 0; accepted.length < target && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      await under.baton.kill9();
      await under.restart();
    }
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(senders);

    const db = new Database(under.dbPath, { readonly: true });
    const incidents = db.prepare('select id from incidents').all() as { id: number }[];
    const pageFor = (id: number) => under.standin.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('U') && String(c.args.text).includes(`] #${id} `)).length;
    // Every due page arrives (the restarted process resends what a crash interrupted).
    await under.standin.waitFor(() => incidents.every((i) => pageFor(i.id) >= 1), 15_000).catch(() => {});

    const stored = new Set((db.prepare('select body from raw_payloads').all() as { body: string }[]).map((r) => r.body));
    const lost = accepted.filter((body) => !stored.has(body));
    const storedFingerprints = new Set((db.prepare('select fingerprint from alerts').all() as { fingerprint: string }[]).map((r) => r.fingerprint));
    const missingAlerts = accepted.map((b) => (JSON.parse(b) as { alerts: { fingerprint: string }[] }).alerts[0]!.fingerprint).filter((f) => !storedFingerprints.has(f));
    const unpaged = incidents.filter((i) => pageFor(i.id) === 0).map((i) => i.id);
    const duplicates = incidents.reduce((n, i) => n + Math.max(0, pageFor(i.id) - 1), 0);
    db.close();
    await under.stop();

    console.log(`crash test: ${sent} sent, ${accepted.length} accepted (2xx), ${incidents.length} incidents, ${duplicates} duplicate pages over ${CRASHES} crashes`);
    expect(accepted.length).toBeGreaterThan(100);
    expect(lost).toEqual([]);
    expect(missingAlerts).toEqual([]);
    expect(incidents.length).toBeGreaterThan(5);
    expect(unpaged).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(CRASHES);
  }, 90_000);
});
