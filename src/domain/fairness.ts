import type { Segment } from './schedule.js';
import { addDays, isValidTimeZone, localDateOf, localTimeToUtc } from './zoned-time.js';
import { DAY, HOUR } from './time-units.js';

/**
 * On-call load per person from the final schedule: real elapsed hours, night hours (22:00-08:00) and
 * weekend hours (Saturday 00:00 to Monday 00:00), night and weekend in the person's own zone, split into
 * past and upcoming at `now`; plus warnings for people who hold the pager too often or too long.
 * Primary role only. Pure: instants are epoch milliseconds and nothing is read from the outside.
 */

const WEEK = 7 * DAY;
const FOUR_WEEKS = 4 * WEEK;
/** A quarter of a window plus an hour (one week in four weeks), so a week holding a daylight-saving change is not flagged. */
const oneInFour = (windowMs: number) => windowMs / 4 + HOUR;
/** A stretch longer than this many nominal shifts is two shifts in a row. */
const BACK_TO_BACK_FACTOR = 1.5;

export interface Hours {
  total: number;
  night: number;
  weekend: number;
}

export interface PersonLoad {
  userId: string;
  /** Hours held before `now`. */
  past: Hours;
  /** Hours held at or after `now`. */
  upcoming: Hours;
  /** Fraction (0..1) of all primary hours in [from, to). */
  shareOfTotal: number;
}

export type FairnessWarningKind = 'more_than_one_week_in_four' | 'more_than_their_turns' | 'back_to_back';

export interface FairnessWarning {
  userId: string;
  kind: FairnessWarningKind;
  /** The 4-week window (more_than_one_week_in_four, more_than_their_turns) or the continuous stretch (back_to_back). */
  start: number;
  end: number;
  /** Plain text with a Slack mention of the person. */
  message: string;
}

export interface FairnessInput {
  /** The final schedule over [from, to); only the primary role counts. */
  segments: readonly Segment[];
  from: number;
  to: number;
  /** Splits past from upcoming. */
  now: number;
  /** Each person's IANA zone, in which night and weekend are read (an invalid zone reads as UTC). */
  zoneOf: (userId: string) => string;
  /** The rotation's nominal shift length, to tell two shifts in a row. */
  nominalShiftMs: number;
  /**
   * How many people take turns, when one list of participants makes the whole schedule (a rotation without
   * layers); null or absent otherwise. Fewer than four cannot keep anyone to one week in four.
   */
  turnTakers?: number | null;
}

/**
 * A rotation whose people cannot stay within one week in four however fairly they take turns: said once, for
 * the rotation, instead of once per person. Each holds one shift in `people`.
 */
export interface TooFewPeople {
  people: number;
  nominalShiftMs: number;
}

export interface FairnessReport {
  /** Everyone who held the primary role in [from, to), by total hours descending, then userId. */
  people: PersonLoad[];
  /** By start, then userId, then kind. */
  warnings: FairnessWarning[];
  tooFewPeople: TooFewPeople | null;
}

interface Interval {
  start: number;
  end: number;
}

type LocalDate = { year: number; month: number; day: number };

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sameDate = (a: LocalDate, b: LocalDate) => a.year === b.year && a.month === b.month && a.day === b.day;
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function fairnessReport(input: FairnessInput): FairnessReport {
  const { from, to, now } = input;
  if (!(to > from)) return { people: [], warnings: [], tooFewPeople: null };

  const stretches = primaryStretches(input.segments, from, to);
  const heldMs = new Map<string, number>();
  let allMs = 0;
  for (const [userId, list] of stretches) {
    const mine = list.reduce((sum, s) => sum + (s.end - s.start), 0);
    heldMs.set(userId, mine);
    allMs += mine;
  }

  const windowsByZone = new Map<string, { night: Interval[]; weekend: Interval[] }>();
  const windowsOf = (zone: string) => {
    let w = windowsByZone.get(zone);
    if (!w) {
      w = { night: localWindows(from, to, zone, 'night'), weekend: localWindows(from, to, zone, 'weekend') };
      windowsByZone.set(zone, w);
    }
    return w;
  };

  const people: PersonLoad[] = [];
  const warnings: FairnessWarning[] = [];
  const turns = input.turnTakers && input.turnTakers < 4 && input.nominalShiftMs > 0 ? input.turnTakers : null;
  let overOneInFour = false;
  for (const [userId, list] of stretches) {
    const asked = input.zoneOf(userId);
    const zone = isValidTimeZone(asked) ? asked : 'UTC';
    const windows = windowsOf(zone);
    const hoursIn = (part: Interval[]): Hours => ({
      total: sumLengths(part) / HOUR,
      night: overlapTotal(part, windows.night) / HOUR,
      weekend: overlapTotal(part, windows.weekend) / HOUR,
    });
    people.push({
      userId,
      past: hoursIn(clip(list, from, Math.min(now, to))),
      upcoming: hoursIn(clip(list, Math.max(now, from), to)),
      shareOfTotal: allMs > 0 ? heldMs.get(userId)! / allMs : 0,
    });

    if (turns === null) {
      const heavy = firstHeavyWindow(list, from, to, oneInFour);
      if (heavy) warnings.push(heavyWarning(userId, heavy, 'more_than_one_week_in_four'));
    } else {
      overOneInFour ||= firstHeavyWindow(list, from, to, oneInFour) !== null;
      // What the turns give anyone is no news once the rotation is flagged; holding more than that is.
      const heavy = firstHeavyWindow(list, from, to, (windowMs) => turnsShare(windowMs, turns, input.nominalShiftMs) + HOUR);
      if (heavy) warnings.push(heavyWarning(userId, heavy, 'more_than_their_turns'));
    }

    if (input.nominalShiftMs > 0) {
      for (const s of list) {
        if (s.end - s.start <= input.nominalShiftMs * BACK_TO_BACK_FACTOR) continue;
        warnings.push({
          userId,
          kind: 'back_to_back',
          start: s.start,
          end: s.end,
          message: `<@${userId}> is on call for ${formatLength(s.end - s.start)} in a row, from ${isoDay(s.start)} to ${isoDay(s.end)} (back to back shifts)`,
        });
      }
    }
  }

  people.sort((a, b) => heldMs.get(b.userId)! - heldMs.get(a.userId)! || compareIds(a.userId, b.userId));
  warnings.sort((a, b) => a.start - b.start || compareIds(a.userId, b.userId) || compareIds(a.kind, b.kind));
  return {
    people,
    warnings,
    tooFewPeople: turns !== null && overOneInFour ? { people: turns, nominalShiftMs: input.nominalShiftMs } : null,
  };
}

function heavyWarning(
  userId: string,
  heavy: { start: number; end: number; held: number },
  kind: 'more_than_one_week_in_four' | 'more_than_their_turns',
): FairnessWarning {
  const days = (heavy.held / DAY).toFixed(1);
  const span = heavy.end - heavy.start === FOUR_WEEKS ? 'the 4 weeks' : `the ${formatLength(heavy.end - heavy.start)}`;
  const why = kind === 'more_than_one_week_in_four' ? 'more than one week in four' : 'more than their turns';
  return {
    userId,
    kind,
    start: heavy.start,
    end: heavy.end,
    message: `<@${userId}> is on call ${days} days in ${span} from ${isoDay(heavy.start)} (${why})`,
  };
}

/** The most a window of `windowMs` can hold of one person's turns, when `people` take turns at `shiftMs` each. */
function turnsShare(windowMs: number, people: number, shiftMs: number): number {
  return Math.ceil(windowMs / (people * shiftMs)) * shiftMs;
}

/**
 * Each person's continuous primary stretches inside [from, to), sorted and disjoint. Adjacent segments of
 * the same person merge whatever made them hold the role (rotation, override, time-off cover).
 */
function primaryStretches(segments: readonly Segment[], from: number, to: number): Map<string, Interval[]> {
  const pieces = new Map<string, Interval[]>();
  for (const s of segments) {
    if (!s.primary) continue;
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    if (end <= start) continue;
    const list = pieces.get(s.primary.userId) ?? [];
    pieces.set(s.primary.userId, list);
    list.push({ start, end });
  }
  for (const [userId, list] of pieces) {
    list.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const piece of list) {
      const last = merged[merged.length - 1];
      if (last && piece.start <= last.end) last.end = Math.max(last.end, piece.end);
      else merged.push({ ...piece });
    }
    pieces.set(userId, merged);
  }
  return pieces;
}

/**
 * The night (22:00 to 08:00) or weekend (Saturday 00:00 to Monday 00:00) windows of a zone that may
 * overlap [from, to), sorted and disjoint. Local boundaries resolve with Baton's daylight-saving rule.
 */
function localWindows(from: number, to: number, zone: string, kind: 'night' | 'weekend'): Interval[] {
  const out: Interval[] = [];
  const at = (date: LocalDate, hour: number) => localTimeToUtc(date, { hour, minute: 0 }, zone);
  const last = localDateOf(to, zone);
  // A night starts the evening before, a weekend up to a day before, the first local date of the range.
  for (let date = addDays(localDateOf(from, zone), -1); ; date = addDays(date, 1)) {
    if (kind === 'night') {
      out.push({ start: at(date, 22), end: at(addDays(date, 1), 8) });
    } else if (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() === 6) {
      out.push({ start: at(date, 0), end: at(addDays(date, 2), 0) });
    }
    if (sameDate(date, last)) break;
  }
  return out;
}

/** Total overlap of two sorted lists of disjoint intervals, in one sweep. */
function overlapTotal(a: readonly Interval[], b: readonly Interval[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const overlap = Math.min(x.end, y.end) - Math.max(x.start, y.start);
    if (overlap > 0) total += overlap;
    if (x.end <= y.end) i += 1;
    else j += 1;
  }
  return total;
}

function sumLengths(list: readonly Interval[]): number {
  let total = 0;
  for (const s of list) total += s.end - s.start;
  return total;
}

function clip(list: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  for (const s of list) {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    if (end > start) out.push({ start, end });
  }
  return out;
}

/**
 * The first 28-day window [d, d + 28 days), d a UTC midnight with from <= d and d + 28 days <= to, in which
 * the person holds the pager more than `limit` allows for a window that long. When no such window fits in
 * the range, the whole range is judged. `list` is sorted, disjoint and inside [from, to); the windows slide
 * a day at a time with two pointers over its prefix sums.
 */
function firstHeavyWindow(
  list: readonly Interval[],
  from: number,
  to: number,
  limit: (windowMs: number) => number,
): { start: number; end: number; held: number } | null {
  if (list.length === 0) return null;
  const first = Math.ceil(from / DAY) * DAY;
  if (first + FOUR_WEEKS > to) {
    const held = sumLengths(list);
    return held > limit(to - from) ? { start: from, end: to, held } : null;
  }
  const fourWeekLimit = limit(FOUR_WEEKS);
  const prefix = [0];
  for (const s of list) prefix.push(prefix[prefix.length - 1]! + (s.end - s.start));
  let lo = 0; // first stretch ending after the window's start
  let hi = 0; // first stretch starting at or after the window's end
  for (let start = first; start + FOUR_WEEKS <= to; start += DAY) {
    const end = start + FOUR_WEEKS;
    while (lo < list.length && list[lo]!.end <= start) lo += 1;
    while (hi < list.length && list[hi]!.start < end) hi += 1;
    if (lo >= hi) continue;
    const held = prefix[hi]! - prefix[lo]! - Math.max(0, start - list[lo]!.start) - Math.max(0, list[hi - 1]!.end - end);
    if (held > fourWeekLimit) return { start, end, held };
  }
  return null;
}

/** "14.0 days", or "36.0 hours" under two days (hour rotations). */
function formatLength(ms: number): string {
  return ms >= 2 * DAY ? `${(ms / DAY).toFixed(1)} days` : `${(ms / HOUR).toFixed(1)} hours`;
}
