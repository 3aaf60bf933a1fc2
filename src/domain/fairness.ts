import type { Segment } from './schedule.js';
import { addDays, localDateOf, localTimeToUtc } from './zoned-time.js';

/**
 * On-call load per person from the final schedule: hours, night hours (22:00-08:00) and weekend hours
 * (Saturday and Sunday), each in the person's own zone, split into past and upcoming. Primary role only.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** One week plus an hour, so a week holding a daylight-saving change is not flagged. */
const ONE_WEEK_LIMIT = WEEK + HOUR;

export interface Hours {
  total: number;
  night: number;
  weekend: number;
}

export interface PersonLoad {
  userId: string;
  past: Hours;
  upcoming: Hours;
  /** Fraction of all primary hours in the range. */
  shareOfTotal: number;
}

export interface FairnessWarning {
  userId: string;
  kind: 'more_than_one_week_in_four' | 'back_to_back';
  start: number;
  end: number;
  message: string;
}

export interface FairnessInput {
  segments: readonly Segment[];
  from: number;
  to: number;
  now: number;
  zoneOf: (userId: string) => string;
  nominalShiftMs: number;
}

interface Interval {
  start: number;
  end: number;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The local windows of a kind (night or weekend) overlapping [start, end), in a zone. */
function localWindows(start: number, end: number, zone: string, kind: 'night' | 'weekend'): Interval[] {
  const out: Interval[] = [];
  const at = (date: { year: number; month: number; day: number }, hour: number) => localTimeToUtc(date, { hour, minute: 0 }, zone);
  const last = localDateOf(end, zone);
  for (let date = addDays(localDateOf(start, zone), -1); ; date = addDays(date, 1)) {
    if (kind === 'night') out.push({ start: at(date, 22), end: at(addDays(date, 1), 8) });
    else {
      const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
      if (weekday === 6) out.push({ start: at(date, 0), end: at(addDays(date, 2), 0) });
    }
    if (date.year === last.year && date.month === last.month && date.day === last.day) break;
  }
  return out;
}

function overlap(a: Interval, b: Interval): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

function hoursOf(stretches: Interval[], zone: string): Hours {
  let total = 0;
  let night = 0;
  let weekend = 0;
  for (const s of stretches) {
    total += s.end - s.start;
    for (const w of localWindows(s.start, s.end, zone, 'night')) night += overlap(s, w);
    for (const w of localWindows(s.start, s.end, zone, 'weekend')) weekend += overlap(s, w);
  }
  return { total: total / HOUR, night: night / HOUR, weekend: weekend / HOUR };
}

function clip(stretches: Interval[], from: number, to: number): Interval[] {
  return stretches.flatMap((s) => {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    return end > start ? [{ start, end }] : [];
  });
}

export function fairnessReport(input: FairnessInput): { people: PersonLoad[]; warnings: FairnessWarning[] } {
  // Continuous primary stretches per person, whatever made them hold it.
  const stretches = new Map<string, Interval[]>();
  for (const s of input.segments) {
    if (!s.primary) continue;
    const start = Math.max(s.start, input.from);
    const end = Math.min(s.end, input.to);
    if (end <= start) continue;
    const list = stretches.get(s.primary.userId) ?? [];
    const last = list[list.length - 1];
    if (last && last.end === start) last.end = end;
    else list.push({ start, end });
    stretches.set(s.primary.userId, list);
  }

  let allHours = 0;
  for (const list of stretches.values()) for (const s of list) allHours += s.end - s.start;

  const people: PersonLoad[] = [];
  const warnings: FairnessWarning[] = [];
  for (const [userId, list] of stretches) {
    const zone = input.zoneOf(userId);
    const past = hoursOf(clip(list, input.from, input.now), zone);
    const upcoming = hoursOf(clip(list, input.now, input.to), zone);
    const mine = list.reduce((sum, s) => sum + s.end - s.start, 0);
    people.push({ userId, past, upcoming, shareOfTotal: allHours > 0 ? mine / allHours : 0 });

    const tooMuch = firstHeavyWindow(list, input.from, input.to);
    if (tooMuch) {
      const days = (tooMuch.held / DAY).toFixed(1);
      warnings.push({
        userId,
        kind: 'more_than_one_week_in_four',
        start: tooMuch.start,
        end: tooMuch.end,
        message: `<@${userId}> is on call ${days} days in the 4 weeks from ${isoDay(tooMuch.start)} (more than one week in four).`,
      });
    }
    for (const s of list) {
      if (s.end - s.start > input.nominalShiftMs * 1.5) {
        warnings.push({
          userId,
          kind: 'back_to_back',
          start: s.start,
          end: s.end,
          message: `<@${userId}> is on call ${((s.end - s.start) / DAY).toFixed(1)} days in a row from ${isoDay(s.start)} (back-to-back shifts).`,
        });
      }
    }
  }
  people.sort((a, b) => b.past.total + b.upcoming.total - (a.past.total + a.upcoming.total) || a.userId.localeCompare(b.userId));
  return { people, warnings };
}

/**
 * The first 4-week window (starting at a UTC midnight) in which the person holds the pager more than a
 * week. A range shorter than 4 weeks is judged as a whole, against a quarter of its length.
 */
function firstHeavyWindow(list: Interval[], from: number, to: number): { start: number; end: number; held: number } | null {
  const span = 4 * WEEK;
  if (to - from < span) {
    const held = list.reduce((sum, s) => sum + overlap(s, { start: from, end: to }), 0);
    return held > (to - from) / 4 + HOUR ? { start: from, end: to, held } : null;
  }
  for (let start = Math.ceil(from / DAY) * DAY; start + span <= to; start += DAY) {
    const window = { start, end: start + span };
    let held = 0;
    for (const s of list) held += overlap(s, window);
    if (held > ONE_WEEK_LIMIT) return { ...window, held };
  }
  return null;
}
