import { propertyRuns } from '../support/lanes.js';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  activeRecurringWindow,
  describeRecurringWindow,
  rruleProblem,
  type RecurringWindow,
} from '../../src/domain/recurring-maintenance.js';

const MINUTE = 60_000;

/**
 * The expected occurrence, found without zoned-time.ts: walk the local day minute by minute with luxon and
 * take the first instant whose wall clock reads the start time or later (the jump, on a spring-forward day).
 */
function expectedStart(date: DateTime, start: { hour: number; minute: number }): number {
  const wanted = start.hour * 60 + start.minute;
  for (let t = date.startOf('day').toMillis(); ; t += MINUTE) {
    const local = DateTime.fromMillis(t, { zone: date.zoneName! });
    if (local.toISODate() !== date.toISODate() || local.hour * 60 + local.minute >= wanted) return t;
  }
}

describe('recurring maintenance windows', () => {
  const sunday: RecurringWindow = {
    rrule: 'FREQ=WEEKLY;BYDAY=SU',
    start: { hour: 2, minute: 30 },
    durationMinutes: 60,
    timeZone: 'Europe/Berlin',
  };

  it('every Sunday 02:30–03:30 Berlin, walked every 15 minutes through 2026 against a brute-force expectation, DST days included', () => {
    const windows: { start: number; end: number }[] = [];
    for (let d = DateTime.fromISO('2025-12-28', { zone: 'Europe/Berlin' }); d.year <= 2026; d = d.plus({ days: 1 })) {
      if (d.weekday !== 7) continue;
      const start = expectedStart(d, sunday.start);
      windows.push({ start, end: start + 60 * MINUTE });
    }
    let active = 0;
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 15 * MINUTE) {
      const expected = windows.find((w) => w.start <= t && t < w.end) ?? null;
      expect(activeRecurringWindow([sunday], t), new Date(t).toISOString()).toEqual(expected);
      if (expected) active += 1;
    }
    expect(active).toBe(52 * 4); // 52 Sundays, 4 quarter-hour steps each
  });

  it('keeps the wall clock across DST: the spring-forward Sunday starts at the jump, the fall-back one at the first 02:30', () => {
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 does not exist; the window opens at 03:00.
    expect(activeRecurringWindow([sunday], Date.parse('2026-03-29T00:59:00Z'))).toBeNull();
    expect(activeRecurringWindow([sunday], Date.parse('2026-03-29T01:00:00Z'))).toEqual({
      start: Date.parse('2026-03-29T01:00:00Z'),
      end: Date.parse('2026-03-29T02:00:00Z'),
    });
    // 25 October 2026: 02:30 happens twice; the first (CEST, 00:30 UTC) opens it.
    expect(activeRecurringWindow([sunday], Date.parse('2026-10-25T00:30:00Z'))).toEqual({
      start: Date.parse('2026-10-25T00:30:00Z'),
      end: Date.parse('2026-10-25T01:30:00Z'),
    });
    // An ordinary winter Sunday: 02:30 CET is 01:30 UTC.
    expect(activeRecurringWindow([sunday], Date.parse('2026-11-22T01:30:00Z'))!.start).toBe(Date.parse('2026-11-22T01:30:00Z'));
  });

  it('a window longer than a day is found on the days after it started; INTERVAL and DTSTART are honoured', () => {
    const monthEnd: RecurringWindow = {
      rrule: 'FREQ=MONTHLY;BYMONTHDAY=1',
      start: { hour: 22, minute: 0 },
      durationMinutes: 3 * 24 * 60,
      timeZone: 'America/New_York',
    };
    expect(activeRecurringWindow([monthEnd], Date.parse('2026-12-03T12:00:00Z'))).toEqual({
      start: Date.parse('2026-12-02T03:00:00Z'),
      end: Date.parse('2026-12-05T03:00:00Z'),
    });
    expect(activeRecurringWindow([monthEnd], Date.parse('2026-12-05T03:00:00Z'))).toBeNull();
    // Every other Tuesday from 1 December 2026.
    const fortnightly: RecurringWindow = {
      rrule: 'DTSTART:20261201T000000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU',
      start: { hour: 12, minute: 0 },
      durationMinutes: 30,
      timeZone: 'UTC',
    };
    expect(activeRecurringWindow([fortnightly], Date.parse('2026-12-01T12:10:00Z'))).not.toBeNull();
    expect(activeRecurringWindow([fortnightly], Date.parse('2026-12-08T12:10:00Z'))).toBeNull();
    expect(activeRecurringWindow([fortnightly], Date.parse('2026-12-15T12:10:00Z'))).not.toBeNull();
    expect(describeRecurringWindow(sunday)).toBe('every week on Sunday at 02:30 for 60 min (Europe/Berlin)');
  });

  it('whatever the rule, zone and moment, a window found contains the moment and lasts its duration (property)', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    const rules = ['FREQ=DAILY', 'FREQ=WEEKLY;BYDAY=MO,TH', 'FREQ=MONTHLY;BYMONTHDAY=15', 'FREQ=MONTHLY;BYDAY=-1SU'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...rules),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 1, max: 4 * 24 * 60 }),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
        (timeZone, rrule, hour, minute, durationMinutes, now) => {
          const found = activeRecurringWindow([{ rrule, start: { hour, minute }, durationMinutes, timeZone }], now);
          if (!found) return;
          expect(found.start).toBeLessThanOrEqual(now);
          expect(found.end).toBeGreaterThan(now);
          expect(found.end - found.start).toBe(durationMinutes * MINUTE);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });

  it('refuses rules that cannot name days', () => {
    expect(rruleProblem('FREQ=WEEKLY;BYDAY=SU')).toBeNull();
    expect(rruleProblem('FREQ=HOURLY')).toMatch(/FREQ must be/);
    expect(rruleProblem('FREQ=DAILY;BYHOUR=3')).toMatch(/time of day as start/);
    expect(rruleProblem('every sunday')).toMatch(/not an RRULE/);
  });
});
