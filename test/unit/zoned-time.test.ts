import { propertyRuns } from '../support/lanes.js';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localTimeToUtc } from '../../src/domain/zoned-time.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('local time to UTC, with the daylight-saving rule', () => {
  it('an ambiguous local time takes its first occurrence', () => {
    // Berlin 25 Oct 2026: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    expect(iso(localTimeToUtc({ year: 2026, month: 10, day: 25 }, { hour: 2, minute: 30 }, 'Europe/Berlin'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    // Chicago 1 Nov 2026: 01:30 CDT (06:30 UTC) comes before 01:30 CST (07:30 UTC).
    expect(iso(localTimeToUtc({ year: 2026, month: 11, day: 1 }, { hour: 1, minute: 30 }, 'America/Chicago'))).toBe(
      '2026-11-01T06:30:00.000Z',
    );
  });

  it('a missing local time takes the next valid instant, the moment of the jump', () => {
    // Berlin 29 Mar 2026: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 does not exist.
    expect(iso(localTimeToUtc({ year: 2026, month: 3, day: 29 }, { hour: 2, minute: 30 }, 'Europe/Berlin'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // St John's 8 Mar 2026: 02:00 NST jumps to 03:00 NDT at 05:30 UTC.
    expect(iso(localTimeToUtc({ year: 2026, month: 3, day: 8 }, { hour: 2, minute: 15 }, 'America/St_Johns'))).toBe(
      '2026-03-08T05:30:00.000Z',
    );
  });

  it('gives the earliest instant showing the wall time, or the jump when there is none (property)', () => {
    const zones = [
      'America/Chicago',
      'Europe/Berlin',
      'Australia/Sydney',
      'America/St_Johns',
      'Asia/Kolkata',
      'UTC',
      'Pacific/Chatham',
      'Australia/Lord_Howe',
    ];
    const wall = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 3 * 366 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, dayOffset, hour, minute) => {
          const date = DateTime.utc(2025, 1, 1).plus({ days: dayOffset });
          const wanted = `${date.toISODate()} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const instant = localTimeToUtc({ year: date.year, month: date.month, day: date.day }, { hour, minute }, zone);
          // No earlier instant shows the wanted wall time (daylight saving moves clocks by 30 or 60 minutes).
          for (const back of [30, 60, 90, 120]) {
            if (wall(instant - back * 60_000, zone) === wanted) return false;
          }
          if (wall(instant, zone) === wanted) return true;
          // The time does not exist: the answer is the jump, just past the wanted wall time.
          const before = DateTime.fromMillis(instant - 1, { zone });
          const at = DateTime.fromMillis(instant, { zone });
          return before.offset !== at.offset && wall(instant - 1, zone) < wanted && wall(instant, zone) > wanted;
        },
      ),
      { numRuns: propertyRuns(3000) },
    );
  });
});
