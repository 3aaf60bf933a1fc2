import { DateTime } from 'luxon';
import { parseConfigText } from '../src/config/file.js';
import { openDatabase } from '../src/db/client.js';
import { ManualClock } from '../src/domain/clock.js';
import { shiftsBetween } from '../src/domain/rotation.js';
import { finalSchedule, onCallAt } from '../src/domain/schedule.js';
import { overrides, timeOff } from '../src/db/schema.js';
import { applyConfig } from '../src/services/admin/config-apply.js';
import { loadRotations } from '../src/services/directory.js';
import { loadAdjustments, OnCallService } from '../src/services/schedules/oncall.js';
import { percentile } from './lib/load.js';

const ZONES = [
  'America/Chicago',
  'Europe/Berlin',
  'Australia/Sydney',
  'America/St_Johns',
  'Asia/Kolkata',
  'UTC',
  'America/Los_Angeles',
  'Asia/Tokyo',
];

function workspace(rotations: number): string {
  const users = Array.from(
    { length: 20 },
    (_, i) => `  - { id: U0BENCH${String(i).padStart(4, '0')}, name: Person ${i}, time_zone: ${ZONES[i % ZONES.length]} }`,
  );
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
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

/** timeIt for work that reads the database: each run is awaited. */
async function timeItAsync(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, runs); i += 1) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

/** Who is on call now across `rotations` rotations, and a 90-day schedule, each beside a baseline. */
export async function benchSchedule(rotations = 200) {
  const db = openDatabase(':memory:');
  const clock = new ManualClock('2026-11-18T10:00:00Z');
  await applyConfig(db, parseConfigText(workspace(rotations), 'bench.yml'), { actor: 'bench', now: clock.now().getTime() });
  const oncall = new OnCallService(db, clock);
  const all = [...(await loadRotations(db)).values()];
  const now = clock.now().getTime();
  const ninetyDays = 90 * 86_400_000;
  const dailyBerlin = all.find((r) => r.shiftUnit === 'days' && r.timeZone === 'Europe/Berlin')!;
  // 50 overrides of 2-30 hours on one rotation over the 90 days, 10 on others, and 5 people's time off.
  const hour = 3_600_000;
  await db.query(async (q) => {
    for (let i = 0; i < 60; i += 1) {
      const start = now + ((i * 37) % 2100) * hour;
      await q.insert(overrides).values({
        rotationId: i < 50 ? dailyBerlin.id : all[i]!.id,
        userId: `U0BENCH${String(i % 20).padStart(4, '0')}`,
        role: 'primary',
        startAt: start,
        endAt: start + (2 + (i % 29)) * hour,
        kind: 'override',
        createdBy: 'bench',
        createdAt: now + i,
      });
    }
    for (let i = 0; i < 5; i += 1) {
      await q.insert(timeOff).values({
        userId: `U0BENCH${String(i * 3).padStart(4, '0')}`,
        startAt: now + i * 200 * hour,
        endAt: now + (i * 200 + 72) * hour,
        createdBy: 'bench',
        createdAt: now,
      });
    }
  });
  const whoMs = await timeItAsync(200, () => oncall.whoIsOnCall());
  const loadMs = await timeItAsync(200, () =>
    db.query(async (q) => {
      await loadRotations(db);
      await loadAdjustments(q, now, now + 1);
    }),
  );
  const adjustmentsNow = await db.query((q) => loadAdjustments(q, now, now + 1));
  const computeMs = timeIt(200, () => all.map((r) => onCallAt(r, now, adjustmentsNow)));
  const adjustments90 = await db.query((q) => loadAdjustments(q, now, now + ninetyDays));
  const finalMs = timeIt(200, () => finalSchedule(dailyBerlin, now, now + ninetyDays, adjustments90));
  const finalBareMs = timeIt(200, () => finalSchedule(dailyBerlin, now, now + ninetyDays));
  // Baseline: just reading the local wall-clock time in each rotation's zone.
  const baselineMs = timeIt(200, () => all.map((r) => DateTime.fromMillis(now, { zone: r.timeZone }).hour));
  const oneRotationMs = timeIt(200, () => shiftsBetween(dailyBerlin, now, now + ninetyDays));
  const allRotationsMs = timeIt(10, () => {
    for (const r of all) shiftsBetween(r, now, now + ninetyDays);
  });
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
    finalNinetyDaysWithOverridesMs: finalMs,
    finalNinetyDaysNoOverridesMs: finalBareMs,
    overridesInRange: adjustments90.overrides.filter((o) => o.rotationId === dailyBerlin.id).length,
    baselineLuxon90DaysMs: luxonDaysMs,
  };
}
