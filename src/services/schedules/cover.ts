import { and, eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { coverRequests, overrides } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput, PermissionDenied } from '../../domain/errors.js';
import { requireKnown, requireRotationMember } from '../../domain/permissions.js';
import { loadRotationMembers } from '../incidents/access.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations } from '../directory.js';
import { enqueueNotice } from '../outbox.js';
import { loadActor } from '../admin/people.js';
import type { ScheduleNoticeViews } from './notices.js';
import { teamChannel } from './shared.js';
import type { ShiftPicker } from './shift-picker.js';

export type CoverRequest = typeof coverRequests.$inferSelect;

export type CoverTake =
  | { outcome: 'taken'; coverRequestId: number; overrideId: number }
  | { outcome: 'already_taken'; takenBy: string | null }
  | { outcome: 'not_found' }
  | { outcome: 'own_request' }
  | { outcome: 'expired' };

/** Cover requests: a person asks their team channel to take one of their shifts; the first taker gets it. */
export class CoverService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void,
    private readonly notices: ScheduleNoticeViews,
    private readonly shifts: ShiftPicker,
  ) {}

  private now(): number {
    return this.clock.nowMs();
  }

  /** Asks the team to take the rest of one of the requester's shifts, named by its scheduled start. */
  requestCover(actorId: string, input: { rotationId: string; scheduledStart: number; note?: string | null }): { coverRequestId: number } {
    const actor = requireKnown(loadActor(this.db, actorId));
    const now = this.now();
    const rotation = loadRotations(this.db).get(input.rotationId);
    if (!rotation) throw new InvalidInput({ my_shift: 'Pick one of your shifts.' });
    const shift = this.shifts.shiftStartingAt(actor.id, rotation.id, input.scheduledStart);
    if (!shift) throw new InvalidInput({ my_shift: 'That is not one of your upcoming shifts any more.' });
    const channel = teamChannel(this.db, rotation.teamId);
    if (!channel) throw new PermissionDenied(`The ${rotation.name} rotation's team has no Slack channel to ask in.`);
    const coverRequestId = this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const db = this.db;
      const row = db
        .insert(coverRequests)
        .values({
          rotationId: rotation.id,
          requesterId: actor.id,
          startAt: shift.start,
          endAt: shift.end,
          note: input.note ?? null,
          status: 'open',
          createdAt: now,
        })
        .returning()
        .get();
      writeAudit(db, { at: now, actor: actor.id, action: 'cover.request', target: `rotation:${rotation.id}`, after: row });
      enqueueNotice(db, { kind: 'slack.cover_post', coverRequestId: row.id, channel }, `cover:${row.id}:post`, now);
      return row.id;
    });
    this.wakeOutbox();
    return { coverRequestId };
  }

  coverRequest(id: number): CoverRequest | undefined {
    return this.db.select().from(coverRequests).where(eq(coverRequests.id, id)).get();
  }

  /** The first taker gets the override; everyone after is told it is taken. */
  takeCover(actorId: string, coverRequestId: number): CoverTake {
    const actor = requireKnown(loadActor(this.db, actorId));
    const now = this.now();
    const result = this.db.transaction((): CoverTake => {
      // Statements run on the one connection, so inside this transaction.
      const db = this.db;
      const request = db.select().from(coverRequests).where(eq(coverRequests.id, coverRequestId)).get();
      if (!request) return { outcome: 'not_found' };
      if (request.status === 'taken') return { outcome: 'already_taken', takenBy: request.takenBy };
      if (request.status !== 'open') return { outcome: 'already_taken', takenBy: null };
      if (request.requesterId === actor.id) return { outcome: 'own_request' };
      // Taking cover is an override like any other: only the rotation's team (or an admin) may hold its pager.
      const rotation = loadRotations(db).get(request.rotationId);
      if (rotation) requireRotationMember(actor, loadRotationMembers(db, rotation), 'cover a shift of');
      if (request.endAt <= now) {
        db.update(coverRequests).set({ status: 'expired' }).where(eq(coverRequests.id, request.id)).run();
        enqueueNotice(db, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:expired`, now);
        return { outcome: 'expired' };
      }
      // The status check in the WHERE makes the first click win even if two arrive together.
      const claimed = db
        .update(coverRequests)
        .set({ status: 'taken', takenBy: actor.id, takenAt: now })
        .where(and(eq(coverRequests.id, request.id), eq(coverRequests.status, 'open')))
        .run().changes;
      if (claimed === 0) return { outcome: 'already_taken', takenBy: null };
      const override = db
        .insert(overrides)
        .values({
          rotationId: request.rotationId,
          userId: actor.id,
          role: 'primary',
          startAt: Math.max(request.startAt, now),
          endAt: request.endAt,
          kind: 'cover',
          replacesUserId: request.requesterId,
          reason: `cover request #${request.id}`,
          createdBy: actor.id,
          createdAt: now,
        })
        .returning()
        .get();
      writeAudit(db, {
        at: now,
        actor: actor.id,
        action: 'cover.take',
        target: `rotation:${request.rotationId}`,
        before: request,
        after: { ...request, status: 'taken', takenBy: actor.id, takenAt: now },
      });
      writeAudit(db, { at: now, actor: actor.id, action: 'override.create', target: `rotation:${request.rotationId}`, after: override });
      enqueueNotice(db, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:taken:refresh`, now);
      const reply = this.notices.coverTakenReply({
        requesterId: request.requesterId,
        takerId: actor.id,
        start: request.startAt,
        end: request.endAt,
      });
      enqueueNotice(
        db,
        { kind: 'slack.cover_thread', coverRequestId: request.id, text: reply.text },
        `cover:${request.id}:taken:thread`,
        now,
      );
      return { outcome: 'taken', coverRequestId: request.id, overrideId: override.id };
    });
    if (result.outcome === 'taken' || result.outcome === 'expired') this.wakeOutbox();
    return result;
  }
}
