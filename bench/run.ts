import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchIngest } from './ingest.js';
import { benchPageLatency } from './latency.js';
import { benchSchedule } from './schedule.js';
import { benchStorm } from './storm.js';
import { benchTick } from './tick.js';

/**
 * `npm run bench`: prints a table of Baton's figures beside their targets and baselines measured in the
 * same run, and writes them to bench/results/latest.json. BENCH_STORM_SECONDS shortens the storm (default 60).
 */
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  at: new Date().toISOString(),
};
type Row = [section: string, figure: string, value: string, target: string, baseline: string, ok: boolean | null];
const rows: Row[] = [];
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

if (want('ingest')) {
  const r = await benchIngest();
  results.ingest = r;
  rows.push(['ingest', 'alerts/s (64 senders, keep-alive)', String(r.alertsPerSecond), '>= 5000', `bare node:http ${r.bareRequestsPerSecond}/s`, r.alertsPerSecond >= 5000]);
  rows.push(['ingest', 'ratio to bare server', `${fmt(r.ratioToBare * 100, 0)}%`, '>= 30%', '', r.ratioToBare >= 0.3]);
}
if (want('latency')) {
  const r = await benchPageLatency();
  results.pageLatency = r;
  rows.push(['page latency', `median (${r.samples} pages, ${r.backgroundAlertsPerSecond} alerts/s background)`, `${fmt(r.medianMs)} ms`, '', '', null]);
  rows.push(['page latency', 'p99', `${fmt(r.p99Ms)} ms`, '<= 50 ms', '', r.p99Ms <= 50]);
}
if (want('storm')) {
  const seconds = Number(process.env.BENCH_STORM_SECONDS ?? 60);
  const r = await benchStorm(10_000, seconds, 20);
  results.storm = r;
  const calls = Object.entries(r.slackCalls).map(([m, n]) => `${m} ${n}`).join(', ');
  rows.push(['storm', `${r.alertsSent} alerts in ${seconds}s, 20 groups: incidents`, String(r.incidentsOpened), '20', `${r.answered2xx} answered 2xx`, r.incidentsOpened === 20]);
  rows.push(['storm', 'pages (DMs)', String(r.pages), '20 (one per group)', calls, r.pages === 20]);
  rows.push(['storm', 'peak memory (RSS)', `${r.peakRssMb} MB`, '< 250 MB', '', r.peakRssMb < 250]);
}
if (want('tick')) {
  const r = await benchTick();
  results.tick = r;
  rows.push(['escalation tick', `${r.openIncidents} open, ${r.duePerTick} due: median`, `${fmt(r.medianTickMs)} ms`, '< 20 ms', `due query alone ${fmt(r.baselineQueryOnlyMs)} ms`, r.medianTickMs < 20]);
  rows.push(['escalation tick', 'p95', `${fmt(r.p95TickMs)} ms`, '', '', null]);
}
if (want('schedule')) {
  const r = await benchSchedule();
  results.schedule = r;
  rows.push(['schedule', `who is on call, ${r.rotations} rotations`, `${fmt(r.whoIsOnCallMs, 3)} ms`, '< 2 ms', `zone lookup alone ${fmt(r.baselineZoneLookupMs, 3)} ms`, r.whoIsOnCallMs < 2]);
  rows.push(['schedule', '  of which: reading rotations and adjustments / computing holders', `${fmt(r.readRotationsMs, 3)} / ${fmt(r.computeShiftsMs, 3)} ms`, '', '', null]);
  rows.push(['schedule', '90-day schedule, one daily rotation', `${fmt(r.ninetyDaysOneRotationMs, 3)} ms`, '', `luxon day steps ${fmt(r.baselineLuxon90DaysMs, 3)} ms`, null]);
  rows.push(['schedule', `90-day schedule, all ${r.rotations} rotations`, `${fmt(r.ninetyDaysAllRotationsMs, 1)} ms`, '', '', null]);
  rows.push(['schedule', `90-day final schedule, ${r.overridesInRange} overrides + time off`, `${fmt(r.finalNinetyDaysWithOverridesMs, 3)} ms`, '', `no overrides ${fmt(r.finalNinetyDaysNoOverridesMs, 3)} ms`, null]);
}

const header: Row = ['section', 'figure', 'measured', 'target', 'baseline / detail', null];
const table = [header, ...rows].map((r) => [r[0], r[1], r[2], r[3], r[5] === null ? '' : r[5] ? 'ok' : 'MISSED', r[4]]);
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ ...results, rows }, null, 2)}\n`);
console.log('\nwritten: bench/results/latest.json');
