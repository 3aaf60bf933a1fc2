import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchBurst } from './burst.js';
import { benchHealth } from './health.js';
import { benchIngest } from './ingest.js';
import { benchLatency } from './latency.js';
import { batonEntry, removeBuild } from './lib/baton-main.js';
import { envNumber } from './lib/load.js';
import { benchSchedule } from './schedule.js';
import { benchStorm } from './storm.js';
import { benchTick } from './tick.js';

/**
 * `npm run bench [section ...]`: prints each figure beside its target and a baseline measured in the same run,
 * and writes them to bench/results/latest.json (BENCH_OUT to write elsewhere). Sections: ingest, burst,
 * storm, latency, health, tick, schedule (default: all).
 *
 * Baton runs as users run it (bench/lib/baton-main.ts: `node dist/main.js` compiled from the current src/,
 * its own process, LOG_LEVEL=info to a file) against the Slack stand-in enforcing Slack's rate limits.
 * Sizes, for shorter runs while developing:
 *   BENCH_INGEST_ALERTS (20000 a round), BENCH_INGEST_ROUNDS (3)
 *   BENCH_BURST_GROUPS (1000)    BENCH_BURST_WATCH_SECONDS (60)
 *   BENCH_STORM_ALERTS (10000)    BENCH_STORM_SECONDS (60)     BENCH_STORM_DRAIN_SECONDS (60)
 *   BENCH_LATENCY_SAMPLES (200)   BENCH_ESCALATIONS (20)       BENCH_HEALTH_OUTBOX_ROWS (200000)
 *   BENCH_SLACK_TOLERANCE_MS (0): lateness the stand-in forgives a call (network jitter); 0 is strict.
 *   BENCH_BATON: build (default), dist (the repository's dist/ as is) or src (tsx src/main.ts).
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

if (['ingest', 'burst', 'storm', 'latency', 'health'].some(want)) results.baton = batonEntry().describe;
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
    const scans = Object.entries(r.plans).filter(([, plan]) => /(^|; )SCAN /.test(plan) && !/COVERING INDEX/.test(plan));
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
