import { and, eq } from 'drizzle-orm';
import { changedRows, type DB } from '../../db/client.js';
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
  async requestCover(
    actorId: string,
    input: { rotationId: string; scheduledStart: number; note?: string | null },
  ): Promise<{ coverRequestId: number }> {
    const { actor, now, rotation, shift, channel } = await this.db.query(async (q) => {
      const actor = requireKnown(await loadActor(q, actorId));
      const now = this.now();
      const rotation = (await loadRotations(this.db)).get(input.rotationId);
      if (!rotation) throw new InvalidInput({ my_shift: 'Pick one of your shifts.' });
      const shift = await this.shifts.shiftStartingAt(actor.id, rotation.id, input.scheduledStart);
      if (!shift) throw new InvalidInput({ my_shift: 'That is not one of your upcoming shifts any more.' });
      const channel = await teamChannel(q, rotation.teamId);
      if (!channel) throw new PermissionDenied(`The ${rotation.name} rotation's team has no Slack channel to ask in.`);
      return { actor, now, rotation, shift, channel };
    });
    const coverRequestId = await this.db.transaction(async (tx) => {
      const [row] = await tx
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
        .returning();
      await writeAudit(tx, { at: now, actor: actor.id, action: 'cover.request', target: `rotation:${rotation.id}`, after: row });
      await enqueueNotice(tx, { kind: 'slack.cover_post', coverRequestId: row!.id, channel }, `cover:${row!.id}:post`, now);
      return row!.id;
    });
    this.wakeOutbox();
    return { coverRequestId };
  }

  coverRequest(id: number): Promise<CoverRequest | undefined> {
    return this.db.query(async (q) => (await q.select().from(coverRequests).where(eq(coverRequests.id, id)).limit(1))[0]);
  }

  /** The first taker gets the override; everyone after is told it is taken. */
  async takeCover(actorId: string, coverRequestId: number): Promise<CoverTake> {
    const actor = requireKnown(await this.db.query((q) => loadActor(q, actorId)));
    const now = this.now();
    const result = await this.db.transaction(async (tx): Promise<CoverTake> => {
      const [request] = await tx.select().from(coverRequests).where(eq(coverRequests.id, coverRequestId)).limit(1);
      if (!request) return { outcome: 'not_found' };
      if (request.status === 'taken') return { outcome: 'already_taken', takenBy: request.takenBy };
      if (request.status !== 'open') return { outcome: 'already_taken', takenBy: null };
      if (request.requesterId === actor.id) return { outcome: 'own_request' };
      // Taking cover is an override like any other: only the rotation's team (or an admin) may hold its pager.
      const rotation = (await loadRotations(this.db)).get(request.rotationId);
      if (rotation) requireRotationMember(actor, await loadRotationMembers(this.db, rotation), 'cover a shift of');
      if (request.endAt <= now) {
        await tx.update(coverRequests).set({ status: 'expired' }).where(eq(coverRequests.id, request.id));
        await enqueueNotice(tx, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:expired`, now);
        return { outcome: 'expired' };
      }
      // The status check in the WHERE makes the first click win even if two arrive together.
      const claimed = changedRows(
        await tx
          .update(coverRequests)
          .set({ status: 'taken', takenBy: actor.id, takenAt: now })
          .where(and(eq(coverRequests.id, request.id), eq(coverRequests.status, 'open'))),
      );
      if (claimed === 0) return { outcome: 'already_taken', takenBy: null };
      const [override] = await tx
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
        .returning();
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: 'cover.take',
        target: `rotation:${request.rotationId}`,
        before: request,
        after: { ...request, status: 'taken', takenBy: actor.id, takenAt: now },
      });
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: 'override.create',
        target: `rotation:${request.rotationId}`,
        after: override,
      });
      await enqueueNotice(tx, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:taken:refresh`, now);
      const reply = this.notices.coverTakenReply({
        requesterId: request.requesterId,
        takerId: actor.id,
        start: request.startAt,
        end: request.endAt,
      });
      await enqueueNotice(
        tx,
        { kind: 'slack.cover_thread', coverRequestId: request.id, text: reply.text },
        `cover:${request.id}:taken:thread`,
        now,
      );
      return { outcome: 'taken', coverRequestId: request.id, overrideId: override!.id };
    });
    if (result.outcome === 'taken' || result.outcome === 'expired') this.wakeOutbox();
    return result;
  }
}
