import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { shiftAt, shiftBoundary, shiftsBetween, type Rotation } from '../../src/domain/rotation.js';

const weekly = (zone: string, handoff = '09:00'): Rotation => ({
  id: 'r',
  name: 'R',
  timeZone: zone,
  participants: ['A', 'B', 'C'],
  shiftLength: 1,
  shiftUnit: 'weeks',
  handoffTime: handoff,
  startDate: '2026-01-05',
});

describe('rotation shifts', () => {
  it('gives the primary and the next person as secondary, in order', () => {
    const r = weekly('Europe/Berlin');
    const at = (s: string) => shiftAt(r, Date.parse(s));
    expect(at('2026-01-05T08:00:00Z')).toMatchObject({ index: 0, primary: 'A', secondary: 'B' });
    expect(at('2026-01-12T07:59:59Z')).toMatchObject({ index: 0, primary: 'A' });
    expect(at('2026-01-12T08:00:00Z')).toMatchObject({ index: 1, primary: 'B', secondary: 'C' });
    expect(at('2026-01-19T08:00:00Z')).toMatchObject({ index: 2, primary: 'C', secondary: 'A' });
    expect(at('2026-01-05T07:59:59Z')).toBeNull();
  });

  it('a rotation of one has no secondary; an empty one has nobody', () => {
    expect(shiftAt({ ...weekly('UTC'), participants: ['A'] }, Date.parse('2026-03-01T00:00:00Z'))).toMatchObject({
      primary: 'A',
      secondary: null,
    });
    expect(shiftAt({ ...weekly('UTC'), participants: [] }, Date.parse('2026-03-01T00:00:00Z'))).toBeNull();
  });

  // A brute-force walk: every handoff of a year at the declared local time, each shift ending where the next starts.
  it.each(['America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'America/St_Johns', 'Asia/Kolkata'])(
    'daily handoffs stay at 09:00 local across daylight saving in %s',
    (zone) => {
      const r: Rotation = { ...weekly(zone), shiftUnit: 'days' };
      const shifts = shiftsBetween(r, Date.parse('2026-01-05T00:00:00Z'), Date.parse('2027-01-05T00:00:00Z'));
      expect(shifts.length).toBeGreaterThanOrEqual(365);
      const lengths = new Set<number>();
      for (const [i, s] of shifts.entries()) {
        const local = DateTime.fromMillis(s.start, { zone });
        expect([local.hour, local.minute]).toEqual([9, 0]);
        if (i > 0) expect(s.start).toBe(shifts[i - 1]!.end);
        lengths.add((s.end - s.start) / 3_600_000);
        // Every instant inside the shift maps back to it.
        expect(shiftAt(r, s.start)!.index).toBe(s.index);
        expect(shiftAt(r, s.end - 1)!.index).toBe(s.index);
      }
      // Zones with daylight saving have 23- and 25-hour days; Kolkata has none.
      expect(lengths.size).toBe(zone === 'Asia/Kolkata' ? 1 : 3);
    },
  );

  it('hour shifts hand off at the handoff time plus whole shift lengths on the wall clock', () => {
    const r: Rotation = { ...weekly('Europe/Berlin', '08:00'), shiftUnit: 'hours', shiftLength: 12, startDate: '2026-03-28' };
    // 29 March 2026: Berlin springs forward at 02:00, so the night shift of the 28th lasts 11 hours.
    expect(shiftBoundary(r, 1)).toBe(Date.parse('2026-03-28T19:00:00Z'));
    expect(shiftBoundary(r, 2)).toBe(Date.parse('2026-03-29T06:00:00Z'));
    expect(shiftBoundary(r, 2) - shiftBoundary(r, 1)).toBe(11 * 3_600_000);
    expect(shiftAt(r, shiftBoundary(r, 3) + 1)!.primary).toBe('A');
  });

  it.each(['America/Chicago', 'Europe/Berlin', 'Australia/Sydney', 'America/St_Johns', 'Asia/Kolkata'])(
    '12-hour shifts hand off at 08:00 and 20:00 local all year in %s',
    (zone) => {
      const r: Rotation = { ...weekly(zone, '08:00'), shiftUnit: 'hours', shiftLength: 12 };
      const shifts = shiftsBetween(r, Date.parse('2026-01-05T00:00:00Z'), Date.parse('2027-01-05T00:00:00Z'));
      expect(shifts.length).toBeGreaterThanOrEqual(729);
      for (const [i, s] of shifts.entries()) {
        const local = DateTime.fromMillis(s.start, { zone });
        expect([local.hour, local.minute]).toEqual([i % 2 === 0 ? 8 : 20, 0]);
        if (i > 0) expect(s.start).toBe(shifts[i - 1]!.end);
      }
    },
  );
});
