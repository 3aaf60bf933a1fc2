import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairnessReport } from '../../src/domain/fairness.js';
import { nominalShiftMs, type Rotation } from '../../src/domain/rotation.js';
import { finalSchedule, type ScheduleAdjustments } from '../../src/domain/schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);

const weekly = (participants: string[], zone = 'Europe/Berlin'): Rotation => ({
  id: 'r', name: 'R', timeZone: zone, participants, shiftLength: 1, shiftUnit: 'weeks', handoffTime: '09:00', startDate: '2026-01-12',
});

function report(rotation: Rotation, from: number, to: number, now: number, zones: Record<string, string> = {}, adjustments?: ScheduleAdjustments) {
  return fairnessReport({
    segments: finalSchedule(rotation, from, to, adjustments),
    from,
    to,
    now,
    zoneOf: (u) => zones[u] ?? rotation.timeZone,
    nominalShiftMs: nominalShiftMs(rotation),
  });
}

describe('fairness', () => {
  // Six weeks from Monday 12 January 2026 09:00 Berlin, with no daylight-saving change.
  const from = t('2026-01-12T08:00:00Z');
  const to = from + 42 * DAY;

  it('counts hours, night hours and weekend hours per person, in their own zone', () => {
    const r = report(weekly(['A', 'B', 'C']), from, to, from + 21 * DAY);
    expect(r.people.map((p) => p.userId)).toEqual(['A', 'B', 'C']);
    for (const p of r.people) {
      expect(p.past.total + p.upcoming.total).toBe(2 * 168);
      expect(p.shareOfTotal).toBeCloseTo(1 / 3);
      // Each week held: one weekend of 48 hours, and 10 night hours a day.
      expect(p.past.weekend + p.upcoming.weekend).toBe(2 * 48);
      expect(p.past.night + p.upcoming.night).toBe(2 * 70);
    }
    // Three people each hold one week in three: more than one in four.
    expect(r.warnings.map((w) => [w.userId, w.kind])).toEqual([
      ['A', 'more_than_one_week_in_four'],
      ['B', 'more_than_one_week_in_four'],
      ['C', 'more_than_one_week_in_four'],
    ]);
    expect(report(weekly(['A', 'B', 'C', 'D']), from, to, from).warnings).toEqual([]);
    // The same week seen by someone in Kolkata: nights there are 17:30-03:30 in Berlin terms, still 10 hours.
    const kolkata = report(weekly(['A']), from, from + 7 * DAY, from, { A: 'Asia/Kolkata' });
    expect(kolkata.people[0]!.upcoming.night).toBe(70);
    expect(kolkata.people[0]!.upcoming.weekend).toBe(48);
    // But a UTC day shift 09:00-21:00 holds no Berlin-night hours and some Kolkata-night hours.
    const day: Rotation = { ...weekly(['A'], 'UTC'), shiftUnit: 'hours', shiftLength: 12, participants: ['A', 'B'], handoffTime: '09:00' };
    const berlin = report(day, t('2026-01-12T09:00:00Z'), t('2026-01-12T21:00:00Z'), 0, { A: 'Europe/Berlin' });
    const india = report(day, t('2026-01-12T09:00:00Z'), t('2026-01-12T21:00:00Z'), 0, { A: 'Asia/Kolkata' });
    expect(berlin.people[0]!.upcoming.night).toBe(0);
    expect(india.people[0]!.upcoming.night).toBe(4.5);
  });

  it('a daylight-saving week counts its real hours', () => {
    // 23-30 March 2026 in Berlin holds the spring change: the week is 167 hours.
    const r = report(weekly(['A', 'B']), t('2026-03-23T08:00:00Z'), t('2026-03-30T07:00:00Z'), 0);
    expect(r.people[0]!.upcoming.total).toBe(167);
  });

  it('warns when a rotation puts someone on call more than one week in four, or twice back to back', () => {
    const pair = report(weekly(['A', 'B']), from, to, from);
    expect(pair.warnings.filter((w) => w.kind === 'more_than_one_week_in_four').map((w) => w.userId).sort()).toEqual(['A', 'B']);

    // A takes C's week (the one after A's own): two weeks in a row.
    const takeover: ScheduleAdjustments = {
      overrides: [{ id: 1, seq: 1, rotationId: 'r', userId: 'A', role: 'primary', start: from + 7 * DAY, end: from + 14 * DAY }],
      timeOff: [],
    };
    const four = report(weekly(['A', 'B', 'C', 'D']), from, to, from, {}, takeover);
    const backToBack = four.warnings.filter((w) => w.kind === 'back_to_back');
    expect(backToBack).toMatchObject([{ userId: 'A', start: from, end: from + 14 * DAY }]);
    expect(backToBack[0]!.message).toContain('14.0 days in a row');
  });

  it('past and upcoming add up to every primary hour; shares add up to one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('days' as const, 'weeks' as const),
        fc.constantFrom('UTC', 'America/Chicago', 'Australia/Sydney', 'Asia/Kolkata'),
        fc.integer({ min: 0, max: 60 * 24 }),
        (participants, unit, zone, nowHours) => {
          const rotation = { ...weekly(participants, zone), shiftUnit: unit };
          const start = t('2026-02-02T00:00:00Z');
          const end = start + 60 * DAY;
          const segments = finalSchedule(rotation, start, end);
          const r = fairnessReport({ segments, from: start, to: end, now: start + nowHours * HOUR, zoneOf: () => 'Europe/Berlin', nominalShiftMs: nominalShiftMs(rotation) });
          for (const p of r.people) {
            const held = segments.filter((s) => s.primary?.userId === p.userId).reduce((sum, s) => sum + s.end - s.start, 0) / HOUR;
            expect(p.past.total + p.upcoming.total).toBeCloseTo(held, 9);
            expect(p.past.night).toBeLessThanOrEqual(p.past.total);
            expect(p.upcoming.weekend).toBeLessThanOrEqual(p.upcoming.total);
          }
          expect(r.people.reduce((sum, p) => sum + p.shareOfTotal, 0)).toBeCloseTo(1, 9);
        },
      ),
      { numRuns: 60 },
    );
  });
});
