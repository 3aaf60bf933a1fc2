import { DateTime, IANAZone } from 'luxon';
import { DAY, MINUTE } from './time-units.js';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * The UTC instant of a local wall-clock time in a zone, with Baton's daylight-saving rule:
 * - an ambiguous local time (clocks go back) takes its FIRST occurrence;
 * - a missing local time (clocks go forward) takes the next valid instant, the moment of the jump.
 * Luxon alone would pick the later occurrence and shift missing times by the gap, so the rule is explicit here.
 */
export function localTimeToUtc(
  date: { year: number; month: number; day: number },
  time: { hour: number; minute: number },
  zone: string,
): number {
  // Pure and asked again and again for the same handoffs, while zone offsets are costly to compute.
  const key = `${zone}|${date.year}-${date.month}-${date.day}|${time.hour}:${time.minute}`;
  const cached = memo.get(key);
  if (cached !== undefined) return cached;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  const instant = computeLocalTimeToUtc(date, time, zone);
  memo.set(key, instant);
  return instant;
}

const MEMO_LIMIT = 200_000;
const memo = new Map<string, number>();

function computeLocalTimeToUtc(
  date: { year: number; month: number; day: number },
  time: { hour: number; minute: number },
  zone: string,
): number {
  const tz = IANAZone.create(zone);
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const offsetBefore = tz.offset(wallAsUtc - DAY);
  const offsetAfter = tz.offset(wallAsUtc + DAY);
  const candidates = [...new Set([offsetBefore, offsetAfter, tz.offset(wallAsUtc)])]
    .map((offset) => wallAsUtc - offset * MINUTE)
    .filter((instant) => tz.offset(instant) * MINUTE === wallAsUtc - instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In a gap: search for the transition between the instant read with the old offset and the new one.
  let lo = wallAsUtc - Math.max(offsetBefore, offsetAfter) * MINUTE;
  let hi = wallAsUtc - Math.min(offsetBefore, offsetAfter) * MINUTE;
  const oldOffset = tz.offset(lo);
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (tz.offset(mid) === oldOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

const parsedTimes = new Map<string, { hour: number; minute: number }>();
const parsedDates = new Map<string, { year: number; month: number; day: number }>();

export function parseHHMM(value: string): { hour: number; minute: number } {
  const cached = parsedTimes.get(value);
  if (cached) return cached;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new Error(`expected a time as HH:MM, got "${value}"`);
  const parsed = Object.freeze({ hour: Number(match[1]), minute: Number(match[2]) });
  if (parsedTimes.size < 10_000) parsedTimes.set(value, parsed);
  return parsed;
}

export function parseISODate(value: string): { year: number; month: number; day: number } {
  const cached = parsedDates.get(value);
  if (cached) return cached;
  const dt = DateTime.fromISO(value, { zone: 'UTC' });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !dt.isValid) throw new Error(`expected a date as YYYY-MM-DD, got "${value}"`);
  const parsed = Object.freeze({ year: dt.year, month: dt.month, day: dt.day });
  if (parsedDates.size < 10_000) parsedDates.set(value, parsed);
  return parsed;
}

/** The local calendar date of an instant in a zone. */
export function localDateOf(instant: number, zone: string): { year: number; month: number; day: number } {
  const local = new Date(instant + IANAZone.create(zone).offset(instant) * MINUTE);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** Minutes since local midnight of an instant in a zone (wall clock). */
export function localMinutesOf(instant: number, zone: string): number {
  const local = new Date(instant + IANAZone.create(zone).offset(instant) * MINUTE);
  return local.getUTCHours() * 60 + local.getUTCMinutes();
}

/** Calendar arithmetic on a plain date, free of any zone's daylight saving. */
export function addDays(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** How a person reads an instant: "Mon 23 Nov 14:00 CET". */
export function formatInZone(instant: Date | number, zone: string): string {
  return DateTime.fromMillis(typeof instant === 'number' ? instant : instant.getTime(), { zone }).toFormat('ccc d LLL HH:mm ZZZZ');
}
