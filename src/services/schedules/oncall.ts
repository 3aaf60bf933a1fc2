import type { DB, Tx } from '../../db/client.js';
import { statementsOf } from '../../db/statements.js';
import type { Clock } from '../../domain/clock.js';
import type { RotationNow, RotationSchedule } from '../../domain/read-models.js';
import { finalSchedule, onCallAt, pagerStretches, type ScheduleAdjustments } from '../../domain/schedule.js';
import { DAY } from '../../domain/time-units.js';
import { loadRotations, type StoredRotation } from '../directory.js';

// The read models moved to the domain (views import them from there); their old names stay here for now.
export type { RotationNow, RotationSchedule };

/** How far `/oncall who` looks for the end of the current holder's stretch. */
const WHO_HORIZON_DAYS = 8;

/** Overrides and time off overlapping [from, to), as the schedule engine wants them. */
export async function loadAdjustments(q: Tx, from: number, to: number): Promise<ScheduleAdjustments> {
  const statements = statementsOf(q);
  return { overrides: await statements.overridesBetween.all({ from, to }), timeOff: await statements.timeOffBetween.all({ from, to }) };
}

/** Reads of the final schedule: who is on call, the coming days, a person's shifts. */
export class OnCallService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.nowMs();
  }

  async rotations(): Promise<ReadonlyMap<string, StoredRotation>> {
    return loadRotations(this.db);
  }

  /** Who holds each rotation's roles now. With `withEnd`, also until when (walks the coming 8 days of schedule). */
  async whoIsOnCall(opts: { withEnd?: boolean } = {}): Promise<RotationNow[]> {
    const at = this.now();
    const { rotations, adjustments } = await this.db.query(async (q) => ({
      rotations: await loadRotations(this.db),
      adjustments: await loadAdjustments(q, at, opts.withEnd ? at + WHO_HORIZON_DAYS * DAY : at + 1),
    }));
    return [...rotations.values()].map((rotation) => {
      if (!opts.withEnd) return { rotation, now: onCallAt(rotation, at, adjustments) };
      const horizon = at + WHO_HORIZON_DAYS * DAY;
      const segments = finalSchedule(rotation, at, horizon, adjustments);
      const first = segments[0] ?? { ...onCallAt(rotation, at, adjustments), end: horizon };
      // "Until" is when the pager changes hands, not when something under the same holder changes.
      return { rotation, now: { ...first, end: pagerStretches(segments)[0]?.end ?? first.end } };
    });
  }

  /** The final schedule of one rotation, or all, over [from, to). */
  async schedules(from: number, to: number, rotationId?: string): Promise<RotationSchedule[]> {
    const { adjustments, rotations } = await this.db.query(async (q) => ({
      adjustments: await loadAdjustments(q, from, to),
      rotations: await loadRotations(this.db),
    }));
    return [...rotations.values()]
      .filter((r) => rotationId === undefined || r.id === rotationId)
      .map((rotation) => ({ rotation, segments: finalSchedule(rotation, from, to, adjustments) }));
  }

  adjustments(from: number, to: number): Promise<ScheduleAdjustments> {
    return this.db.query((q) => loadAdjustments(q, from, to));
  }
}
