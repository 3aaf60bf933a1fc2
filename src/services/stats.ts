import type { DB } from '../db/client.js';
import { users } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { fairnessReport, type FairnessWarning, type PersonLoad } from '../domain/fairness.js';
import { finalSchedule } from '../domain/schedule.js';
import { nominalShiftMs } from '../domain/rotation.js';
import { loadRotations } from './directory.js';
import { loadAdjustments } from './oncall.js';

const WEEK = 7 * 86_400_000;

export interface RotationFairness {
  rotationId: string;
  rotationName: string;
  people: PersonLoad[];
  warnings: FairnessWarning[];
}

/** On-call load per person, past and upcoming, from the final schedule. */
export class StatsService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  fairness(opts: { rotationId?: string; weeks: number }): RotationFairness[] {
    const now = this.clock.now().getTime();
    const from = now - opts.weeks * WEEK;
    const to = now + opts.weeks * WEEK;
    const zones = new Map(this.db.select({ id: users.id, tz: users.timeZone }).from(users).all().map((u) => [u.id, u.tz]));
    const adjustments = loadAdjustments(this.db, from, to);
    return [...loadRotations(this.db).values()]
      .filter((r) => !opts.rotationId || r.id === opts.rotationId)
      .map((rotation) => {
        const report = fairnessReport({
          segments: finalSchedule(rotation, from, to, adjustments),
          from,
          to,
          now,
          zoneOf: (userId) => zones.get(userId) ?? rotation.timeZone,
          nominalShiftMs: nominalShiftMs(rotation),
        });
        return { rotationId: rotation.id, rotationName: rotation.name, ...report };
      });
  }
}
