import { propertyRuns } from '../support/lanes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairnessReport, type FairnessReport } from '../../src/domain/fairness.js';
import { nominalShiftMs, type Rotation } from '../../src/domain/rotation.js';
import { finalSchedule, NO_ADJUSTMENTS, type Override, type ScheduleAdjustments } from '../../src/domain/schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);

const weekly = (participants: string[], zone = 'Europe/Berlin', extra: Partial<Rotation> = {}): Rotation => ({
  id: 'r',
  name: 'R',
  timeZone: zone,
  participants,
  shiftLength: 1,
  shiftUnit: 'weeks',
  handoffTime: '09:00',
  startDate: '2026-01-12',
  ...extra,
});

const daily = (participants: string[], zone = 'UTC', extra: Partial<Rotation> = {}): Rotation =>
  weekly(participants, zone, { shiftUnit: 'days', startDate: '2026-01-05', ...extra });

const override = (o: Partial<Override> & Pick<Override, 'userId' | 'start' | 'end'>): Override => ({
  id: o.seq ?? 1,
  rotationId: 'r',
  role: 'primary',
  seq: 1,
  ...o,
});

function report(
  rotation: Rotation,
  from: number,
  to: number,
  now: number,
  zones: Record<string, string> = {},
  adjustments: ScheduleAdjustments = NO_ADJUSTMENTS,
): FairnessReport {
  return fairnessReport({
    segments: finalSchedule(rotation, from, to, adjustments),
    from,
    to,
    now,
    zoneOf: (u) => zones[u] ?? rotation.timeZone,
    nominalShiftMs: nominalShiftMs(rotation),
  });
}

const person = (r: FairnessReport, userId: string) => {
  const p = r.people.find((x) => x.userId === userId);
  if (!p) throw new Error(`${userId} is not in the report`);
  return p;
};
const totalOf = (r: FairnessReport, userId: string) => {
  const p = person(r, userId);
  return { total: p.past.total + p.upcoming.total, night: p.past.night + p.upcoming.night, weekend: p.past.weekend + p.upcoming.weekend };
};
const kinds = (r: FairnessReport, kind: string) => r.warnings.filter((w) => w.kind === kind);

// Six weeks from Monday 12 January 2026 09:00 Berlin (08:00 UTC), with no daylight-saving change.
const from = t('2026-01-12T08:00:00Z');
const to = from + 42 * DAY;

describe('fairness: hours', () => {
  it('a weekly rotation of three over six weeks: two weeks each, a third each, 48 weekend hours and 10 night hours a day', () => {
    const r = report(weekly(['A', 'B', 'C']), from, to, from + 21 * DAY);
    expect(r.people.map((p) => p.userId)).toEqual(['A', 'B', 'C']);
    for (const p of r.people) {
      expect(totalOf(r, p.userId)).toEqual({ total: 2 * 168, night: 2 * 7 * 10, weekend: 2 * 48 });
      expect(p.shareOfTotal).toBeCloseTo(1 / 3, 12);
      // The first three weeks are past, the last three upcoming: one week each on either side.
      expect(p.past).toEqual({ total: 168, night: 70, weekend: 48 });
      expect(p.upcoming).toEqual({ total: 168, night: 70, weekend: 48 });
    }
  });

  it('splits a shift that straddles now; past and upcoming add up to the total', () => {
    // Thursday 15 January 21:00 Berlin, in the middle of A's first week (A holds weeks 1, 3 and 5).
    const now = t('2026-01-15T20:00:00Z');
    const r = report(weekly(['A', 'B']), from, to, now);
    const a = person(r, 'A');
    expect(a.past).toEqual({ total: 84, night: 30, weekend: 0 });
    expect(a.upcoming).toEqual({ total: 84 + 2 * 168, night: 40 + 2 * 70, weekend: 3 * 48 });
    expect(totalOf(r, 'A')).toEqual({ total: 3 * 168, night: 3 * 70, weekend: 3 * 48 });
    expect(person(r, 'B').past).toEqual({ total: 0, night: 0, weekend: 0 });

    // A `now` outside the range puts everything on one side.
    const before = person(report(weekly(['A', 'B']), from, to, from - DAY), 'A');
    const after = person(report(weekly(['A', 'B']), from, to, to + DAY), 'A');
    expect(before.past.total).toBe(0);
    expect(before.upcoming.total).toBe(3 * 168);
    expect(after.past.total).toBe(3 * 168);
    expect(after.upcoming.total).toBe(0);
  });

  it("reads night hours in the person's own zone, not the rotation's", () => {
    // A 12-hour UTC rotation: A holds 09:00-21:00 UTC on Monday 12 January.
    const day = daily(['A', 'B'], 'UTC', { shiftUnit: 'hours', shiftLength: 12, startDate: '2026-01-12' });
    const range = [t('2026-01-12T09:00:00Z'), t('2026-01-12T21:00:00Z')] as const;
    const nightOf = (zone: string) => person(report(day, range[0], range[1], 0, { A: zone }), 'A').upcoming;
    expect(nightOf('UTC')).toEqual({ total: 12, night: 0, weekend: 0 });
    expect(nightOf('Europe/Berlin').night).toBe(0); // 10:00-22:00 local
    expect(nightOf('Asia/Kolkata').night).toBe(4.5); // 14:30-02:30 local: 22:00-02:30
    expect(nightOf('America/Los_Angeles').night).toBe(7); // 01:00-13:00 local: 01:00-08:00

    // A whole week seen from Kolkata still has 70 night hours and one 48-hour weekend.
    const kolkata = person(report(weekly(['A']), from, from + 7 * DAY, from, { A: 'Asia/Kolkata' }), 'A');
    expect(kolkata.upcoming).toEqual({ total: 168, night: 70, weekend: 48 });
  });

  it("reads weekends in the person's own zone", () => {
    // Saturday 17 and Sunday 18 January 2026, UTC, held by one person.
    const range = [t('2026-01-17T00:00:00Z'), t('2026-01-19T00:00:00Z')] as const;
    const weekendOf = (zone: string) => person(report(daily(['A'], 'UTC'), range[0], range[1], 0, { A: zone }), 'A').upcoming.weekend;
    expect(weekendOf('UTC')).toBe(48);
    expect(weekendOf('Asia/Tokyo')).toBe(39); // the weekend there ends Sunday 15:00 UTC
    expect(weekendOf('America/New_York')).toBe(43); // and starts Saturday 05:00 UTC
  });

  it('a day with a daylight-saving change counts its real hours (23 in spring, 25 in autumn)', () => {
    // Daily Berlin rotation, one person per day: F holds Friday, S Saturday, U Sunday (from 09:00 local).
    const spring = report(
      daily(['F', 'S', 'U'], 'Europe/Berlin', { startDate: '2026-03-27' }),
      t('2026-03-27T08:00:00Z'),
      t('2026-03-30T07:00:00Z'),
      0,
    );
    expect(person(spring, 'F').upcoming).toEqual({ total: 24, night: 10, weekend: 9 });
    // Saturday 09:00 CET to Sunday 09:00 CEST; the night 22:00-08:00 loses the hour too.
    expect(person(spring, 'S').upcoming).toEqual({ total: 23, night: 9, weekend: 23 });
    expect(person(spring, 'U').upcoming).toEqual({ total: 24, night: 10, weekend: 15 });
    expect(spring.people.map((p) => p.userId)).toEqual(['F', 'U', 'S']);

    const autumn = report(
      daily(['F', 'S', 'U'], 'Europe/Berlin', { startDate: '2026-10-23' }),
      t('2026-10-23T07:00:00Z'),
      t('2026-10-26T08:00:00Z'),
      0,
    );
    expect(person(autumn, 'S').upcoming).toEqual({ total: 25, night: 11, weekend: 25 });
    expect(person(autumn, 'U').upcoming).toEqual({ total: 24, night: 10, weekend: 15 });

    // And the week holding the spring change is 167 hours.
    const week = report(weekly(['A', 'B']), t('2026-03-23T08:00:00Z'), t('2026-03-30T07:00:00Z'), 0);
    expect(totalOf(week, 'A')).toEqual({ total: 167, night: 69, weekend: 47 });
  });

  it('sorts people by total hours, then id; includes only people who held the primary role', () => {
    // Weeks go C, A, B, C, A, B; B takes C's second week: B 3 weeks, A 2, C 1.
    const adjustments: ScheduleAdjustments = {
      overrides: [override({ userId: 'B', start: from + 21 * DAY, end: from + 28 * DAY })],
      timeOff: [],
    };
    const r = report(weekly(['C', 'A', 'B']), from, to, from, {}, adjustments);
    expect(r.people.map((p) => [p.userId, p.upcoming.total])).toEqual([
      ['B', 3 * 168],
      ['A', 2 * 168],
      ['C', 168],
    ]);
    expect(r.people.reduce((s, p) => s + p.shareOfTotal, 0)).toBeCloseTo(1, 12);

    expect(fairnessReport({ segments: [], from, to, now: from, zoneOf: () => 'UTC', nominalShiftMs: DAY })).toEqual({
      people: [],
      warnings: [],
      tooFewPeople: null,
    });
    // Gaps count for nobody, and shares are of the hours someone held.
    const withGap = report(
      weekly(['A', 'B']),
      from,
      to,
      from,
      {},
      {
        overrides: [],
        timeOff: [
          { id: 1, userId: 'A', start: from, end: from + DAY },
          { id: 2, userId: 'B', start: from, end: from + DAY },
        ],
      },
    );
    expect(totalOf(withGap, 'A').total).toBe(3 * 168 - 24);
    expect(withGap.people.reduce((s, p) => s + p.shareOfTotal, 0)).toBeCloseTo(1, 12);
  });

  it('an invalid zone reads as UTC', () => {
    const r = report(daily(['A'], 'UTC'), t('2026-01-17T00:00:00Z'), t('2026-01-19T00:00:00Z'), 0, { A: 'Not/AZone' });
    expect(person(r, 'A').upcoming).toEqual({ total: 48, night: 20, weekend: 48 });
  });
});

describe('fairness: warnings', () => {
  it('warns when a rotation puts people on call more than one week in four', () => {
    const three = report(weekly(['A', 'B', 'C']), from, to, from);
    expect(three.warnings.map((w) => [w.userId, w.kind, new Date(w.start).toISOString(), new Date(w.end).toISOString()])).toEqual([
      ['A', 'more_than_one_week_in_four', '2026-01-13T00:00:00.000Z', '2026-02-10T00:00:00.000Z'],
      ['B', 'more_than_one_week_in_four', '2026-01-13T00:00:00.000Z', '2026-02-10T00:00:00.000Z'],
      ['C', 'more_than_one_week_in_four', '2026-01-20T00:00:00.000Z', '2026-02-17T00:00:00.000Z'],
    ]);
    // A holds 13 January 00:00 UTC to 19 January 08:00, then 2 to 9 February: 13.3 days.
    expect(three.warnings[0]!.message).toBe('<@A> is on call 13.3 days in the 4 weeks from 2026-01-13 (more than one week in four)');

    const pair = report(weekly(['A', 'B']), from, to, from);
    expect(kinds(pair, 'more_than_one_week_in_four').map((w) => w.userId)).toEqual(['A', 'B']);
    expect(kinds(pair, 'back_to_back')).toEqual([]);

    // Four people hold exactly one week in every four weeks: nothing to say.
    expect(report(weekly(['A', 'B', 'C', 'D']), from, to, from).warnings).toEqual([]);
  });

  it('a rotation of fewer than four people is flagged once; per person, only load beyond their turns is', () => {
    const withTurns = (rotation: Rotation, adjustments: ScheduleAdjustments = NO_ADJUSTMENTS) =>
      fairnessReport({
        segments: finalSchedule(rotation, from, to, adjustments),
        from,
        to,
        now: from,
        zoneOf: () => 'UTC',
        nominalShiftMs: nominalShiftMs(rotation),
        turnTakers: rotation.participants.length,
      });
    const three = withTurns(weekly(['A', 'B', 'C']));
    expect(three.tooFewPeople).toEqual({ people: 3, nominalShiftMs: 7 * DAY });
    expect(three.warnings).toEqual([]);
    expect(withTurns(weekly(['A', 'B'])).tooFewPeople).toEqual({ people: 2, nominalShiftMs: 7 * DAY });
    expect(withTurns(weekly(['A', 'B'])).warnings).toEqual([]);
    const days = withTurns(daily(['A', 'B', 'C']));
    expect([days.tooFewPeople, days.warnings]).toEqual([{ people: 3, nominalShiftMs: DAY }, []]);

    // A takes B's week on top of his own turns: more than the turns give anyone.
    const taken = withTurns(weekly(['A', 'B', 'C']), {
      overrides: [override({ userId: 'A', start: from + 7 * DAY, end: from + 14 * DAY })],
      timeOff: [],
    });
    expect(kinds(taken, 'more_than_their_turns').map((w) => [w.userId, w.message])).toEqual([
      ['A', '<@A> is on call 20.3 days in the 4 weeks from 2026-01-13 (more than their turns)'],
    ]);
    expect(kinds(taken, 'more_than_one_week_in_four')).toEqual([]);

    // Four people keep everyone to one week in four: nothing to say about the rotation.
    expect(withTurns(weekly(['A', 'B', 'C', 'D'])).tooFewPeople).toBeNull();
    // Without turn takers (a layered rotation), each person is judged against one week in four, as before.
    expect(report(weekly(['A', 'B', 'C']), from, to, from).tooFewPeople).toBeNull();
  });

  it('tolerates an hour of daylight saving in a four-week window', () => {
    // Four people over the spring change: a 4-week window holds 671 hours, someone holds 168 of them.
    const r = report(
      weekly(['A', 'B', 'C', 'D'], 'Europe/Berlin', { startDate: '2026-03-02' }),
      t('2026-03-02T08:00:00Z'),
      t('2026-04-27T07:00:00Z'),
      0,
    );
    expect(r.warnings).toEqual([]);
    // The same with a range of exactly those four weeks, judged as a whole.
    const whole = report(
      weekly(['A', 'B', 'C', 'D'], 'Europe/Berlin', { startDate: '2026-03-16' }),
      t('2026-03-16T08:00:00Z'),
      t('2026-04-13T07:00:00Z'),
      0,
    );
    expect(whole.warnings).toEqual([]);
  });

  it('judges a range too short for a 4-week window as a whole, against a quarter of it', () => {
    // Two weeks of a 4-person rotation: A and B each hold half of it.
    const short = report(weekly(['A', 'B', 'C', 'D']), from, from + 14 * DAY, from);
    expect(short.warnings.map((w) => [w.userId, w.kind, w.start, w.end])).toEqual([
      ['A', 'more_than_one_week_in_four', from, from + 14 * DAY],
      ['B', 'more_than_one_week_in_four', from, from + 14 * DAY],
    ]);
    expect(short.warnings[0]!.message).toBe('<@A> is on call 7.0 days in the 14.0 days from 2026-01-12 (more than one week in four)');

    // Exactly 28 days not starting at a UTC midnight (as `/oncall fairness 2` asks): no UTC-midnight
    // window fits, so the whole range is judged.
    const three = report(weekly(['A', 'B', 'C']), from, from + 28 * DAY, from);
    expect(kinds(three, 'more_than_one_week_in_four').map((w) => [w.userId, w.start, w.end])).toEqual([['A', from, from + 28 * DAY]]);
    expect(report(weekly(['A', 'B', 'C', 'D']), from, from + 28 * DAY, from).warnings).toEqual([]);
  });

  it('warns about back-to-back shifts, whatever made the person hold them', () => {
    // A takes B's week, the one after A's own: two weeks in a row.
    const takeover: ScheduleAdjustments = {
      overrides: [override({ userId: 'A', start: from + 7 * DAY, end: from + 14 * DAY })],
      timeOff: [],
    };
    const r = report(weekly(['A', 'B', 'C', 'D']), from, to, from, {}, takeover);
    const backToBack = kinds(r, 'back_to_back');
    expect(backToBack).toEqual([
      {
        userId: 'A',
        kind: 'back_to_back',
        start: from,
        end: from + 14 * DAY,
        message: '<@A> is on call for 14.0 days in a row, from 2026-01-12 to 2026-01-26 (back to back shifts)',
      },
    ]);
    // A now also holds three of the six weeks.
    expect(kinds(r, 'more_than_one_week_in_four').map((w) => w.userId)).toEqual(['A']);

    // A time-off cover just before the cover's own shift is back to back too. Days from 12 January
    // go B, C, A, B, C; B is away on the 15th, C covers it and then holds the 16th.
    const cover = report(
      daily(['A', 'B', 'C']),
      t('2026-01-12T09:00:00Z'),
      t('2026-01-19T09:00:00Z'),
      0,
      {},
      {
        overrides: [],
        timeOff: [{ id: 1, userId: 'B', start: t('2026-01-15T09:00:00Z'), end: t('2026-01-16T09:00:00Z') }],
      },
    );
    expect(kinds(cover, 'back_to_back').map((w) => [w.userId, w.start, w.end, w.message])).toEqual([
      [
        'C',
        t('2026-01-15T09:00:00Z'),
        t('2026-01-17T09:00:00Z'),
        '<@C> is on call for 2.0 days in a row, from 2026-01-15 to 2026-01-17 (back to back shifts)',
      ],
    ]);

    // Hour rotations report hours.
    const hours = daily(['A', 'B'], 'UTC', { shiftUnit: 'hours', shiftLength: 12, startDate: '2026-01-12' });
    const twice = report(
      hours,
      t('2026-01-12T09:00:00Z'),
      t('2026-01-14T09:00:00Z'),
      0,
      {},
      {
        overrides: [override({ userId: 'A', start: t('2026-01-12T21:00:00Z'), end: t('2026-01-13T09:00:00Z') })],
        timeOff: [],
      },
    );
    expect(kinds(twice, 'back_to_back').map((w) => w.message)).toEqual([
      '<@A> is on call for 36.0 hours in a row, from 2026-01-12 to 2026-01-13 (back to back shifts)',
    ]);
    // A plain rotation never warns about back-to-back shifts.
    expect(kinds(report(weekly(['A', 'B']), from, to, from), 'back_to_back')).toEqual([]);
  });
});

describe('fairness: scale', () => {
  it('handles 12 weeks of hourly shifts quickly', () => {
    const hourly = daily(['A', 'B', 'C'], 'Europe/Berlin', { shiftUnit: 'hours', shiftLength: 1, startDate: '2026-01-05' });
    const start = t('2026-01-05T08:00:00Z'); // the first shift, 09:00 in Berlin
    const end = start + 84 * DAY;
    const segments = finalSchedule(hourly, start, end);
    expect(segments.length).toBeGreaterThan(2000);
    const input = {
      segments,
      from: start,
      to: end,
      now: start + 42 * DAY,
      zoneOf: (u: string) => ({ A: 'Asia/Kolkata', B: 'America/Chicago', C: 'Europe/Berlin' })[u] ?? 'UTC',
      nominalShiftMs: HOUR,
    };
    fairnessReport(input); // warm the zone caches
    const began = performance.now();
    const r = fairnessReport(input);
    const took = performance.now() - began;
    // Every hour is held, across the spring change of 29 March (whose missing 02:00 shift lasts no time).
    expect(r.people.reduce((s, p) => s + p.past.total + p.upcoming.total, 0)).toBe(84 * 24);
    expect(r.people.every((p) => Math.abs(p.shareOfTotal - 1 / 3) < 0.01)).toBe(true);
    // A third of the time each is more than a week in four; no hour is held twice in a row.
    expect(r.warnings.map((w) => [w.userId, w.kind])).toEqual([
      ['A', 'more_than_one_week_in_four'],
      ['B', 'more_than_one_week_in_four'],
      ['C', 'more_than_one_week_in_four'],
    ]);
    // Generous, so a busy machine does not fail it; typically a few milliseconds.
    expect(took).toBeLessThan(250);
  });
});

describe('fairness: properties', () => {
  const ZONES = ['UTC', 'Europe/Berlin', 'America/Chicago', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham'] as const;

  it('past + upcoming is every primary hour; night and weekend are parts of it; shares add up to one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(
          { shiftUnit: 'days' as const, shiftLength: 1 },
          { shiftUnit: 'days' as const, shiftLength: 3 },
          { shiftUnit: 'weeks' as const, shiftLength: 1 },
          { shiftUnit: 'weeks' as const, shiftLength: 2 },
          { shiftUnit: 'hours' as const, shiftLength: 12 },
        ),
        fc.constantFrom(...ZONES),
        fc.record({
          A: fc.constantFrom(...ZONES),
          B: fc.constantFrom(...ZONES),
          C: fc.constantFrom(...ZONES),
          D: fc.constantFrom(...ZONES),
        }),
        fc.integer({ min: 0, max: 300 * 24 }), // range start, hours after 1 January 2026
        fc.integer({ min: 1, max: 60 * 24 }), // range length in hours
        fc.double({ min: -0.2, max: 1.2, noNaN: true }), // now, as a fraction of the range
        fc.option(
          fc.record({
            who: fc.constantFrom('A', 'B', 'C', 'D'),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            hours: fc.integer({ min: 1, max: 24 * 10 }),
          }),
        ),
        (participants, shape, zone, zones, startHours, lengthHours, nowAt, extra) => {
          const rotation = weekly(participants, zone, { ...shape, startDate: '2026-01-01' });
          const start = t('2026-01-01T00:00:00Z') + startHours * HOUR;
          const end = start + lengthHours * HOUR;
          const adjustments: ScheduleAdjustments = extra
            ? {
                overrides: [
                  override({
                    userId: extra.who,
                    start: start + Math.floor(extra.at * (end - start)),
                    end: start + Math.floor(extra.at * (end - start)) + extra.hours * HOUR,
                  }),
                ],
                timeOff: [],
              }
            : NO_ADJUSTMENTS;
          const segments = finalSchedule(rotation, start, end, adjustments);
          const now = start + Math.round(nowAt * (end - start));
          const r = fairnessReport({
            segments,
            from: start,
            to: end,
            now,
            zoneOf: (u) => zones[u as keyof typeof zones],
            nominalShiftMs: nominalShiftMs(rotation),
          });

          const held = new Map<string, number>();
          for (const s of segments) if (s.primary) held.set(s.primary.userId, (held.get(s.primary.userId) ?? 0) + (s.end - s.start) / HOUR);
          expect(r.people.map((p) => p.userId).sort()).toEqual([...held.keys()].sort());
          for (const p of r.people) {
            expect(Math.abs(p.past.total + p.upcoming.total - held.get(p.userId)!)).toBeLessThan(1e-9);
            for (const part of [p.past, p.upcoming]) {
              expect(part.night).toBeGreaterThanOrEqual(0);
              expect(part.weekend).toBeGreaterThanOrEqual(0);
              expect(part.night).toBeLessThanOrEqual(part.total);
              expect(part.weekend).toBeLessThanOrEqual(part.total);
            }
            if (now <= start) expect(p.past.total).toBe(0);
            if (now >= end) expect(p.upcoming.total).toBe(0);
          }
          for (let i = 1; i < r.people.length; i += 1) {
            const [a, b] = [r.people[i - 1]!, r.people[i]!];
            const [ta, tb] = [a.past.total + a.upcoming.total, b.past.total + b.upcoming.total];
            expect(ta > tb + 1e-9 || (Math.abs(ta - tb) < 1e-9 && a.userId < b.userId)).toBe(true);
          }
          if (r.people.length > 0) expect(Math.abs(r.people.reduce((s, p) => s + p.shareOfTotal, 0) - 1)).toBeLessThan(1e-9);
          for (const w of r.warnings) {
            expect(w.message).toContain(`<@${w.userId}>`);
            expect(w.start).toBeGreaterThanOrEqual(start);
            expect(w.end).toBeLessThanOrEqual(end);
          }
        },
      ),
      { numRuns: propertyRuns(150) },
    );
  });
});
