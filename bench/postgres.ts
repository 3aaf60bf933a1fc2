import Database from 'better-sqlite3';
import { Agent } from 'node:http';
import pg from 'pg';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../devtools/postgres.js';
import { SlackStandIn } from '../devtools/slack/server.js';
import { CHECKOUT_BEARER, startBatonMain, type BatonMain } from './lib/baton-main.js';
import { groupOf, incidentOf, isPage, refusals } from './lib/calls.js';
import { benchConfig } from './lib/config.js';
import { blast, percentile, post, sleep, type LoadResult } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';

const SAMPLE_GROUP = 300_000;
const ESCALATION_GROUP = 400_000;

/** What one system did in one ingest round: alerts/s over the whole round, 2xx count, answer times. */
interface Round {
  perSecond: number;
  ok: number;
  statuses: Record<number, number>;
  latenciesMs: number[];
}

/** One node's peak memory and what it logged, read before it is stopped. */
interface NodeReport {
  peakRssMb: number;
  log: { lines: number; warnings: Record<string, number> };
}

export interface PostgresBenchOptions {
  alerts?: number;
  rounds?: number;
  groups?: number;
  samples?: number;
  samplesPerSecond?: number;
  people?: number;
  escalations?: number;
  escalationSpacingMs?: number;
}

export type PostgresBench = { skipped: string } | Awaited<ReturnType<typeof measure>>;

/**
 * Baton on PostgreSQL (DATABASE_URL), one throwaway cluster with PostgreSQL's default durability (every commit
 * flushed before it is acknowledged, as Baton's SQLite commits are, ADR 3), each node
 * `node dist/main.js` in its own process:
 * - ingest, every alert new, as bench/ingest.ts (a warm-up opens `groups` incidents, then new fingerprints;
 *   64 keep-alive senders, closed loop) into: Baton on SQLite, one node (the baseline); Baton on PostgreSQL,
 *   one node; two nodes on one PostgreSQL database sharing one Slack stand-in, 32 senders each, both at once
 *   (alerts/s = all alerts / the longer of the two blasts). One system after the other, each started fresh
 *   (its own database) and stopped before the next: warm-up, then `rounds` rounds of `alerts` alerts, median
 *   reported.
 * - page latency on two fresh nodes (one new database): from Baton's 2xx answer to an alert that opens an
 *   incident to the DM's arrival at the stand-in; `samples` samples, `samplesPerSecond`, alternating between
 *   the nodes, round robin over `people` services each paging its own person (Slack takes a message a second
 *   per DM: the samples measure Baton, not Slack's pace).
 * - escalation after a node is killed, on the same two nodes: `escalations` incidents opened on node A one a
 *   second, on a policy whose first level escalates after 1 minute; node A is killed with SIGKILL right after
 *   the last; for each incident, from its next_escalation_at (read from PostgreSQL) to its second level's DM
 *   at the stand-in, which only node B can have sent.
 */
export async function benchPostgres(opts: PostgresBenchOptions = {}): Promise<PostgresBench> {
  if (!postgresAvailable()) return { skipped: "PostgreSQL is not installed (Debian's postgresql package, /usr/lib/postgresql/*/bin)" };
  const cluster = await startPostgresCluster({ durable: true });
  try {
    return await measure(cluster, opts);
  } finally {
    cluster.stop();
  }
}

async function measure(cluster: PostgresCluster, opts: PostgresBenchOptions) {
  const ingest = await measureIngest(cluster, opts.alerts ?? 10_000, Math.max(1, opts.rounds ?? 1), opts.groups ?? 100);
  const failover = await measureTwoNodes(cluster, {
    samples: opts.samples ?? 100,
    samplesPerSecond: opts.samplesPerSecond ?? 4,
    // Odd, so that alternating nodes and round-robin people meet in every pairing.
    people: opts.people ?? 7,
    escalations: opts.escalations ?? 10,
    escalationSpacingMs: opts.escalationSpacingMs ?? 1000,
  });
  return { ...ingest, ...failover };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const tolerance = () => ({ toleranceMs: Number(process.env.BENCH_SLACK_TOLERANCE_MS ?? 0) });
const reportOf = (node: BatonMain): NodeReport => ({ peakRssMb: Math.round(node.peakRssMb()), log: node.logSummary() });
const count429 = (standin: SlackStandIn) => standin.calls.filter((c) => c.status === 429).length;

/** Several nodes' log warnings added up. */
function mergeWarnings(reports: NodeReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) for (const [msg, n] of Object.entries(r.log.warnings)) out[msg] = (out[msg] ?? 0) + n;
  return out;
}

function countSqliteRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function countRows(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

async function measureIngest(cluster: PostgresCluster, total: number, rounds: number, groups: number) {
  const concurrency = 64;
  const warm = Math.max(groups, Math.round(total / 10));
  // Warm-up alerts are 0..warm-1, round r's alerts follow: every one distinct (each system has its own database).
  const warmBody = (i: number) => alertmanagerPayload(i % groups, i);
  const roundBody = (r: number) => (i: number) => alertmanagerPayload(i % groups, warm + r * total + i);
  const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };
  const config = benchConfig();

  const one = (node: BatonMain, n: number, body: (i: number) => string): Promise<Round> =>
    blast({ url: node.ingestUrl, total: n, concurrency, body, headers });
  /** Half the senders to each node, both blasts at once; alerts/s over the longer of the two. */
  const pair = async (nodes: BatonMain[], n: number, body: (i: number) => string): Promise<Round> => {
    const halves = [Math.ceil(n / 2), Math.floor(n / 2)];
    const runs: LoadResult[] = await Promise.all(
      nodes.map((node, k) =>
        blast({ url: node.ingestUrl, total: halves[k]!, concurrency: concurrency / 2, body: (i) => body(2 * i + k), headers }),
      ),
    );
    const statuses: Record<number, number> = {};
    for (const run of runs) for (const [s, c] of Object.entries(run.statuses)) statuses[Number(s)] = (statuses[Number(s)] ?? 0) + c;
    return {
      perSecond: n / Math.max(...runs.map((r) => r.seconds)),
      ok: runs.reduce((s, r) => s + r.ok, 0),
      statuses,
      latenciesMs: runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b),
    };
  };

  const refused = (standin: SlackStandIn) => {
    const { byLimit, beyondJitter, maxEarlyMs } = refusals(standin);
    return { byLimit, beyondJitter, maxEarlyMs };
  };
  /** One system from start to stop, alone: its nodes started, the warm-up, the rounds, what it stored and logged. */
  const system = async (count: 1 | 2, databaseUrl: string | null) => {
    const standin = count === 1 ? null : await SlackStandIn.start({ rateLimits: tolerance() });
    try {
      const nodes = await startNodes(count, {
        configYaml: config.yaml,
        channels: config.channels,
        ...(databaseUrl ? { env: { DATABASE_URL: databaseUrl } } : {}),
        ...(standin ? { standin } : {}),
      });
      try {
        const send = (n: number, body: (i: number) => string) => (count === 1 ? one(nodes[0]!, n, body) : pair(nodes, n, body));
        await send(warm, warmBody);
        const runs: Round[] = [];
        for (let r = 0; r < rounds; r += 1) runs.push(await send(total, roundBody(r)));
        const alertsStored = databaseUrl ? await countRows(databaseUrl, 'alerts') : countSqliteRows(nodes[0]!.dbPath, 'alerts');
        const calls = standin ?? nodes[0]!.standin;
        return {
          alertsPerSecond: Math.round(median(runs.map((run) => run.perSecond))),
          answerP99Ms: median(runs.map((run) => percentile(run.latenciesMs, 99))),
          non2xx: runs.reduce((n, run) => n + total - run.ok, 0),
          statuses: runs.map((run) => run.statuses),
          byRound: runs.map((run) => Math.round(run.perSecond)),
          alertsStored,
          slack429: count429(calls),
          slack429ByLimit: refused(calls),
          nodes: nodes.map(reportOf),
        };
      } finally {
        for (const node of nodes) await node.close();
      }
    } finally {
      await standin?.stop();
    }
  };

  // One system after the other, each alone on the machine: a node left running drains the Slack backlog of its
  // own rounds (paced pages, posts, card refreshes), which on a small machine takes CPU from the one measured.
  const sqliteOne = await system(1, null);
  const postgresOne = await system(1, await cluster.createDatabase());
  // Two nodes started together, as a deployment starts them: they migrate and apply the config once between them.
  const postgresTwo = await system(2, await cluster.createDatabase());
  const systems = [sqliteOne, postgresOne, postgresTwo];
  return {
    ingest: {
      alerts: total,
      rounds,
      groups,
      concurrency,
      warmUpAlerts: warm,
      sqliteOne,
      postgresOne,
      postgresTwo,
      ratioPostgresToSqlite: postgresOne.alertsPerSecond / sqliteOne.alertsPerSecond,
      ratioTwoNodesToOne: postgresTwo.alertsPerSecond / postgresOne.alertsPerSecond,
      alertsExpected: warm + rounds * total,
      warnings: mergeWarnings(systems.flatMap((x) => x.nodes)),
    },
  };
}

/** `count` Baton nodes started at once; if one fails to start, the others are stopped. */
async function startNodes(count: number, opts: Parameters<typeof startBatonMain>[0]): Promise<BatonMain[]> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startBatonMain(opts)));
  const up = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const node of up) await node.close();
    throw failed.reason;
  }
  return up;
}

async function measureTwoNodes(
  cluster: PostgresCluster,
  opts: { samples: number; samplesPerSecond: number; people: number; escalations: number; escalationSpacingMs: number },
) {
  const { samples, samplesPerSecond, people, escalations, escalationSpacingMs } = opts;
  const url = await cluster.createDatabase();
  const config = benchConfig({ escalationMinutes: 1, extraServices: people });
  const standin = await SlackStandIn.start({ rateLimits: tolerance() });
  const nodes: BatonMain[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const db = new pg.Client({ connectionString: url });
  let stopListening = () => {};
  try {
    nodes.push(...(await startNodes(2, { configYaml: config.yaml, channels: config.channels, env: { DATABASE_URL: url }, standin })));
    const [a, b] = nodes as [BatonMain, BatonMain];
    await db.connect();
    const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };

    // Page latency: the first page DM of each sample group, timed on arrival; the answer timed on receipt.
    const pagedAt = new Map<number, number>();
    const answeredAt = new Map<number, { at: number; node: number }>();
    stopListening = standin.onCall((call) => {
      if (!isPage(call)) return;
      const group = groupOf(call);
      if (group !== null && group >= SAMPLE_GROUP && group < SAMPLE_GROUP + samples && !pagedAt.has(group))
        pagedAt.set(group, performance.now());
    });
    const sampleStatuses: Record<number, number> = {};
    const started = performance.now();
    for (let i = 0; i < samples; i += 1) {
      const node = i % 2;
      const service = config.extra[i % people]!;
      const answer = await post(
        agent,
        new URL(`${nodes[node]!.url}/integrations/alertmanager/${service.key}`),
        alertmanagerPayload(SAMPLE_GROUP + i, 0),
      );
      sampleStatuses[answer.status] = (sampleStatuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) answeredAt.set(SAMPLE_GROUP + i, { at: performance.now(), node });
      const wait = started + ((i + 1) * 1000) / samplesPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await standin.waitFor(() => [...answeredAt.keys()].every((g) => pagedAt.has(g)), 30_000).catch(() => {});
    stopListening();
    const latencies: number[] = [];
    const byNode: number[][] = [[], []];
    for (const [group, answered] of answeredAt) {
      const paged = pagedAt.get(group);
      if (paged === undefined) continue;
      latencies.push(paged - answered.at);
      byNode[answered.node]!.push(paged - answered.at);
    }
    for (const list of [latencies, ...byNode]) list.sort((x, y) => x - y);
    const pages429 = count429(standin);

    // Escalation after a node is killed: incidents opened on node A, which is then killed.
    const dueAt = new Map<number, number>();
    const firstLevel = new Map<number, Set<string>>();
    const escalationStatuses: Record<number, number> = {};
    for (let e = 0; e < escalations; e += 1) {
      if (e > 0) await sleep(escalationSpacingMs);
      const answer = await post(agent, new URL(a.ingestUrl), alertmanagerPayload(ESCALATION_GROUP + e, 0), headers);
      escalationStatuses[answer.status] = (escalationStatuses[answer.status] ?? 0) + 1;
      const id = answer.status === 200 ? (JSON.parse(answer.body) as { incident_id: number | null }).incident_id : null;
      if (id === null) continue;
      const row = (await db.query('select next_escalation_at as at from incidents where id = $1', [id])).rows[0] as
        | { at: string | null }
        | undefined;
      if (row?.at) dueAt.set(id, Number(row.at));
      // Who the first level paged: the second level's DM is the incident's page to someone else.
      const paged = await db.query('select distinct user_id from outbox where incident_id = $1 and user_id is not null', [id]);
      firstLevel.set(id, new Set(paged.rows.map((r: { user_id: string }) => r.user_id)));
    }
    const aPeakRssMb = Math.round(a.peakRssMb());
    a.process.kill('SIGKILL');
    await new Promise<void>((resolve) =>
      a.process.exitCode !== null || a.process.signalCode !== null ? resolve() : a.process.once('exit', () => resolve()),
    );
    const killedAt = Date.now();
    const escalationDm = (id: number, due: number) =>
      standin.calls.find(
        (c) => isPage(c) && incidentOf(c) === id && !firstLevel.get(id)?.has(String(c.args.channel)) && c.at >= due - 30_000,
      );
    const lastDue = Math.max(0, ...dueAt.values());
    // Up to a minute past the last due time: late ones are measured, not cut off at the target.
    await standin
      .waitFor(() => [...dueAt].every(([id, due]) => escalationDm(id, due)), Math.max(10_000, lastDue + 60_000 - Date.now()))
      .catch(() => {});
    const lateness: number[] = [];
    let escalationsMissing = 0;
    for (const [id, due] of dueAt) {
      const dm = escalationDm(id, due);
      if (dm) lateness.push(dm.at - due);
      else escalationsMissing += 1;
    }
    lateness.sort((x, y) => x - y);
    const aReport: NodeReport = { peakRssMb: aPeakRssMb, log: a.logSummary() };
    const bReport = reportOf(b);
    const limited = refusals(standin);

    return {
      pages: {
        samples: latencies.length,
        samplesSent: samples,
        samplesPerSecond,
        people,
        statuses: sampleStatuses,
        medianMs: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? NaN,
        p99ByNodeMs: byNode.map((l) => percentile(l, 99)),
        dmBeforeAnswer: latencies.filter((l) => l < 0).length,
        slack429: pages429,
      },
      escalation: {
        incidents: escalations,
        spacingMs: escalationSpacingMs,
        measured: lateness.length,
        missing: escalationsMissing,
        notOpened: escalations - dueAt.size,
        statuses: escalationStatuses,
        lateP50Ms: percentile(lateness, 50),
        lateMaxMs: lateness.at(-1) ?? NaN,
        lateMs: lateness.map(Math.round),
        /** Who the first level paged (read from the outbox as each incident opened); the second level's DM goes to someone else. */
        firstLevelPaged: [...new Set([...firstLevel.values()].flatMap((set) => [...set]))],
        secondLevelPaged: [
          ...new Set([...dueAt].map(([id, due]) => escalationDm(id, due)?.args.channel).filter((c): c is string => typeof c === 'string')),
        ],
        /** From the kill to the last incident's due time: the survivor had this long to notice. */
        killToLastDueMs: lastDue - killedAt,
      },
      twoNodes: {
        slack429: limited.total,
        slack429ByLimit: limited.byLimit,
        slack429BeyondJitter: limited.beyondJitter,
        slack429MaxEarlyMs: limited.maxEarlyMs,
        nodes: [aReport, bReport],
        warnings: mergeWarnings([aReport, bReport]),
      },
    };
  } finally {
    stopListening();
    agent.destroy();
    await db.end().catch(() => {});
    for (const node of nodes) await node.close();
    await standin.stop();
  }
}
