import { shiftAt, shiftsBetween, type Layer, type Rotation } from './rotation.js';
import { addDays, localDateOf, localTimeToUtc, parseHHMM } from './zoned-time.js';

/**
 * The final schedule: who holds each role of a rotation at any instant, from its layers, the overrides
 * and people's time off. Pure: callers pass everything in, including the instants.
 *
 * Precedence, from weakest to strongest:
 * 1. layers: the highest layer that has someone on call at that instant decides (restrictions mask a layer);
 * 2. overrides: the newest override covering the instant replaces the role's holder;
 * 3. time off: a holder who is away passes the role to the next available participant of the deciding
 *    layer, in rotation order; if nobody is available the instant is a gap.
 */

export type Role = 'primary' | 'secondary';

export interface Override {
  id: number;
  rotationId: string;
  userId: string;
  role: Role;
  start: number;
  end: number;
  /** Larger is newer; the newest override covering an instant wins. */
  seq: number;
}

export interface TimeOff {
  id: number;
  userId: string;
  start: number;
  end: number;
}

export interface ScheduleAdjustments {
  overrides: readonly Override[];
  timeOff: readonly TimeOff[];
}

export const NO_ADJUSTMENTS: ScheduleAdjustments = Object.freeze({ overrides: [], timeOff: [] });

export interface RoleHolder {
  userId: string;
  via: 'rotation' | 'override' | 'time_off_cover';
  /** Whom they stand in for: the scheduled person for an override, the absent person for a time-off cover. */
  standsInFor: string | null;
  overrideId: number | null;
}

export interface Segment {
  start: number;
  end: number;
  /** Which layer scheduled this stretch (0 is the rotation's base); null when no layer had anyone. */
  layer: number | null;
  primary: RoleHolder | null;
  secondary: RoleHolder | null;
  /** People on time off whose role nobody could take. */
  uncovered: { role: Role; userId: string }[];
}

export function layersOf(rotation: Rotation): Layer[] {
  return [rotation, ...(rotation.layers ?? [])];
}

// --- restrictions -------------------------------------------------------------------------------------

interface Window {
  start: number;
  end: number;
}

/** The UTC windows of a layer's restrictions that start on the given local date. */
function windowsOnDate(layer: Layer, date: { year: number; month: number; day: number }): Window[] {
  const out: Window[] = [];
  const weekday = isoWeekday(date);
  for (const r of layer.restrictions ?? []) {
    if (!r.days.includes(weekday)) continue;
    const start = parseHHMM(r.start);
    const end = parseHHMM(r.end);
    const wraps = end.hour * 60 + end.minute <= start.hour * 60 + start.minute;
    out.push({
      start: localTimeToUtc(date, start, layer.timeZone),
      end: localTimeToUtc(wraps ? addDays(date, 1) : date, end, layer.timeZone),
    });
  }
  return out;
}

function isoWeekday(date: { year: number; month: number; day: number }): number {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Whether a layer's restrictions let it be on call at `at` (always, when it has none). */
export function layerActiveAt(layer: Layer, at: number): boolean {
  if (!layer.restrictions || layer.restrictions.length === 0) return true;
  const today = localDateOf(at, layer.timeZone);
  // A window that wraps past midnight started on the previous local day.
  for (const date of [today, addDays(today, -1)]) {
    for (const w of windowsOnDate(layer, date)) if (w.start <= at && at < w.end) return true;
  }
  return false;
}

function restrictionEdges(layer: Layer, from: number, to: number): number[] {
  if (!layer.restrictions || layer.restrictions.length === 0) return [];
  const edges: number[] = [];
  let date = addDays(localDateOf(from, layer.timeZone), -1);
  const last = addDays(localDateOf(to, layer.timeZone), 1);
  for (; compareDates(date, last) <= 0; date = addDays(date, 1)) {
    for (const w of windowsOnDate(layer, date)) edges.push(w.start, w.end);
  }
  return edges;
}

function compareDates(a: { year: number; month: number; day: number }, b: { year: number; month: number; day: number }) {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

// --- evaluation at one instant ------------------------------------------------------------------------

function onTimeOff(timeOff: readonly TimeOff[], userId: string, at: number): boolean {
  for (const t of timeOff) if (t.userId === userId && t.start <= at && at < t.end) return true;
  return false;
}

function newestOverride(overrides: readonly Override[], role: Role, at: number): Override | null {
  let best: Override | null = null;
  for (const o of overrides) {
    if (o.role === role && o.start <= at && at < o.end && (!best || o.seq > best.seq)) best = o;
  }
  return best;
}

/** Who holds each role at `at`, as a zero-length segment [at, at]. */
export function onCallAt(rotation: Rotation, at: number, adjustments: ScheduleAdjustments = NO_ADJUSTMENTS): Segment {
  const layers = layersOf(rotation);
  let layerIndex: number | null = null;
  let scheduledPrimary: string | null = null;
  let scheduledSecondary: string | null = null;
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    const layer = layers[i]!;
    const shift = shiftAt(layer, at);
    if (shift && layerActiveAt(layer, at)) {
      layerIndex = i;
      scheduledPrimary = shift.primary;
      scheduledSecondary = shift.secondary;
      break;
    }
  }

  const overrides = adjustments.overrides.length > 0 ? adjustments.overrides.filter((o) => o.rotationId === rotation.id) : [];
  let primary = holder(scheduledPrimary, newestOverride(overrides, 'primary', at));
  let secondary = holder(scheduledSecondary, newestOverride(overrides, 'secondary', at));
  // Whoever took the primary role by override cannot also be their own backup: the person they replaced backs them up.
  if (primary && secondary && secondary.userId === primary.userId) {
    secondary =
      scheduledPrimary && scheduledPrimary !== primary.userId
        ? { userId: scheduledPrimary, via: 'rotation', standsInFor: null, overrideId: null }
        : null;
  }

  const uncovered: Segment['uncovered'] = [];
  if (adjustments.timeOff.length > 0) {
    const participants = layerIndex === null ? [] : layers[layerIndex]!.participants;
    const away = (userId: string) => onTimeOff(adjustments.timeOff, userId, at);
    if (primary && away(primary.userId)) {
      const absent = primary.userId;
      const cover = nextAvailable(participants, scheduledPrimary ?? absent, (u) => u !== absent && !away(u));
      primary = cover ? { userId: cover, via: 'time_off_cover', standsInFor: absent, overrideId: null } : null;
      if (!cover) uncovered.push({ role: 'primary', userId: absent });
    }
    if (secondary && (away(secondary.userId) || secondary.userId === primary?.userId)) {
      const absent = secondary.userId;
      const after = primary?.userId ?? scheduledPrimary ?? absent;
      const cover = nextAvailable(participants, after, (u) => u !== absent && u !== primary?.userId && !away(u));
      const wasAway = away(absent);
      secondary = cover ? { userId: cover, via: 'time_off_cover', standsInFor: wasAway ? absent : null, overrideId: null } : null;
      if (!cover && wasAway) uncovered.push({ role: 'secondary', userId: absent });
    }
  }
  return { start: at, end: at, layer: layerIndex, primary, secondary, uncovered };
}

function holder(scheduled: string | null, override: Override | null): RoleHolder | null {
  if (override) {
    return {
      userId: override.userId,
      via: 'override',
      standsInFor: scheduled !== override.userId ? scheduled : null,
      overrideId: override.id,
    };
  }
  return scheduled ? { userId: scheduled, via: 'rotation', standsInFor: null, overrideId: null } : null;
}

/** The first participant after `after` in rotation order (wrapping) that passes `ok`. */
function nextAvailable(participants: readonly string[], after: string, ok: (userId: string) => boolean): string | null {
  const n = participants.length;
  const from = participants.indexOf(after);
  for (let step = 1; step <= n; step += 1) {
    const candidate = participants[((((from < 0 ? -1 : from) + step) % n) + n) % n]!;
    if (ok(candidate)) return candidate;
  }
  return null;
}

// --- the final schedule over a range ------------------------------------------------------------------

/**
 * Every stretch of [from, to) with a constant answer, in order and without holes. Adjacent stretches with
 * the same holders are merged, so a segment boundary is a real change of who is on call.
 */
export function finalSchedule(rotation: Rotation, from: number, to: number, adjustments: ScheduleAdjustments = NO_ADJUSTMENTS): Segment[] {
  if (to <= from) return [];
  const edges = new Set<number>([from, to]);
  const add = (t: number) => {
    if (t > from && t < to) edges.add(t);
  };
  for (const layer of layersOf(rotation)) {
    for (const shift of shiftsBetween(layer, from, to)) {
      add(shift.start);
      add(shift.end);
    }
    for (const edge of restrictionEdges(layer, from, to)) add(edge);
  }
  for (const o of adjustments.overrides) {
    if (o.rotationId !== rotation.id) continue;
    add(o.start);
    add(o.end);
  }
  for (const t of adjustments.timeOff) {
    add(t.start);
    add(t.end);
  }
  const instants = [...edges].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i < instants.length - 1; i += 1) {
    const start = instants[i]!;
    const end = instants[i + 1]!;
    const here = onCallAt(rotation, start, adjustments);
    const last = segments[segments.length - 1];
    if (last && sameHolders(last, here)) last.end = end;
    else segments.push({ ...here, start, end });
  }
  return segments;
}

function sameHolder(a: RoleHolder | null, b: RoleHolder | null): boolean {
  if (a === null || b === null) return a === b;
  return a.userId === b.userId && a.via === b.via && a.standsInFor === b.standsInFor && a.overrideId === b.overrideId;
}

function sameHolders(a: Segment, b: Segment): boolean {
  return (
    a.layer === b.layer &&
    sameHolder(a.primary, b.primary) &&
    sameHolder(a.secondary, b.secondary) &&
    a.uncovered.length === b.uncovered.length &&
    a.uncovered.every((u, i) => u.role === b.uncovered[i]!.role && u.userId === b.uncovered[i]!.userId)
  );
}

/** The stretches of [from, to) where nobody holds the primary role. */
export function coverageGaps(segments: readonly Segment[]): { start: number; end: number }[] {
  const gaps: { start: number; end: number }[] = [];
  for (const s of segments) {
    if (s.primary) continue;
    const last = gaps[gaps.length - 1];
    if (last && last.end === s.start) last.end = s.end;
    else gaps.push({ start: s.start, end: s.end });
  }
  return gaps;
}

/** Who would take each of `userId`'s roles while they are away, as the engine will apply it. */
export function timeOffCoverage(
  rotation: Rotation,
  timeOff: TimeOff,
  adjustments: ScheduleAdjustments = NO_ADJUSTMENTS,
): { start: number; end: number; role: Role; coveredBy: string | null }[] {
  const withIt = finalSchedule(rotation, timeOff.start, timeOff.end, {
    overrides: adjustments.overrides,
    timeOff: [...adjustments.timeOff, timeOff],
  });
  const out: { start: number; end: number; role: Role; coveredBy: string | null }[] = [];
  for (const s of withIt) {
    for (const role of ['primary', 'secondary'] as const) {
      const h = s[role];
      const coveredBy = h && h.via === 'time_off_cover' && h.standsInFor === timeOff.userId ? h.userId : undefined;
      const gap = s.uncovered.some((u) => u.role === role && u.userId === timeOff.userId);
      if (coveredBy === undefined && !gap) continue;
      const last = out[out.length - 1];
      const value = coveredBy ?? null;
      if (last && last.role === role && last.coveredBy === value && last.end === s.start) last.end = s.end;
      else out.push({ start: s.start, end: s.end, role, coveredBy: value });
    }
  }
  return out.sort((a, b) => a.start - b.start || (a.role === 'primary' ? -1 : 1));
}

/** Who holds the pager over one stretch of time: a person, or nobody (a gap). */
export interface PagerStretch {
  start: number;
  end: number;
  userId: string | null;
}

/**
 * The pager's hands over time: adjacent segments with the same primary holder merged, whatever else changes
 * under them (the deciding layer, the secondary, an override of the same person). Each boundary is a moment
 * the pager changes hands, so a stretch's end is when its holder gives it up.
 */
export function pagerStretches(segments: readonly Segment[]): PagerStretch[] {
  const out: PagerStretch[] = [];
  for (const s of segments) {
    const userId = s.primary?.userId ?? null;
    const last = out[out.length - 1];
    if (last && last.userId === userId && last.end === s.start) last.end = s.end;
    else out.push({ start: s.start, end: s.end, userId });
  }
  return out;
}

/** A person's own stretches holding a role, for "my shifts" lists and calendar feeds. */
export function shiftsOf(
  segments: readonly Segment[],
  userId: string,
  role: Role = 'primary',
): { start: number; end: number; segment: Segment }[] {
  const out: { start: number; end: number; segment: Segment }[] = [];
  for (const s of segments) {
    if (s[role]?.userId !== userId) continue;
    const last = out[out.length - 1];
    if (last && last.end === s.start) last.end = s.end;
    else out.push({ start: s.start, end: s.end, segment: s });
  }
  return out;
}
