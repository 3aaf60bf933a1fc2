import { addDays, localTimeToUtc, parseHHMM, parseISODate } from './zoned-time.js';
import { DAY, HOUR } from './time-units.js';

export type ShiftUnit = 'hours' | 'days' | 'weeks';

/** A weekly window in the layer's zone when it may be on call; an end at or before the start runs past midnight. */
export interface Restriction {
  /** ISO weekdays the window starts on: 1 is Monday, 7 Sunday. */
  days: number[];
  start: string;
  end: string;
}

/** One rotating list of people. A rotation is its base layer plus optional layers stacked above it. */
export interface Layer {
  timeZone: string;
  participants: string[];
  shiftLength: number;
  shiftUnit: ShiftUnit;
  /** Local wall-clock time of the handoff, "HH:MM". */
  handoffTime: string;
  /** Local date of the first shift, "YYYY-MM-DD". */
  startDate: string;
  /** When set, the layer is on call only inside these windows (follow-the-sun, business hours). */
  restrictions?: Restriction[] | null;
}

export interface Rotation extends Layer {
  id: string;
  name: string;
  /** Layers above the base, lowest first; a higher layer wins wherever it has someone on call. */
  layers?: Layer[];
}

export interface Shift {
  index: number;
  start: number;
  end: number;
  /** Who holds the pager. */
  primary: string;
  /** The rotation's next person, who backs the primary up. Null in a rotation of one. */
  secondary: string | null;
}

/**
 * Start of shift `index`, always at a declared local wall-clock time: day and week shifts hand off at the
 * handoff time (so a daylight-saving change makes that shift 23 or 25 hours long), hour shifts at the
 * handoff time plus whole multiples of the shift length on the wall clock (a 12-hour rotation from 08:00
 * hands off at 08:00 and 20:00 local all year). Wall times resolve with Baton's daylight-saving rule.
 */
export function shiftBoundary(rotation: Layer, index: number): number {
  const startDate = parseISODate(rotation.startDate);
  const handoff = parseHHMM(rotation.handoffTime);
  if (rotation.shiftUnit === 'hours') {
    const minutes = handoff.hour * 60 + handoff.minute + index * rotation.shiftLength * 60;
    const days = Math.floor(minutes / MINUTES_PER_DAY);
    const minuteOfDay = minutes - days * MINUTES_PER_DAY;
    return localTimeToUtc(addDays(startDate, days), { hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 }, rotation.timeZone);
  }
  const days = rotation.shiftLength * (rotation.shiftUnit === 'weeks' ? 7 : 1);
  return localTimeToUtc(addDays(startDate, index * days), handoff, rotation.timeZone);
}

const MINUTES_PER_DAY = 24 * 60;

export function nominalShiftMs(rotation: Layer): number {
  const unitMs = { hours: HOUR, days: DAY, weeks: 7 * DAY }[rotation.shiftUnit];
  return rotation.shiftLength * unitMs;
}

function shiftByIndex(
  rotation: Layer,
  index: number,
  start = shiftBoundary(rotation, index),
  end = shiftBoundary(rotation, index + 1),
): Shift {
  const n = rotation.participants.length;
  const slot = ((index % n) + n) % n;
  return {
    index,
    start,
    end,
    primary: rotation.participants[slot]!,
    secondary: n > 1 ? rotation.participants[(slot + 1) % n]! : null,
  };
}

/** The shift in force at `at`, or null before the rotation starts or when it has nobody in it. */
export function shiftAt(rotation: Layer, at: number): Shift | null {
  if (rotation.participants.length === 0) return null;
  const first = shiftBoundary(rotation, 0);
  if (at < first) return null;
  // Estimate from the nominal length, then correct for daylight-saving drift (at most a step or two).
  let index = Math.floor((at - first) / nominalShiftMs(rotation));
  let start = shiftBoundary(rotation, index);
  while (index > 0 && start > at) start = shiftBoundary(rotation, --index);
  let end = shiftBoundary(rotation, index + 1);
  while (end <= at) {
    index += 1;
    start = end;
    end = shiftBoundary(rotation, index + 1);
  }
  return shiftByIndex(rotation, index, start, end);
}

/** Every shift that overlaps [from, to), in order. */
export function shiftsBetween(rotation: Layer, from: number, to: number): Shift[] {
  if (rotation.participants.length === 0 || to <= from) return [];
  const firstStart = shiftBoundary(rotation, 0);
  const current = shiftAt(rotation, Math.max(from, firstStart));
  if (!current) return [];
  const shifts: Shift[] = [];
  for (let index = current.index; ; index += 1) {
    const shift = shiftByIndex(rotation, index);
    if (shift.start >= to) break;
    // An hour shift whose wall-clock start falls in a spring-forward gap lasts no time at all.
    if (shift.end > shift.start) shifts.push(shift);
  }
  return shifts;
}
