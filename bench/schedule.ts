import { DateTime } from 'luxon';
import { parseConfigText } from '../src/config/file.js';
import { openDatabase } from '../src/db/client.js';
import { ManualClock } from '../src/domain/clock.js';
import { shiftAt, shiftsBetween } from '../src/domain/rotation.js';
import { applyConfig } from '../src/services/config-apply.js';
import { loadRotations } from '../src/services/directory.js';
import { OnCallService } from '../src/services/oncall.js';
import { percentile } from './lib/load.js';

const ZONES = ['America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'America/St_Johns', 'Asia/Kolkata', 'UTC', 'America/Los_Angeles', 'Asia/Tokyo'];

function workspace(rotations: number): string {
  const users = Array.from({ length: 20 }, (_, i) => `  - { id: U0BENCH${String(i).padStart(4, '0')}, name: Person ${i}, time_zone: ${ZONES[i % ZONES.length]} }`);
  const rots = Array.from({ length: rotations }, (_, i) => {
    const members = [0, 1, 2, 3].map((k) => `U0BENCH${String((i + k) % 20).padStart(4, '0')}`).join(', ');
    return `  - { id: rot-${i}, name: Rotation ${i}, team: t, time_zone: ${ZONES[i % ZONES.length]}, shift: ${['1d', '1w', '12h'][i % 3]}, handoff_time: "09:00", start_date: "2026-01-05", participants: [${members}] }`;
  });
  return `users:\n${users.join('\n')}\nteams:\n  - { id: t, name: T, slack_channel: C0BENCH0001 }\nrotations:\n${rots.join('\n')}\n`;
}

function timeIt(runs: number, fn: () => void): number {
  for (let i = 0; i < Math.min(20, runs); i += 1) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

/** Who is on call now across `rotations` rotations, and a 90-day schedule, each beside a baseline. */
export async function benchSchedule(rotations = 200) {
  const db = openDatabase(':memory:');
  const clock = new ManualClock('2026-11-18T10:00:00Z');
  applyConfig(db, parseConfigText(workspace(rotations), 'bench.yml'), { actor: 'bench', now: clock.now().getTime() });
  const oncall = new OnCallService(db, clock);
  const all = [...loadRotations(db).values()];
  const now = clock.now().getTime();
  const whoMs = timeIt(200, () => oncall.whoIsOnCall());
  const loadMs = timeIt(200, () => loadRotations(db));
  const computeMs = timeIt(200, () => all.map((r) => shiftAt(r, now)));
  // Baseline: just reading the local wall-clock time in each rotation's zone.
  const baselineMs = timeIt(200, () => all.map((r) => DateTime.fromMillis(now, { zone: r.timeZone }).hour));
  const dailyBerlin = all.find((r) => r.shiftUnit === 'days' && r.timeZone === 'Europe/Berlin')!;
  const ninetyDays = 90 * 86_400_000;
  const oneRotationMs = timeIt(200, () => shiftsBetween(dailyBerlin, now, now + ninetyDays));
  const allRotationsMs = timeIt(10, () => all.forEach((r) => shiftsBetween(r, now, now + ninetyDays)));
  // Baseline: stepping luxon day by day for 90 days, the naive way to find the same handoffs.
  const luxonDaysMs = timeIt(200, () => {
    let d = DateTime.fromMillis(now, { zone: 'Europe/Berlin' }).set({ hour: 9, minute: 0 });
    for (let i = 0; i < 90; i += 1) d = d.plus({ days: 1 });
  });
  return {
    rotations,
    whoIsOnCallMs: whoMs,
    readRotationsMs: loadMs,
    computeShiftsMs: computeMs,
    baselineZoneLookupMs: baselineMs,
    ninetyDaysOneRotationMs: oneRotationMs,
    ninetyDaysAllRotationsMs: allRotationsMs,
    baselineLuxon90DaysMs: luxonDaysMs,
  };
}
