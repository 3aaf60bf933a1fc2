import Database from 'better-sqlite3';
import { SlackStandIn } from '../devtools/slack/server.js';
import { rawSql } from '../src/db/statements.js';
import { startBatonMain, type BatonMain } from './lib/baton-main.js';
import { benchConfig } from './lib/config.js';
import { get, percentile, sleep } from './lib/load.js';

/**
 * The counts behind /healthz (outbox backlog) and /metrics (incidents by state, outbox depth): the SQL of
 * the statements src/db/statements.ts prepares (outboxBacklog, incidentsByState), so the plans reported are
 * those of what runs. Only used for their query plans; the timings below go through Baton's own routes.
 */
const COUNT_QUERIES: Record<string, string> = {
  'outbox pending (healthz, metrics)': rawSql('outboxPendingCount', 'sqlite'),
  'outbox failed (healthz, metrics)': rawSql('outboxFailedCount', 'sqlite'),
  'incidents by state (metrics)': rawSql('incidentsByState', 'sqlite'),
};

async function timeRoutes(baton: BatonMain, times: number) {
  const out: Record<string, { status: number; medianMs: number; maxMs: number }> = {};
  const rssBefore = baton.rssMb();
  for (const path of ['/healthz', '/metrics']) {
    await get(`${baton.url}${path}`);
    const ms: number[] = [];
    let status = 0;
    for (let i = 0; i < times; i += 1) {
      const r = await get(`${baton.url}${path}`);
      status = r.status;
      ms.push(r.ms);
    }
    ms.sort((a, b) => a - b);
    out[path] = { status, medianMs: percentile(ms, 50), maxMs: ms.at(-1)! };
  }
  return { routes: out, rssGrowthMb: baton.rssMb() - rssBefore };
}

/**
 * /healthz and /metrics on a fresh database, then on the same database with `outboxRows` sent messages and
 * `incidentRows` resolved incidents in it (180 days of a busy install): do they count rows without loading
 * them, and without reading every row?
 */
export async function benchHealth(outboxRows = 200_000, incidentRows = 50_000, times = 20) {
  const config = benchConfig();
  const standin = await SlackStandIn.start({ rateLimits: { toleranceMs: Number(process.env.BENCH_SLACK_TOLERANCE_MS ?? 0) } });
  const first = await startBatonMain({ configYaml: config.yaml, channels: config.channels, standin });
  const dbPath = first.dbPath;
  await sleep(1000);
  const empty = await timeRoutes(first, times);
  await first.stop();

  const db = new Database(dbPath);
  const now = Date.now();
  const policy = JSON.stringify({ id: 'payments-default', name: 'Payments default', repeat: 0, levels: [] });
  const links = JSON.stringify({ runbook: null, source: null, externalUrl: null });
  const insertIncident = db.prepare(
    `insert into incidents (service_id, dedup_key, status, title, severity, source, labels, links, policy, escalation_level, escalation_loop, opened_at, resolved_at, updated_at)
     values ('checkout', ?, 'resolved', ?, 'critical', 'alertmanager', '{}', ?, ?, 0, 0, ?, ?, ?)`,
  );
  const insertOutbox = db.prepare(
    `insert into outbox (kind, incident_id, payload, status, attempts, next_attempt_at, created_at, sent_at) values ('slack.refresh', ?, ?, 'sent', 1, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < incidentRows; i += 1)
      insertIncident.run(`seed-${i}`, `Seeded incident ${i}`, links, policy, now - 3_600_000, now - 60_000, now - 60_000);
    for (let i = 0; i < outboxRows; i += 1)
      insertOutbox.run((i % incidentRows) + 1, `{"incidentId":${(i % incidentRows) + 1}}`, now, now - 1000, now - 1000);
  })();
  const plans: Record<string, string> = {};
  for (const [name, query] of Object.entries(COUNT_QUERIES)) {
    plans[name] = (db.prepare(`explain query plan ${query}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
  }
  db.close();

  const second = await startBatonMain({ configYaml: config.yaml, channels: config.channels, standin, dbPath });
  await sleep(1000);
  const seeded = await timeRoutes(second, times);
  await second.close();
  await first.close();
  await standin.stop();
  return { outboxRows, incidentRows, empty, seeded, plans };
}
