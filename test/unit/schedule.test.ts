import { propertyRuns } from '../support/lanes.js';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Layer, Rotation } from '../../src/domain/rotation.js';
import {
  coverageGaps,
  finalSchedule,
  layerActiveAt,
  layersOf,
  onCallAt,
  pagerStretches,
  timeOffCoverage,
  type Override,
  type ScheduleAdjustments,
  type TimeOff,
} from '../../src/domain/schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);

const daily = (participants: string[], zone = 'UTC', extra: Partial<Rotation> = {}): Rotation => ({
  id: 'r',
  name: 'R',
  timeZone: zone,
  participants,
  shiftLength: 1,
  shiftUnit: 'days',
  handoffTime: '09:00',
  startDate: '2026-01-05',
  ...extra,
});

const override = (o: Partial<Override> & Pick<Override, 'userId' | 'start' | 'end'>): Override => ({
  id: o.seq ?? 1,
  rotationId: 'r',
  role: 'primary',
  seq: 1,
  ...o,
});

describe('final schedule', () => {
  it('a higher layer wins wherever it has someone; restrictions mask it', () => {
    // Weekday business hours in Berlin go to the day team, everything else to the base rotation.
    const r = daily(['A', 'B'], 'UTC', {
      layers: [
        {
          timeZone: 'Europe/Berlin',
          participants: ['D'],
          shiftLength: 1,
          shiftUnit: 'weeks',
          handoffTime: '00:00',
          startDate: '2026-01-05',
          restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
        },
      ],
    });
    // Monday 12 January 2026, Berlin is UTC+1.
    expect(onCallAt(r, t('2026-01-12T08:00:00Z')).primary?.userId).toBe('D');
    expect(onCallAt(r, t('2026-01-12T08:00:00Z')).layer).toBe(1);
    expect(onCallAt(r, t('2026-01-12T16:00:00Z')).primary?.userId).toBe('B');
    expect(onCallAt(r, t('2026-01-12T16:00:00Z')).layer).toBe(0);
    // Saturday: no restriction window, so the base layer.
    expect(onCallAt(r, t('2026-01-17T10:00:00Z')).layer).toBe(0);
    const day = finalSchedule(r, t('2026-01-12T00:00:00Z'), t('2026-01-13T00:00:00Z'));
    expect(day.map((s) => [new Date(s.start).toISOString().slice(11, 16), s.primary?.userId])).toEqual([
      ['00:00', 'A'],
      ['08:00', 'D'],
      ['16:00', 'B'],
    ]);
  });

  it('a restriction that ends before it starts runs past midnight', () => {
    const nights: Layer = {
      timeZone: 'UTC',
      participants: ['N'],
      shiftLength: 1,
      shiftUnit: 'weeks',
      handoffTime: '00:00',
      startDate: '2026-01-05',
      restrictions: [{ days: [1], start: '22:00', end: '06:00' }],
    };
    expect(layerActiveAt(nights, t('2026-01-12T23:00:00Z'))).toBe(true);
    expect(layerActiveAt(nights, t('2026-01-13T05:59:00Z'))).toBe(true);
    expect(layerActiveAt(nights, t('2026-01-13T06:00:00Z'))).toBe(false);
    expect(layerActiveAt(nights, t('2026-01-13T23:00:00Z'))).toBe(false);
  });

  it('the newest override wins, exactly over its window; the replaced person backs the taker up', () => {
    const r = daily(['A', 'B', 'C']);
    const adjustments: ScheduleAdjustments = {
      overrides: [
        override({ id: 1, seq: 1, userId: 'X', start: t('2026-01-05T12:00:00Z'), end: t('2026-01-05T18:00:00Z') }),
        override({ id: 2, seq: 2, userId: 'B', start: t('2026-01-05T14:00:00Z'), end: t('2026-01-05T15:00:00Z') }),
      ],
      timeOff: [],
    };
    const at = (iso: string) => onCallAt(r, t(iso), adjustments);
    expect(at('2026-01-05T11:59:59Z').primary?.userId).toBe('A');
    expect(at('2026-01-05T12:00:00Z').primary).toMatchObject({ userId: 'X', via: 'override', standsInFor: 'A', overrideId: 1 });
    expect(at('2026-01-05T14:30:00Z').primary).toMatchObject({ userId: 'B', overrideId: 2 });
    // B was the secondary; now that B holds the pager, A (whom B replaced) is the backup.
    expect(at('2026-01-05T14:30:00Z').secondary?.userId).toBe('A');
    expect(at('2026-01-05T17:59:59Z').primary?.userId).toBe('X');
    expect(at('2026-01-05T18:00:00Z').primary?.userId).toBe('A');
  });

  it('time off passes the shift to the next available participant, and says who covers what', () => {
    const r = daily(['A', 'B', 'C']);
    const away: TimeOff = { id: 1, userId: 'A', start: t('2026-01-05T00:00:00Z'), end: t('2026-01-07T00:00:00Z') };
    const adjustments = { overrides: [], timeOff: [away] };
    // 5 Jan 09:00 is A's shift (B backs up): B takes the pager, C backs up.
    expect(onCallAt(r, t('2026-01-05T10:00:00Z'), adjustments).primary).toMatchObject({
      userId: 'B',
      via: 'time_off_cover',
      standsInFor: 'A',
    });
    expect(onCallAt(r, t('2026-01-05T10:00:00Z'), adjustments).secondary?.userId).toBe('C');
    // 6 Jan is B's shift with C as backup; A was not involved as... 7 Jan is C's shift with A as secondary.
    expect(timeOffCoverage(r, away).map((c) => [new Date(c.start).toISOString(), c.role, c.coveredBy])).toEqual([
      ['2026-01-05T09:00:00.000Z', 'primary', 'B'],
    ]);
    const longer: TimeOff = { ...away, end: t('2026-01-08T12:00:00Z') };
    expect(timeOffCoverage(r, longer).map((c) => [new Date(c.start).toISOString(), c.role, c.coveredBy])).toEqual([
      ['2026-01-05T09:00:00.000Z', 'primary', 'B'],
      ['2026-01-07T09:00:00.000Z', 'secondary', 'B'],
      ['2026-01-08T09:00:00.000Z', 'primary', 'B'],
    ]);
  });

  it('when everyone is away the stretch is a gap, and the engine names who it could not cover', () => {
    const r = daily(['A', 'B']);
    const adjustments = {
      overrides: [],
      timeOff: [
        { id: 1, userId: 'A', start: t('2026-01-05T10:00:00Z'), end: t('2026-01-05T12:00:00Z') },
        { id: 2, userId: 'B', start: t('2026-01-05T11:00:00Z'), end: t('2026-01-05T13:00:00Z') },
      ],
    };
    const segments = finalSchedule(r, t('2026-01-05T09:00:00Z'), t('2026-01-05T14:00:00Z'), adjustments);
    expect(coverageGaps(segments)).toEqual([{ start: t('2026-01-05T11:00:00Z'), end: t('2026-01-05T12:00:00Z') }]);
    expect(segments.find((s) => s.primary === null)!.uncovered).toEqual([
      { role: 'primary', userId: 'A' },
      { role: 'secondary', userId: 'B' },
    ]);
  });

  it('pager stretches merge what changes under the same holder: a layer, the secondary, an override of oneself', () => {
    // The same people in a weekly base and a business-hours layer: the layer changes twice a day, the holder weekly.
    const week = { participants: ['A', 'B'], shiftLength: 1, shiftUnit: 'weeks' as const, handoffTime: '09:00', startDate: '2026-01-05' };
    const r = daily(['A', 'B'], 'Europe/Berlin', {
      ...week,
      layers: [{ ...week, timeZone: 'Europe/Berlin', restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }] }],
    });
    const from = t('2026-01-05T08:00:00Z'); // Monday 09:00 Berlin, A's week
    const segments = finalSchedule(r, from, from + 14 * DAY, {
      overrides: [override({ userId: 'A', start: t('2026-01-07T12:00:00Z'), end: t('2026-01-07T13:00:00Z') })],
      // B, A's backup, is away for a day.
      timeOff: [{ id: 1, userId: 'B', start: t('2026-01-08T00:00:00Z'), end: t('2026-01-09T00:00:00Z') }],
    });
    expect(segments.length).toBeGreaterThan(10);
    expect(pagerStretches(segments)).toEqual([
      { start: from, end: from + 7 * DAY, userId: 'A' },
      { start: from + 7 * DAY, end: from + 14 * DAY, userId: 'B' },
    ]);
    // A gap is a stretch of its own, held by nobody.
    const gap = finalSchedule(daily(['A']), t('2026-01-05T09:00:00Z'), t('2026-01-06T09:00:00Z'), {
      overrides: [],
      timeOff: [{ id: 1, userId: 'A', start: t('2026-01-05T12:00:00Z'), end: t('2026-01-05T13:00:00Z') }],
    });
    expect(pagerStretches(gap).map((s) => s.userId)).toEqual(['A', null, 'A']);
    expect(pagerStretches([])).toEqual([]);
  });
});

// --- properties ---------------------------------------------------------------------------------------

const ZONES = [
  'UTC',
  'America/Chicago',
  'Europe/Berlin',
  'Australia/Sydney',
  'America/St_Johns',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Europe/London',
];
const PEOPLE = ['A', 'B', 'C', 'D', 'E', 'F'];
const FROM = t('2026-02-20T00:00:00Z');
const TO = FROM + 60 * DAY; // spans the spring changes in the north and the autumn change in the south

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const layerArb: fc.Arbitrary<Layer> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    participants: fc.uniqueArray(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
    shiftLength: fc.integer({ min: 1, max: 3 }),
    shiftUnit: fc.constantFrom('hours' as const, 'days' as const, 'weeks' as const),
    handoffTime: hhmm,
    startDate: fc.integer({ min: 0, max: 40 }).map((d) => new Date(t('2026-01-01T00:00:00Z') + d * DAY).toISOString().slice(0, 10)),
    restrictions: fc.option(
      fc.array(
        fc.record({ days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }), start: hhmm, end: hhmm }),
        {
          minLength: 1,
          maxLength: 2,
        },
      ),
      { nil: null },
    ),
  })
  .map((l) => (l.shiftUnit === 'hours' ? { ...l, shiftLength: l.shiftLength * 6 } : l));

const window = fc.tuple(fc.integer({ min: -2 * 24, max: 62 * 24 }), fc.integer({ min: 1, max: 72 })).map(([startH, lenH]) => ({
  start: FROM + startH * HOUR + 30 * 60_000,
  end: FROM + (startH + lenH) * HOUR + 30 * 60_000,
}));

const caseArb = fc
  .record({
    base: layerArb,
    upper: fc.array(layerArb, { maxLength: 2 }),
    overrides: fc.array(
      fc.record({ w: window, userId: fc.constantFrom(...PEOPLE, 'X'), role: fc.constantFrom('primary' as const, 'secondary' as const) }),
      { maxLength: 5 },
    ),
    timeOff: fc.array(fc.record({ w: window, userId: fc.constantFrom(...PEOPLE, 'X') }), { maxLength: 4 }),
  })
  .map(({ base, upper, overrides, timeOff }) => {
    const rotation: Rotation = { ...base, id: 'r', name: 'R', layers: upper };
    const adjustments: ScheduleAdjustments = {
      overrides: overrides.map((o, i) => ({ id: i + 1, seq: i + 1, rotationId: 'r', userId: o.userId, role: o.role, ...o.w })),
      timeOff: timeOff.map((x, i) => ({ id: i + 1, userId: x.userId, ...x.w })),
    };
    return { rotation, adjustments };
  });

const away = (a: ScheduleAdjustments, userId: string, at: number) =>
  a.timeOff.some((x) => x.userId === userId && x.start <= at && at < x.end);

describe('final schedule properties', () => {
  it('segments tile the range; each is constant; holders are distinct, eligible and present, or it is a gap', () => {
    fc.assert(
      fc.property(caseArb, ({ rotation, adjustments }) => {
        const segments = finalSchedule(rotation, FROM, TO, adjustments);
        expect(segments[0]!.start).toBe(FROM);
        expect(segments.at(-1)!.end).toBe(TO);
        const participants = new Set(layersOf(rotation).flatMap((l) => l.participants));
        const overriders = new Set(adjustments.overrides.map((o) => o.userId));
        for (const [i, s] of segments.entries()) {
          expect(s.end).toBeGreaterThan(s.start);
          if (i > 0) expect(s.start).toBe(segments[i - 1]!.end);
          for (const probe of [s.start, Math.floor((s.start + s.end) / 2), s.end - 1]) {
            const here = onCallAt(rotation, probe, adjustments);
            expect(here.primary?.userId ?? null).toBe(s.primary?.userId ?? null);
            expect(here.secondary?.userId ?? null).toBe(s.secondary?.userId ?? null);
          }
          if (s.primary && s.secondary) expect(s.primary.userId).not.toBe(s.secondary.userId);
          for (const h of [s.primary, s.secondary]) {
            if (!h) continue;
            expect(participants.has(h.userId) || overriders.has(h.userId)).toBe(true);
            expect(away(adjustments, h.userId, s.start)).toBe(false);
          }
          if (!s.primary) {
            const anyLayer = layersOf(rotation).some((l) => onCallAt({ ...rotation, ...l, layers: [] }, s.start).primary);
            const anyOverride = adjustments.overrides.some((o) => o.role === 'primary' && o.start <= s.start && s.start < o.end);
            // A gap is either a stretch no layer or override covers, or one where everyone who could was away.
            expect(!anyLayer && !anyOverride ? true : s.uncovered.length > 0).toBe(true);
          }
        }
      }),
      { numRuns: propertyRuns(150) },
    );
  });

  it('pager stretches tile the range, change hands at every boundary, and agree with the schedule at each instant', () => {
    fc.assert(
      fc.property(caseArb, ({ rotation, adjustments }) => {
        const segments = finalSchedule(rotation, FROM, TO, adjustments);
        const stretches = pagerStretches(segments);
        expect(stretches[0]!.start).toBe(FROM);
        expect(stretches.at(-1)!.end).toBe(TO);
        for (const [i, s] of stretches.entries()) {
          if (i > 0) {
            expect(s.start).toBe(stretches[i - 1]!.end);
            expect(s.userId).not.toBe(stretches[i - 1]!.userId);
          }
          for (const probe of [s.start, Math.floor((s.start + s.end) / 2), s.end - 1]) {
            expect(onCallAt(rotation, probe, adjustments).primary?.userId ?? null).toBe(s.userId);
          }
        }
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it('override windows are exact', () => {
    fc.assert(
      fc.property(caseArb, ({ rotation, adjustments }) => {
        for (const o of adjustments.overrides) {
          const newer = adjustments.overrides.filter((n) => n.role === o.role && n.seq > o.seq);
          for (const probe of [o.start, o.end - 1, Math.floor((o.start + o.end) / 2)]) {
            if (newer.some((n) => n.start <= probe && probe < n.end) || away(adjustments, o.userId, probe)) continue;
            const here = onCallAt(rotation, probe, adjustments);
            const primaryTaker = adjustments.overrides
              .filter((p) => p.role === 'primary' && p.start <= probe && probe < p.end)
              .sort((a, b) => b.seq - a.seq)[0];
            // A secondary override naming whoever holds the primary role at that moment is void: one person, one role.
            if (o.role === 'secondary' && (primaryTaker?.userId === o.userId || here.primary?.userId === o.userId)) continue;
            expect(here[o.role]?.userId).toBe(o.userId);
          }
          const after = onCallAt(rotation, o.end, adjustments);
          expect(after[o.role]?.overrideId === o.id).toBe(false);
          const before = onCallAt(rotation, o.start - 1, adjustments);
          expect(before[o.role]?.overrideId === o.id).toBe(false);
        }
      }),
      { numRuns: propertyRuns(150) },
    );
  });
});

// --- daylight saving walks ----------------------------------------------------------------------------

describe.each(['America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'America/St_Johns', 'Asia/Kolkata'])(
  'a year of the final schedule in %s',
  (zone) => {
    const from = t('2026-01-01T00:00:00Z');
    const to = t('2027-01-01T00:00:00Z');

    it('daily handoffs at 09:00 local, no gap, no overlap', () => {
      const segments = finalSchedule(daily(['A', 'B', 'C'], zone, { startDate: '2025-12-29' }), from, to);
      expect(segments.length).toBeGreaterThanOrEqual(365);
      for (const [i, s] of segments.entries()) {
        expect(s.primary).not.toBeNull();
        if (i > 0) {
          expect(s.start).toBe(segments[i - 1]!.end);
          const local = DateTime.fromMillis(s.start, { zone });
          expect([local.hour, local.minute]).toEqual([9, 0]);
        }
      }
    });

    it('a business-hours layer over a weekly base hands off only at 09:00 and 17:00 local or the weekly 09:00', () => {
      const rotation = daily(['A', 'B'], zone, {
        shiftUnit: 'weeks',
        startDate: '2025-12-29',
        layers: [
          { ...daily(['D', 'E'], zone), startDate: '2025-12-29', restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }] },
        ],
      });
      const segments = finalSchedule(rotation, from, to);
      for (const [i, s] of segments.entries()) {
        expect(s.primary).not.toBeNull();
        if (i === 0) continue;
        expect(s.start).toBe(segments[i - 1]!.end);
        const local = DateTime.fromMillis(s.start, { zone });
        expect(['09:00', '17:00']).toContain(local.toFormat('HH:mm'));
        expect(s.end - s.start).toBeLessThanOrEqual(7 * DAY + HOUR);
      }
      // Every weekday has its two business-hours handoffs.
      const businessStarts = segments.filter((s) => s.layer === 1).length;
      expect(businessStarts).toBeGreaterThanOrEqual(260);
    });
  },
);
