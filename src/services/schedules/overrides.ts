import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { changedRows, type DB } from '../../db/client.js';
import { overrides, swapRequests, timeOff } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { throwIfAny } from '../../domain/errors.js';
import { requireAdmin, requireKnown, requireRotationMember, requireSelfOrAdmin } from '../../domain/permissions.js';
import type { SwapAsk, SwapChange } from '../../domain/read-models.js';
import type { Role } from '../../domain/schedule.js';
import { checkWindow } from '../../domain/schedule-rules.js';
import { loadRotationMembers } from '../incidents/access.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations } from '../directory.js';
import { enqueueNotice } from '../outbox.js';
import { loadActor } from '../admin/people.js';
import type { ScheduleNoticeViews } from './notices.js';
import { findSwap, swapHalves, swapIdOf, teamChannel } from './shared.js';
import type { SwapService } from './swaps.js';

// The read model lives in the domain (views import it from there); its old name stays here for now.
export type { SwapChange };

export type CancelledChange = 'override' | 'swap';

/** What a person may cancel: overrides and time off not yet over, accepted swaps, and swap requests to withdraw. */
export interface UpcomingChanges {
  overrides: (typeof overrides.$inferSelect & { rotationName: string })[];
  swaps: SwapChange[];
  asks: SwapAsk[];
  timeOff: (typeof timeOff.$inferSelect)[];
}

/** Overrides: someone takes a rotation's pager for a while; cancelled by its holder, its setter or an admin. */
export class OverrideService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void,
    private readonly notices: ScheduleNoticeViews,
    /** Half of a swap is cancelled with its swap. */
    private readonly swaps: SwapService,
  ) {}

  private now(): number {
    return this.clock.nowMs();
  }

  async createOverride(
    actorId: string,
    input: { rotationId: string; userId: string; start: number; end: number; role?: Role; reason?: string | null },
  ): Promise<{ overrideId: number }> {
    const { actor, now, rotation } = await this.db.query(async (q) => {
      const actor = requireSelfOrAdmin(await loadActor(q, actorId), input.userId, 'set an override');
      const now = this.now();
      const errors = { ...checkWindow(input.start, input.end, now) };
      const rotation = (await loadRotations(this.db)).get(input.rotationId);
      if (!rotation) errors.rotation = 'Pick a rotation.';
      // Members only act for themselves (above), so this keeps people of other teams off this rotation's pager.
      else requireRotationMember(actor, await loadRotationMembers(this.db, rotation), 'take the pager of');
      if ((await loadActor(q, input.userId)) === null)
        errors.who = `${input.userId} is not a Baton user; add them under users in the config file.`;
      throwIfAny(errors);
      return { actor, now, rotation };
    });
    const overrideId = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(overrides)
        .values({
          rotationId: input.rotationId,
          userId: input.userId,
          role: input.role ?? 'primary',
          startAt: input.start,
          endAt: input.end,
          kind: 'override',
          reason: input.reason ?? null,
          createdBy: actor.id,
          createdAt: now,
        })
        .returning();
      await writeAudit(tx, { at: now, actor: actor.id, action: 'override.create', target: `rotation:${input.rotationId}`, after: row });
      const channel = await teamChannel(tx, rotation!.teamId);
      if (channel) {
        const notice = this.notices.overrideMade({
          ...input,
          role: input.role ?? 'primary',
          rotationName: rotation!.name,
          setBy: actor.id,
        });
        await enqueueNotice(tx, { kind: 'slack.message', channel, ...notice }, `override:${row!.id}:team`, now);
      }
      return row!.id;
    });
    this.wakeOutbox();
    return { overrideId };
  }

  /**
   * Cancels an override that has not ended: the person who holds it, whoever set it, or an admin. The team
   * channel is told, since the pager goes back to whoever the schedule says. Half of a swap cancels the
   * whole swap. Null when there is nothing left to cancel.
   */
  async cancelOverride(actorId: string, overrideId: number): Promise<CancelledChange | null> {
    const now = this.now();
    const found = await this.db.query(async (q) => {
      const [row] = await q
        .select()
        .from(overrides)
        .where(and(eq(overrides.id, overrideId), isNull(overrides.cancelledAt)))
        .limit(1);
      if (!row || row.endAt <= now) return null;
      const swapId = row.kind === 'swap' ? swapIdOf(row.reason) : null;
      if (swapId !== null) return { swapId } as const;
      const actor =
        row.createdBy === actorId
          ? requireKnown(await loadActor(q, actorId))
          : requireSelfOrAdmin(await loadActor(q, actorId), row.userId, 'cancel an override');
      return { row, actor } as const;
    });
    if (!found) return null;
    // Half of a swap: the swap is cancelled as a whole (its own transaction, so not inside the read above).
    if (found.swapId !== undefined) return (await this.swaps.cancelSwap(actorId, found.swapId)) ? 'swap' : null;
    const { row, actor } = found;
    const cancelled = await this.db.transaction(async (tx) => {
      // Only if still standing: another click (or node) may have cancelled it since the read above.
      const changed = await tx
        .update(overrides)
        .set({ cancelledAt: now, cancelledBy: actor.id })
        .where(and(eq(overrides.id, overrideId), isNull(overrides.cancelledAt)));
      if (changedRows(changed) === 0) return false;
      await writeAudit(tx, { at: now, actor: actor.id, action: 'override.cancel', target: `rotation:${row.rotationId}`, before: row });
      const rotation = (await loadRotations(this.db)).get(row.rotationId);
      const channel = rotation ? await teamChannel(tx, rotation.teamId) : null;
      if (channel) {
        const notice = this.notices.overrideCancelled({
          actorId: actor.id,
          userId: row.userId,
          kind: row.kind,
          rotationName: rotation!.name,
          start: row.startAt,
          end: row.endAt,
        });
        await enqueueNotice(tx, { kind: 'slack.message', channel, ...notice }, `override:${row.id}:cancel`, now);
      }
      return true;
    });
    if (!cancelled) return null;
    this.wakeOutbox();
    return 'override';
  }

  /**
   * What `actorId` may see and cancel of `ownerId`'s changes (upcomingChanges): their own, or anyone's for
   * an admin. PermissionDenied otherwise.
   */
  changesFor(actorId: string, ownerId: string): Promise<UpcomingChanges> {
    return this.db.query(async (q) => {
      const actor = requireKnown(await loadActor(q, actorId));
      if (ownerId !== actor.id) requireAdmin(actor, "see and cancel someone else's changes");
      return this.upcomingChanges(ownerId);
    });
  }

  /**
   * Overrides and time off not yet over that `userId` holds or set, the swaps they are one of the two of, and
   * the swaps they asked for that wait for an answer: what they may cancel or withdraw. A swap is listed once,
   * with both halves, not as two overrides.
   */
  upcomingChanges(userId: string): Promise<UpcomingChanges> {
    return this.db.query(async (q) => {
      const now = this.now();
      const rotationNames = new Map([...(await loadRotations(this.db)).values()].map((r) => [r.id, r.name]));
      const nameOf = (rotationId: string) => rotationNames.get(rotationId) ?? rotationId;
      const mine = await q
        .select()
        .from(overrides)
        .where(
          and(
            isNull(overrides.cancelledAt),
            gt(overrides.endAt, now),
            or(
              eq(overrides.userId, userId),
              eq(overrides.createdBy, userId),
              and(eq(overrides.kind, 'swap'), eq(overrides.replacesUserId, userId)),
            ),
          ),
        )
        .orderBy(asc(overrides.startAt));
      const swapIds = [
        ...new Set(mine.flatMap((o) => (o.kind === 'swap' ? [swapIdOf(o.reason)] : [])).filter((id): id is number => id !== null)),
      ];
      const swaps: SwapChange[] = [];
      for (const swapId of swapIds) {
        const swap = await findSwap(q, swapId);
        const halves = await swapHalves(q, swapId);
        if (swap?.status !== 'accepted') continue;
        swaps.push({
          swapId,
          rotationName: nameOf(swap.rotationId),
          requesterId: swap.requesterId,
          teammateId: swap.teammateId,
          halves: halves.map((o) => ({ overrideId: o.id, userId: o.userId, start: o.startAt, end: o.endAt })),
          cancellable: halves.every((o) => o.cancelledAt === null && o.endAt > now),
        });
      }
      const away = await q
        .select()
        .from(timeOff)
        .where(and(isNull(timeOff.cancelledAt), gt(timeOff.endAt, now), or(eq(timeOff.userId, userId), eq(timeOff.createdBy, userId))))
        .orderBy(asc(timeOff.startAt));
      const single = mine
        .filter((o) => o.kind !== 'swap' || swapIdOf(o.reason) === null)
        .map((o) => ({ ...o, rotationName: nameOf(o.rotationId) }));
      const asks: SwapAsk[] = (
        await q
          .select()
          .from(swapRequests)
          .where(and(eq(swapRequests.requesterId, userId), eq(swapRequests.status, 'pending'), gt(swapRequests.giveEnd, now)))
          .orderBy(asc(swapRequests.giveStart))
      ).map((r) => ({
        swapId: r.id,
        rotationName: nameOf(r.rotationId),
        teammateId: r.teammateId,
        give: { start: r.giveStart, end: r.giveEnd },
        take: r.takeStart !== null && r.takeEnd !== null ? { start: r.takeStart, end: r.takeEnd } : null,
      }));
      return { overrides: single, swaps, asks, timeOff: away };
    });
  }
}
