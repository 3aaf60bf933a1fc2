import type { DB } from '../../db/client.js';
import type { Clock } from '../../domain/clock.js';
import type { ShiftChoice } from '../../domain/read-models.js';
import { nominalShiftMs } from '../../domain/rotation.js';
import { finalSchedule, layersOf, shiftsOf } from '../../domain/schedule.js';
import { DAY } from '../../domain/time-units.js';
import { loadRotations, type StoredRotation } from '../directory.js';
import { loadAdjustments } from './oncall.js';

/** How far ahead people pick shifts to swap or give away. */
export const SHIFT_PICK_HORIZON_DAYS = 28;

// The read model lives in the domain (views import it from there); its old name stays here for now.
export type { ShiftChoice };

/** A shift as listed, and whether it was held since before the look-back (so its scheduled start is a cut). */
type ListedShift = ShiftChoice & { heldSinceBefore: boolean };

/** The shifts people pick from: their own to swap or give away, a teammate's to take in return. */
export class ShiftPicker {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  /** The person's primary shifts under way or starting in the coming weeks, after overrides and time off. */
  async upcomingShifts(userId: string, opts: { rotationId?: string; days?: number } = {}): Promise<ShiftChoice[]> {
    return (await this.upcoming(opts.days ?? SHIFT_PICK_HORIZON_DAYS, opts.rotationId)).filter((s) => s.userId === userId);
  }

  /** The other participants of the rotations the person has shifts in: whom they may swap with. */
  swapTeammates(userId: string): Promise<string[]> {
    return this.db.query(async () => {
      const mine = new Set((await this.upcomingShifts(userId)).map((s) => s.rotationId));
      const rotations = [...(await loadRotations(this.db)).values()].filter((r) => mine.has(r.id));
      return [...new Set(rotations.flatMap((r) => layersOf(r).flatMap((l) => l.participants)))].filter((id) => id !== userId);
    });
  }

  /** A teammate's upcoming shifts in the rotations the person has shifts in: what they may take in return. */
  async teammateShifts(userId: string, teammateId: string): Promise<ShiftChoice[]> {
    const shifts = await this.upcoming(SHIFT_PICK_HORIZON_DAYS);
    const mine = new Set(shifts.filter((s) => s.userId === userId).map((s) => s.rotationId));
    return shifts.filter((s) => s.userId === teammateId && mine.has(s.rotationId));
  }

  /**
   * The person's shift in a rotation that began at `scheduledStart`, as it stands now; undefined when the
   * schedule no longer gives them one starting then.
   */
  async shiftStartingAt(userId: string, rotationId: string, scheduledStart: number): Promise<ShiftChoice | undefined> {
    const shifts = (await this.upcoming(SHIFT_PICK_HORIZON_DAYS, rotationId)).filter((s) => s.userId === userId);
    // A stretch held since before the look-back shows the look-back's start, which moves on with the clock.
    return shifts.find((s) => s.scheduledStart === scheduledStart || (s.heldSinceBefore && scheduledStart < s.scheduledStart));
  }

  /**
   * Every stretch someone holds the pager that is under way or starts within `days`, each whole: the one
   * under way from when it began, the last one to its end past the horizon. The schedule is read a longest
   * shift (and a day) beyond both ends, so only a stretch longer than that is cut.
   */
  private async upcoming(days: number, rotationId?: string): Promise<ListedShift[]> {
    const now = this.clock.nowMs();
    const to = now + days * DAY;
    const reachOf = (r: StoredRotation) => Math.max(...layersOf(r).map(nominalShiftMs)) + DAY;
    const [rotations, adjustments] = await this.db.query(async (q) => {
      const rotations = [...(await loadRotations(this.db)).values()].filter((r) => !rotationId || r.id === rotationId);
      const reach = Math.max(0, ...rotations.map(reachOf));
      return [rotations, await loadAdjustments(q, now - reach, to + reach)] as const;
    });
    const out: ListedShift[] = [];
    for (const rotation of rotations) {
      const since = now - reachOf(rotation);
      const segments = finalSchedule(rotation, since, to + reachOf(rotation), adjustments);
      const people = new Set(segments.flatMap((s) => (s.primary ? [s.primary.userId] : [])));
      for (const userId of people) {
        for (const stretch of shiftsOf(segments, userId)) {
          if (stretch.end <= now || stretch.start >= to) continue;
          out.push({
            rotationId: rotation.id,
            rotationName: rotation.name,
            userId,
            scheduledStart: stretch.start,
            start: Math.max(stretch.start, now),
            end: stretch.end,
            heldSinceBefore: stretch.start === since,
          });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start || a.rotationName.localeCompare(b.rotationName));
  }
}
