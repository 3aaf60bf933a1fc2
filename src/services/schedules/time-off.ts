import { and, eq, isNull } from 'drizzle-orm';
import { changedRows, type DB, type Tx } from '../../db/client.js';
import { timeOff } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { throwIfAny } from '../../domain/errors.js';
import { requireSelfOrAdmin, type Actor } from '../../domain/permissions.js';
import type { TimeOffPreview } from '../../domain/read-models.js';
import { timeOffCoverage } from '../../domain/schedule.js';
import { checkWindow, overlapping } from '../../domain/schedule-rules.js';
import { formatInZone } from '../../domain/zoned-time.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations } from '../directory.js';
import { loadAdjustments } from './oncall.js';
import { enqueueNotice } from '../outbox.js';
import { loadActor } from '../admin/people.js';
import type { ScheduleNoticeViews } from './notices.js';
import { zoneOf } from './shared.js';

// The read model lives in the domain (views import it from there); its old name stays here for now.
export type { TimeOffPreview };

/** Time off: booked for whole days with a preview of who covers, cancelled by the person or an admin. */
export class TimeOffService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void,
    private readonly notices: ScheduleNoticeViews,
  ) {}

  private now(): number {
    return this.clock.nowMs();
  }

  private async checkTimeOff(q: Tx, actorId: string, input: { userId: string; start: number; end: number }): Promise<Actor> {
    const actor = requireSelfOrAdmin(await loadActor(q, actorId), input.userId, 'book time off');
    const errors = checkWindow(input.start, input.end, this.now());
    if (Object.keys(errors).length === 0) {
      const existing = await q
        .select({ start: timeOff.startAt, end: timeOff.endAt })
        .from(timeOff)
        .where(and(eq(timeOff.userId, input.userId), isNull(timeOff.cancelledAt)));
      const clash = overlapping(existing, input.start, input.end);
      if (clash) {
        const zone = await zoneOf(q, input.userId);
        errors.from = `Overlaps time off already booked from ${formatInZone(clash.start, zone)} to ${formatInZone(clash.end, zone)}.`;
      }
    }
    throwIfAny(errors);
    return actor;
  }

  /** Who will cover which shifts while the person is away; nothing is saved. */
  async previewTimeOff(actorId: string, input: { userId: string; start: number; end: number }): Promise<TimeOffPreview> {
    const { adjustments, rotations } = await this.db.query(async (q) => {
      await this.checkTimeOff(q, actorId, input);
      return { adjustments: await loadAdjustments(q, input.start, input.end), rotations: await loadRotations(this.db) };
    });
    const coverage: TimeOffPreview['coverage'] = [];
    for (const rotation of rotations.values()) {
      for (const c of timeOffCoverage(rotation, { id: 0, ...input }, adjustments)) {
        coverage.push({ rotationId: rotation.id, rotationName: rotation.name, ...c });
      }
    }
    coverage.sort((a, b) => a.start - b.start || a.rotationName.localeCompare(b.rotationName));
    return { ...input, coverage };
  }

  async createTimeOff(
    actorId: string,
    input: { userId: string; start: number; end: number; reason?: string | null },
  ): Promise<{ timeOffId: number; preview: TimeOffPreview }> {
    const preview = await this.previewTimeOff(actorId, input);
    const now = this.now();
    const timeOffId = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(timeOff)
        .values({
          userId: input.userId,
          startAt: input.start,
          endAt: input.end,
          reason: input.reason ?? null,
          createdBy: actorId,
          createdAt: now,
        })
        .returning();
      await writeAudit(tx, { at: now, actor: actorId, action: 'time_off.create', target: `user:${input.userId}`, after: row });
      // Everyone who will cover a shift is told, once per time off.
      const covers = new Map<string, TimeOffPreview['coverage']>();
      for (const c of preview.coverage) if (c.coveredBy) covers.set(c.coveredBy, [...(covers.get(c.coveredBy) ?? []), c]);
      for (const [coverId, shifts] of covers) {
        const dm = this.notices.timeOffCoverDM({ awayId: input.userId, shifts }, await zoneOf(tx, coverId));
        await enqueueNotice(tx, { kind: 'slack.message', channel: coverId, ...dm }, `timeoff:${row!.id}:cover:${coverId}`, now);
      }
      return row!.id;
    });
    this.wakeOutbox();
    return { timeOffId, preview };
  }

  /** Time off that has not ended: the person or an admin may cancel it; their shifts come back to them. */
  async cancelTimeOff(actorId: string, timeOffId: number): Promise<boolean> {
    const now = this.now();
    const found = await this.db.query(async (q) => {
      const [row] = await q
        .select()
        .from(timeOff)
        .where(and(eq(timeOff.id, timeOffId), isNull(timeOff.cancelledAt)))
        .limit(1);
      if (!row || row.endAt <= now) return null;
      const actor = requireSelfOrAdmin(await loadActor(q, actorId), row.userId, 'cancel time off');
      return { row, actor };
    });
    if (!found) return false;
    const { row, actor } = found;
    return this.db.transaction(async (tx) => {
      // Only if still standing: another click (or node) may have cancelled it since the read above.
      const changed = await tx
        .update(timeOff)
        .set({ cancelledAt: now, cancelledBy: actor.id })
        .where(and(eq(timeOff.id, timeOffId), isNull(timeOff.cancelledAt)));
      if (changedRows(changed) === 0) return false;
      await writeAudit(tx, { at: now, actor: actor.id, action: 'time_off.cancel', target: `user:${row.userId}`, before: row });
      return true;
    });
  }
}
