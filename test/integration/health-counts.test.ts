import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/client.js';
import { openPostgres, PostgresDB } from '../../src/db/postgres.js';
import { incidentsByState, outboxBacklog, rawSql } from '../../src/db/statements.js';
import { freshDb, sqliteOf } from '../support/db.js';
import { testDatabaseUrl, testEngine } from '../support/engine.js';

/**
 * /healthz and /metrics count the outbox backlog and the incidents by state on every request and scrape. On
 * a database with history (almost every outbox row sent, almost every incident resolved) those counts must
 * come from indexes, never from reading the tables: these are the statements outboxBacklog and
 * incidentsByState run, and the indexes each one must be served by. On the engine of the lane (SQLite, or
 * PostgreSQL with TEST_ENGINE=postgres).
 */
const COUNTS = {
  outboxPendingCount: ['outbox_due', 'outbox_leases'],
  outboxFailedCount: ['outbox_failed'],
  incidentsByState: ['incidents_open_status', 'incidents_resolved_at'],
} as const;

const RESOLVED = 3000;
const SENT = 6000;

/** History (sent messages, resolved incidents) and a little of everything else, in SQL both engines run. */
const SEED = `
insert into teams (id, name, slack_channel, source, updated_at) values ('t', 'T', 'C1', 'config', 1);
insert into escalation_policies (id, name, repeat, levels, source, updated_at) values ('p', 'P', 0, '[]', 'config', 1);
insert into services (id, name, team_id, escalation_policy_id, source, updated_at) values ('s', 'S', 't', 'p', 'config', 1);
insert into incidents (service_id, dedup_key, status, title, severity, source, labels, links, policy, escalation_level,
    escalation_loop, opened_at, resolved_at, updated_at)
  with recursive n(i) as (select 1 union all select i + 1 from n where i < ${RESOLVED + 5})
  select 's', 'seed-' || i, case when i <= 3 then 'triggered' when i <= 5 then 'acknowledged' else 'resolved' end,
    'Seeded incident', 'critical', 'alertmanager', '{}', '{"runbook":null,"source":null,"externalUrl":null}',
    '{"id":"p","name":"P","repeat":0,"levels":[]}', 0, 0, 1000, case when i > 5 then 2000 end, 2000
  from n;
insert into outbox (kind, incident_id, payload, status, attempts, next_attempt_at, created_at, sent_at)
  with recursive n(i) as (select 1 union all select i + 1 from n where i < ${SENT + 9})
  select 'slack.refresh', i % ${RESOLVED} + 1, '{}',
    case when i <= 4 then 'pending' when i <= 6 then 'sending' when i <= 9 then 'failed' else 'sent' end, 1, 1000, 1000,
    case when i > 9 then 2000 end
  from n;
`;

interface Plan {
  /** Each step, as the engine names it. */
  steps: string[];
  /** The indexes it reads. */
  indexes: string[];
}

async function planOf(db: DB, sql: string): Promise<Plan> {
  if (db instanceof PostgresDB) {
    // PostgreSQL picks by cost, and on tables this small reading them is cheapest; with that priced out, a
    // count still planned on the table (or on an index other than its own) is one no index can serve.
    const client = await db.pool.connect();
    let rows: { 'QUERY PLAN': [{ Plan: unknown }] }[];
    try {
      await client.query('set enable_seqscan = off');
      rows = (await client.query(`explain (format json) ${sql}`)).rows;
    } finally {
      await client.query('reset enable_seqscan');
      client.release();
    }
    const steps: string[] = [];
    const indexes: string[] = [];
    const walk = (node: { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: unknown[] }) => {
      steps.push([node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '));
      if (node['Index Name']) indexes.push(node['Index Name']);
      for (const child of node.Plans ?? []) walk(child as typeof node);
    };
    walk(rows[0]!['QUERY PLAN'][0].Plan as Parameters<typeof walk>[0]);
    return { steps, indexes };
  }
  const steps = (sqliteOf(db).prepare(`explain query plan ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
  return { steps, indexes: steps.flatMap((s) => /USING (?:COVERING )?INDEX (\w+)/.exec(s)?.[1] ?? []) };
}

describe(`health and metrics counts (${testEngine})`, () => {
  let db: DB;
  beforeEach(async () => {
    const url = await testDatabaseUrl();
    if (url) {
      const pg = await openPostgres(url);
      await pg.pool.query(SEED);
      await pg.pool.query('analyze outbox, incidents');
      db = pg;
    } else {
      db = freshDb();
      sqliteOf(db).exec(SEED);
    }
  });
  afterEach(() => db.close());

  it('count what they say', async () => {
    expect(await outboxBacklog(db)).toEqual({ pending: 6, failed: 3 });
    expect(await incidentsByState(db)).toEqual({ triggered: 3, acknowledged: 2, resolved: RESOLVED });
  });

  it.each(Object.entries(COUNTS))('%s reads its indexes, not its table', async (name, wanted) => {
    const plan = await planOf(db, rawSql(name as keyof typeof COUNTS, db.engine));
    // SQLite: `SCAN outbox` reads the table, and `USING INDEX` (not covering) reads a row per entry.
    // PostgreSQL: a Seq Scan reads the table.
    const tableReads = plan.steps.filter((s) => /^SCAN \S+$/.test(s) || /^(SCAN|SEARCH) \S+ USING INDEX /.test(s) || /^Seq Scan/.test(s));
    expect(tableReads, plan.steps.join('; ')).toEqual([]);
    expect([...new Set(plan.indexes)].sort(), plan.steps.join('; ')).toEqual([...wanted].sort());
  });

  it('stays correct on an empty database: states with none are absent', async () => {
    const empty = testEngine === 'postgres' ? await openPostgres((await testDatabaseUrl())!) : freshDb();
    try {
      expect(await outboxBacklog(empty)).toEqual({ pending: 0, failed: 0 });
      expect(await incidentsByState(empty)).toEqual({});
    } finally {
      await empty.close();
    }
  });
});
