import { addDays, localTimeToUtc, parseHHMM, parseISODate } from './zoned-time.js';

export type ShiftUnit = 'hours' | 'days' | 'weeks';

export interface Rotation {
  id: string;
  name: string;
  timeZone: string;
  participants: string[];
  shiftLength: number;
  shiftUnit: ShiftUnit;
  /** Local wall-clock time of the handoff, "HH:MM". */
  handoffTime: string;
  /** Local date of the first shift, "YYYY-MM-DD". */
  startDate: string;
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

const HOUR = 3_600_000;

/**
 * Start of shift `index`. Day and week shifts hand off at the declared local time on every calendar day
 * (so a daylight-saving change makes that shift 23 or 25 hours long); hour shifts are fixed durations
 * counted from the first handoff.
 */
export function shiftBoundary(rotation: Rotation, index: number): number {
  const startDate = parseISODate(rotation.startDate);
  const handoff = parseHHMM(rotation.handoffTime);
  if (rotation.shiftUnit === 'hours') {
    return localTimeToUtc(startDate, handoff, rotation.timeZone) + index * rotation.shiftLength * HOUR;
  }
  const days = rotation.shiftLength * (rotation.shiftUnit === 'weeks' ? 7 : 1);
  return localTimeToUtc(addDays(startDate, index * days), handoff, rotation.timeZone);
}

function nominalShiftMs(rotation: Rotation): number {
  const unitMs = { hours: HOUR, days: 24 * HOUR, weeks: 7 * 24 * HOUR }[rotation.shiftUnit];
  return rotation.shiftLength * unitMs;
}

function shiftByIndex(rotation: Rotation, index: number, start = shiftBoundary(rotation, index), end = shiftBoundary(rotation, index + 1)): Shift {
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
export function shiftAt(rotation: Rotation, at: number): Shift | null {
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
export function shiftsBetween(rotation: Rotation, from: number, to: number): Shift[] {
  if (rotation.participants.length === 0 || to <= from) return [];
  const firstStart = shiftBoundary(rotation, 0);
  const current = shiftAt(rotation, Math.max(from, firstStart));
  if (!current) return [];
  const shifts: Shift[] = [];
  for (let index = current.index; ; index += 1) {
    const shift = shiftByIndex(rotation, index);
    if (shift.start >= to) break;
    shifts.push(shift);
  }
  return shifts;
}
