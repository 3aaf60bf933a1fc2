import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchBurst } from './burst.js';
import { benchHealth } from './health.js';
import { benchIngest } from './ingest.js';
import { benchLatency } from './latency.js';
import { batonEntry, removeBuild } from './lib/baton-main.js';
import { envNumber } from './lib/load.js';
import { benchPostgres } from './postgres.js';
import { benchSchedule } from './schedule.js';
import { benchStorm } from './storm.js';
import { benchTick } from './tick.js';

/**
 * `npm run bench [section ...]`: prints each figure beside its target and a baseline measured in the same run,
 * and writes them to bench/results/latest.json (BENCH_OUT to write elsewhere). Sections: ingest, burst,
 * storm, latency, health, postgres, tick, schedule (default: all).
 *
 * Baton runs as users run it (bench/lib/baton-main.ts: `node dist/main.js` compiled from the current src/,
 * its own process, LOG_LEVEL=info to a file) against the Slack stand-in enforcing Slack's rate limits.
 * Sizes, for shorter runs while developing:
 *   BENCH_INGEST_ALERTS (20000 a round), BENCH_INGEST_ROUNDS (3)
 *   BENCH_BURST_GROUPS (1000)    BENCH_BURST_WATCH_SECONDS (60)
 *   BENCH_STORM_ALERTS (10000)    BENCH_STORM_SECONDS (60)     BENCH_STORM_DRAIN_SECONDS (60)
 *   BENCH_LATENCY_SAMPLES (200)   BENCH_ESCALATIONS (20)       BENCH_HEALTH_OUTBOX_ROWS (200000)
 *   BENCH_PG_ALERTS (10000 a round), BENCH_PG_ROUNDS (1), BENCH_PG_SAMPLES (100), BENCH_PG_ESCALATIONS (10)
 *   BENCH_SLACK_TOLERANCE_MS (0): lateness the stand-in forgives a call (network jitter); 0 is strict.
 *   BENCH_BATON: build (default), dist (the repository's dist/ as is) or src (tsx src/main.ts).
 * The postgres section (bench/postgres.ts) starts a throwaway cluster of Debian's postgresql with its default
 * durability, or prints that it was skipped where PostgreSQL is not installed; its escalation part needs a
 * minute of real time.
 */
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const results: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  },
  at: new Date().toISOString(),
};
type Row = [section: string, figure: string, value: string, target: string, baseline: string, ok: boolean | null];
const rows: Row[] = [];
const fmt = (n: number | null | undefined, digits = 2) => (n !== null && n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const peaks: Array<[string, number]> = [];
const started = performance.now();

if (['ingest', 'burst', 'storm', 'latency', 'health', 'postgres'].some(want)) results.baton = batonEntry().describe;
try {
  if (want('ingest')) {
    const r = await benchIngest(envNumber('BENCH_INGEST_ALERTS', 20_000), envNumber('BENCH_INGEST_ROUNDS', 3));
    results.ingest = r;
    peaks.push(['ingest', r.peakRssMb]);
    const base = `durable group-commit server ${int(r.durableRequestsPerSecond)}/s; bare node:http ${int(r.bareRequestsPerSecond)}/s`;
    rows.push([
      'ingest',
      `every alert new: alerts/s (${r.concurrency} senders, ${r.groups} groups; median of ${r.rounds} round${r.rounds === 1 ? '' : 's'} of ${int(r.alerts)})`,
      int(r.alertsPerSecond),
      '',
      base,
      null,
    ]);
    rows.push(['ingest', '  ratio to the durable server', `${fmt(r.ratioToDurable * 100, 0)}%`, '>= 60%', '', r.ratioToDurable >= 0.6]);
    rows.push(['ingest', '  ratio to bare node:http', `${fmt(r.ratioToBare * 100, 0)}%`, '', '', null]);
    rows.push(['ingest', '  answer p99 / non-2xx', `${fmt(r.answerP99Ms, 1)} ms / ${r.non2xx}`, '', '', null]);
    rows.push([
      'ingest',
      'the same alerts re-sent (unchanged): alerts/s',
      int(r.resendAlertsPerSecond),
      '',
      `non-2xx ${r.resendNon2xx}`,
      null,
    ]);
  }
  if (want('burst')) {
    const r = await benchBurst(envNumber('BENCH_BURST_GROUPS', 1000), envNumber('BENCH_BURST_WATCH_SECONDS', 60));
    results.burst = r;
    peaks.push(['burst', r.peakRssMb]);
    rows.push([
      'burst',
      `${int(r.groups)} new groups at once: alerts/s`,
      int(r.alertsPerSecond),
      '>= 1500',
      `${r.incidentsOpened} incidents opened, ${r.non2xx} non-2xx`,
      r.alertsPerSecond >= 1500,
    ]);
    rows.push([
      'burst',
      '  answer p99',
      `${fmt(r.answerP99Ms, 1)} ms`,
      '<= 250 ms',
      `median ${fmt(r.answerP50Ms, 1)} ms`,
      r.answerP99Ms <= 250,
    ]);
    const order =
      r.pagesFirst === true
        ? `yes: all ${r.pagesSent} pages by +${fmt(r.lastPageAfterSeconds, 1)} s`
        : r.pagesFirst === false
          ? `no: first at +${fmt(r.firstOlderRefreshAfterSeconds, 1)} s, after ${r.pagesBeforeFirstOlderRefresh} of ${r.groups} pages`
          : `not known: ${r.pagesSent} of ${r.groups} pages in ${fmt(r.watchedSeconds, 0)} s, no older refresh yet`;
    rows.push([
      'burst',
      '  every page before any card refresh of an older incident',
      order,
      'yes',
      `${r.pagesSent} pages sent in ${fmt(r.watchedSeconds, 0)} s watched; ${r.cardRefreshesBeforeLastPage} chat.update before the last page; 429s ${r.slack429}`,
      r.pagesFirst === true,
    ]);
  }
  if (want('storm')) {
    const seconds = envNumber('BENCH_STORM_SECONDS', 60);
    const r = await benchStorm(envNumber('BENCH_STORM_ALERTS', 10_000), seconds, 20, envNumber('BENCH_STORM_DRAIN_SECONDS', 60));
    results.storm = r;
    peaks.push(['storm', r.peakRssMb]);
    const byLimit = Object.entries(r.slack429ByLimit)
      .map(([m, n]) => `${m} ${n}`)
      .join(', ');
    rows.push([
      'storm',
      `${int(r.alertsSent)} alerts in ${seconds} s, ${r.groups} groups: 429s from the stand-in`,
      String(r.slack429),
      '0',
      r.slack429
        ? `${byLimit}; ${r.slack429BeyondJitter} came >= 250 ms early (up to ${r.slack429MaxEarlyMs} ms), the rest less (median ${r.slack429MedianEarlyMs} ms)`
        : `${r.answered2xx} answered 2xx`,
      r.slack429 === 0,
    ]);
    const p = r.channelPace;
    rows.push([
      'storm',
      '  most posts to one channel in any 1 s / 10 s / 60 s',
      `${p.max1s.posts} / ${p.max10s.posts} / ${p.max60s.posts}`,
      '<= 1/s (after a burst of 3: 3 / 12 / 62)',
      `busiest: ${p.max60s.channel}`,
      p.withinOnePerSecond,
    ]);
    const updatesRefused = r.slack429ByLimit['chat.update'] ?? 0;
    rows.push([
      'storm',
      '  chat.update: most accepted in any minute (refused)',
      `${r.chatUpdate.maxPerMinute} (${updatesRefused})`,
      'Tier 3: 50/min + 10 s burst = 59, none refused',
      `${r.chatUpdate.total} accepted, ${fmt(r.chatUpdate.perMinuteOverall, 1)}/min from the storm's start to the last call`,
      r.chatUpdate.maxPerMinute <= 59 && updatesRefused === 0,
    ]);
    rows.push([
      'storm',
      '  pages per group',
      r.pagesPerGroupMin === r.pagesPerGroupMax ? String(r.pagesPerGroupMax) : `${r.pagesPerGroupMin}-${r.pagesPerGroupMax}`,
      '1',
      `${r.groupsPaged} of ${r.groups} groups paged; ${r.incidentsOpened} incidents`,
      r.pagesPerGroupMax === 1 && r.pagesPerGroupMin === 1 && r.groupsPaged === r.groups,
    ]);
    rows.push([
      'storm',
      '  alerts stored',
      int(r.alertsStored),
      int(r.alertsSent),
      `${int(r.payloadsStored)} payloads; answer p99 ${fmt(r.answerP99Ms, 1)} ms`,
      r.alertsStored === r.alertsSent,
    ]);
    rows.push([
      'storm',
      '  outbox empty after the storm',
      r.outboxDrainedAfterSeconds === null ? `no: ${r.outboxStillPending} pending` : `after ${fmt(r.outboxDrainedAfterSeconds, 1)} s`,
      '',
      `conversations.create ${r.conversationsCreate.total} (most in a minute ${r.conversationsCreate.maxPerMinute})`,
      null,
    ]);
  }
  if (want('latency')) {
    const r = await benchLatency({ samples: envNumber('BENCH_LATENCY_SAMPLES', 200), escalations: envNumber('BENCH_ESCALATIONS', 20) });
    results.latency = r;
    peaks.push(['latency', r.peakRssMb]);
    rows.push([
      'page latency',
      `answer -> DM at the stand-in, p99 (${r.samples} pages to ${r.people} people, ${r.backgroundAlertsPerSecond} alerts/s background)`,
      `${fmt(r.p99Ms, 1)} ms`,
      '<= 20 ms',
      `median ${fmt(r.medianMs, 1)} ms, max ${fmt(r.maxMs, 1)} ms`,
      r.p99Ms <= 20 && r.samples === r.samplesSent,
    ]);
    rows.push([
      'escalation',
      `1-minute escalation: next_escalation_at -> DM, p99 (${r.escalations} incidents, same background)`,
      `${fmt(r.escalationLateP99Ms, 0)} ms`,
      '<= 1000 ms',
      `median ${fmt(r.escalationLateMedianMs, 0)} ms, max ${fmt(r.escalationLateMaxMs, 0)} ms, missing ${r.escalationsMissing}; 429s ${r.slack429}`,
      r.escalationLateP99Ms <= 1000 && r.escalationsMissing === 0,
    ]);
  }
  if (want('health')) {
    const r = await benchHealth(envNumber('BENCH_HEALTH_OUTBOX_ROWS', 200_000), envNumber('BENCH_HEALTH_INCIDENT_ROWS', 50_000));
    results.health = r;
    for (const path of ['/healthz', '/metrics'] as const) {
      const e = r.empty.routes[path]!;
      const s = r.seeded.routes[path]!;
      rows.push([
        'health',
        `${path} with ${int(r.outboxRows)} outbox rows, ${int(r.incidentRows)} incidents: median`,
        `${fmt(s.medianMs, 1)} ms`,
        '',
        `fresh database ${fmt(e.medianMs, 1)} ms; max ${fmt(s.maxMs, 1)} ms; status ${s.status}`,
        null,
      ]);
    }
    rows.push([
      'health',
      '  counted without loading rows into Baton (RSS growth over 42 requests)',
      `+${fmt(r.seeded.rssGrowthMb, 1)} MB`,
      '< 10 MB',
      `fresh database +${fmt(r.empty.rssGrowthMb, 1)} MB`,
      r.seeded.rssGrowthMb < 10,
    ]);
    // A step `SCAN <table>` with no index after it reads the whole table (`SCAN CONSTANT ROW` reads nothing).
    const scans = Object.entries(r.plans).filter(([, plan]) => plan.split('; ').some((step) => /^SCAN \S+$/.test(step)));
    rows.push([
      'health',
      '  counted without reading every row (query plans)',
      scans.length ? `no: ${scans.length} of ${Object.keys(r.plans).length} counts scan their table` : 'yes',
      'yes',
      Object.entries(r.plans)
        .map(([n, p]) => `${n}: ${p}`)
        .join(' | '),
      scans.length === 0,
    ]);
  }
  if (want('postgres')) {
    const r = await benchPostgres({
      alerts: envNumber('BENCH_PG_ALERTS', 10_000),
      rounds: envNumber('BENCH_PG_ROUNDS', 1),
      samples: envNumber('BENCH_PG_SAMPLES', 100),
      escalations: envNumber('BENCH_PG_ESCALATIONS', 10),
    });
    results.postgres = r;
    if ('skipped' in r) rows.push(['postgres', 'skipped', '-', '', r.skipped, null]);
    else {
      const i = r.ingest;
      const rounds = i.rounds === 1 ? `one round of ${int(i.alerts)}` : `median of ${i.rounds} rounds of ${int(i.alerts)}`;
      peaks.push([
        'postgres',
        Math.max(
          ...[i.sqliteOne, i.postgresOne, i.postgresTwo]
            .flatMap((x) => x.nodes)
            .concat(r.twoNodes.nodes)
            .map((n) => n.peakRssMb)
            .filter(Number.isFinite),
        ),
      ]);
      rows.push([
        'postgres',
        `every alert new into two nodes on one database: alerts/s (2 x ${i.concurrency / 2} senders, ${i.groups} groups; ${rounds})`,
        int(i.postgresTwo.alertsPerSecond),
        '>= 2000',
        `PostgreSQL one node ${int(i.postgresOne.alertsPerSecond)}/s; SQLite one node ${int(i.sqliteOne.alertsPerSecond)}/s (${i.concurrency} senders)`,
        i.postgresTwo.alertsPerSecond >= 2000,
      ]);
      rows.push([
        'postgres',
        '  ratio PostgreSQL one node / SQLite one node',
        `${fmt(i.ratioPostgresToSqlite * 100, 0)}%`,
        '',
        'both durable: SQLite fsyncs its WAL before each answer; PostgreSQL fsync, synchronous_commit and full_page_writes on',
        null,
      ]);
      rows.push(['postgres', '  ratio two nodes / one node (PostgreSQL)', `${fmt(i.ratioTwoNodesToOne * 100, 0)}%`, '', '', null]);
      rows.push([
        'postgres',
        '  answer p99: SQLite / PostgreSQL one node / two nodes',
        `${fmt(i.sqliteOne.answerP99Ms, 1)} / ${fmt(i.postgresOne.answerP99Ms, 1)} / ${fmt(i.postgresTwo.answerP99Ms, 1)} ms`,
        '',
        `non-2xx ${i.sqliteOne.non2xx} / ${i.postgresOne.non2xx} / ${i.postgresTwo.non2xx}`,
        null,
      ]);
      rows.push([
        'postgres',
        '  alerts stored: SQLite / PostgreSQL one node / two nodes',
        `${int(i.sqliteOne.alertsStored)} / ${int(i.postgresOne.alertsStored)} / ${int(i.postgresTwo.alertsStored)}`,
        int(i.alertsExpected),
        `warm-up ${int(i.warmUpAlerts)} + ${i.rounds} x ${int(i.alerts)}`,
        [i.sqliteOne, i.postgresOne, i.postgresTwo].every((x) => x.alertsStored === i.alertsExpected),
      ]);
      const p = r.pages;
      rows.push([
        'postgres',
        `two nodes: answer -> page DM at the stand-in, p99 (${p.samples} pages alternating nodes, ${p.people} people, ${p.samplesPerSecond}/s)`,
        `${fmt(p.p99Ms, 1)} ms`,
        '<= 100 ms',
        `median ${fmt(p.medianMs, 1)} ms, max ${fmt(p.maxMs, 1)} ms; p99 by node ${p.p99ByNodeMs.map((v) => fmt(v, 1)).join(' / ')} ms${
          results.latency ? `; SQLite one node (latency above) ${fmt((results.latency as { p99Ms: number }).p99Ms, 1)} ms` : ''
        }`,
        p.p99Ms <= 100 && p.samples === p.samplesSent,
      ]);
      const e = r.escalation;
      rows.push([
        'postgres',
        `node A killed (SIGKILL): 1-minute escalation, next_escalation_at -> DM from node B, max (${e.measured} of ${e.incidents} incidents)`,
        `${fmt(e.lateMaxMs, 0)} ms`,
        '<= 15 s',
        `p50 ${fmt(e.lateP50Ms, 0)} ms; missing ${e.missing}, not opened ${e.notOpened}`,
        e.lateMaxMs <= 15_000 && e.missing === 0 && e.notOpened === 0,
      ]);
      const by429 = (m: Record<string, number>) =>
        Object.entries(m)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none';
      const ingest429 = (x: { byLimit: Record<string, number>; beyondJitter: number; maxEarlyMs: number }) =>
        Object.keys(x.byLimit).length === 0 ? 'none' : `${by429(x.byLimit)} (${x.beyondJitter} >= 250 ms early, up to ${x.maxEarlyMs} ms)`;
      rows.push([
        'postgres',
        '  429s from the stand-in: ingest SQLite / one node / two nodes; pages and escalation',
        `${i.sqliteOne.slack429} / ${i.postgresOne.slack429} / ${i.postgresTwo.slack429}; ${r.twoNodes.slack429}`,
        '',
        `${ingest429(i.sqliteOne.slack429ByLimit)} / ${ingest429(i.postgresOne.slack429ByLimit)} / ${ingest429(i.postgresTwo.slack429ByLimit)}; ${ingest429(
          {
            byLimit: r.twoNodes.slack429ByLimit,
            beyondJitter: r.twoNodes.slack429BeyondJitter,
            maxEarlyMs: r.twoNodes.slack429MaxEarlyMs,
          },
        )}`,
        null,
      ]);
      const warnings = { ...i.warnings };
      for (const [msg, n] of Object.entries(r.twoNodes.warnings)) warnings[msg] = (warnings[msg] ?? 0) + n;
      rows.push([
        'postgres',
        "  Baton log lines at warn and above (the section's six nodes)",
        String(Object.values(warnings).reduce((a, b) => a + b, 0)),
        '',
        Object.entries(warnings)
          .sort((x, y) => y[1] - x[1])
          .map(([msg, n]) => `${n} x ${msg}`)
          .join('; '),
        null,
      ]);
    }
  }
  if (peaks.length > 0) {
    const [section, mb] = peaks.reduce((a, b) => (b[1] > a[1] ? b : a));
    rows.push([
      'memory',
      'peak RSS of the Baton process (VmHWM)',
      `${mb} MB`,
      '<= 250 MB',
      `highest in ${section}; ${peaks.map(([s, m]) => `${s} ${m}`).join(', ')}`,
      mb <= 250,
    ]);
  }
  if (want('tick')) {
    const r = await benchTick();
    results.tick = r;
    rows.push([
      'escalation tick',
      `in-process, ${r.openIncidents} open, ${r.duePerTick} due: median`,
      `${fmt(r.medianTickMs)} ms`,
      '< 20 ms',
      `due query alone ${fmt(r.baselineQueryOnlyMs)} ms`,
      r.medianTickMs < 20,
    ]);
    rows.push(['escalation tick', '  p95', `${fmt(r.p95TickMs)} ms`, '', '', null]);
  }
  if (want('schedule')) {
    const r = await benchSchedule();
    results.schedule = r;
    rows.push([
      'schedule',
      `in-process, who is on call, ${r.rotations} rotations`,
      `${fmt(r.whoIsOnCallMs, 3)} ms`,
      '< 2 ms',
      `zone lookup alone ${fmt(r.baselineZoneLookupMs, 3)} ms`,
      r.whoIsOnCallMs < 2,
    ]);
    rows.push([
      'schedule',
      '  of which: reading rotations and adjustments / computing holders',
      `${fmt(r.readRotationsMs, 3)} / ${fmt(r.computeShiftsMs, 3)} ms`,
      '',
      '',
      null,
    ]);
    rows.push([
      'schedule',
      '90-day schedule, one daily rotation',
      `${fmt(r.ninetyDaysOneRotationMs, 3)} ms`,
      '',
      `luxon day steps ${fmt(r.baselineLuxon90DaysMs, 3)} ms`,
      null,
    ]);
    rows.push(['schedule', `90-day schedule, all ${r.rotations} rotations`, `${fmt(r.ninetyDaysAllRotationsMs, 1)} ms`, '', '', null]);
    rows.push([
      'schedule',
      `90-day final schedule, ${r.overridesInRange} overrides + time off`,
      `${fmt(r.finalNinetyDaysWithOverridesMs, 3)} ms`,
      '',
      `no overrides ${fmt(r.finalNinetyDaysNoOverridesMs, 3)} ms`,
      null,
    ]);
  }
} finally {
  removeBuild();
}

results.minutes = Number(((performance.now() - started) / 60_000).toFixed(1));
(results.machine as Record<string, unknown>).loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
const header: Row = ['section', 'figure', 'measured', 'target', 'baseline / detail', null];
const table = [header, ...rows].map((r) => [
  r[0],
  r[1],
  r[2],
  r[3],
  r === header ? 'met' : r[5] === null ? '' : r[5] ? 'ok' : 'MISSED',
  r[4],
]);
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const row of table)
  console.log(
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
const out = process.env.BENCH_OUT
  ? new URL(process.env.BENCH_OUT, `file://${process.cwd()}/`)
  : new URL('./results/latest.json', import.meta.url);
mkdirSync(new URL('./', out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ ...results, rows }, null, 2)}\n`);
console.log(`\n${results.minutes} min; written: ${out.pathname}`);
