import { and, eq } from 'drizzle-orm';
import { changedRows, type DB } from '../../db/client.js';
import { overrides, swapRequests } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput, PermissionDenied, throwIfAny } from '../../domain/errors.js';
import { requireKnown } from '../../domain/permissions.js';
import { layersOf } from '../../domain/schedule.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations } from '../directory.js';
import { enqueueNotice } from '../outbox.js';
import { loadActor } from '../admin/people.js';
import type { ScheduleNoticeViews, SwapCancelled, SwapDecided } from './notices.js';
import { findSwap, nameOf, swapHalves, swapReason, teamChannel, zoneOf, type SwapRequest } from './shared.js';
import type { ShiftPicker } from './shift-picker.js';
import { swapAskKey } from './swap-asks.js';

export type { SwapRequest } from './shared.js';

export type SwapDecision =
  | { outcome: 'accepted'; swapId: number }
  | { outcome: 'declined'; swapId: number }
  | { outcome: 'already_decided'; status: string }
  | { outcome: 'not_found' }
  | { outcome: 'not_yours' }
  | { outcome: 'stale'; reason: string };

/**
 * Swaps: a person asks a teammate to take one of their shifts (and maybe give one back); the teammate
 * accepts or declines by DM; until they answer, the requester (or an admin) may withdraw the request; either
 * of the two, or an admin, may cancel an accepted swap as a whole.
 */
export class SwapService {
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

  /**
   * Proposes that `teammateId` takes the rest of the requester's shift `give` and, when `take` is set, the
   * requester takes the teammate's shift in return. Shifts are named by their scheduled start; what is left
   * of them is handed over (from now, for one under way). The teammate is asked by DM; nothing changes
   * until they accept.
   */
  async requestSwap(
    actorId: string,
    input: { rotationId: string; teammateId: string; give: { scheduledStart: number }; take?: { scheduledStart: number } | null },
  ): Promise<{ swapId: number }> {
    const { actor, now, rotation, give, take } = await this.db.query(async (q) => {
      const actor = requireKnown(await loadActor(q, actorId));
      const now = this.now();
      const errors: Record<string, string> = {};
      const rotation = (await loadRotations(this.db)).get(input.rotationId);
      if (!rotation) throw new InvalidInput({ my_shift: 'Pick one of your shifts.' });
      const participants = new Set(layersOf(rotation).flatMap((l) => l.participants));
      if (input.teammateId === actor.id) errors.teammate = 'You cannot swap with yourself; pick a teammate.';
      else if (!participants.has(input.teammateId))
        errors.teammate = `${await nameOf(q, input.teammateId)} is not in the ${rotation.name} rotation.`;
      const give = await this.shifts.shiftStartingAt(actor.id, rotation.id, input.give.scheduledStart);
      if (!give) errors.my_shift = 'That is not one of your upcoming shifts any more.';
      const take =
        input.take && !errors.teammate ? await this.shifts.shiftStartingAt(input.teammateId, rotation.id, input.take.scheduledStart) : null;
      if (input.take && !errors.teammate && !take)
        errors.their_shift = `That is not one of ${await nameOf(q, input.teammateId)}'s upcoming shifts in ${rotation.name}.`;
      throwIfAny(errors);
      return { actor, now, rotation, give, take };
    });
    const swapId = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(swapRequests)
        .values({
          rotationId: rotation.id,
          requesterId: actor.id,
          teammateId: input.teammateId,
          giveStart: give!.start,
          giveEnd: give!.end,
          takeStart: take?.start ?? null,
          takeEnd: take?.end ?? null,
          status: 'pending',
          createdAt: now,
        })
        .returning();
      await writeAudit(tx, { at: now, actor: actor.id, action: 'swap.request', target: `rotation:${rotation.id}`, after: row });
      await enqueueNotice(tx, { kind: 'slack.swap_ask', swapId: row!.id, channel: input.teammateId }, swapAskKey(row!.id), now);
      return row!.id;
    });
    this.wakeOutbox();
    return { swapId };
  }

  swapRequest(swapId: number): Promise<SwapRequest | undefined> {
    return this.db.query((q) => findSwap(q, swapId));
  }

  /** The teammate accepts (both overrides are made) or declines; only they can, and only once. */
  async decideSwap(actorId: string, swapId: number, accept: boolean): Promise<SwapDecision> {
    const now = this.now();
    const result = await this.db.transaction(async (tx): Promise<SwapDecision> => {
      const swap = await findSwap(tx, swapId);
      if (!swap) return { outcome: 'not_found' };
      if (swap.teammateId !== actorId) return { outcome: 'not_yours' };
      if (swap.status !== 'pending') return { outcome: 'already_decided', status: swap.status };
      if (accept && swap.giveEnd <= now) {
        await tx.update(swapRequests).set({ status: 'expired', decidedAt: now }).where(eq(swapRequests.id, swapId));
        return { outcome: 'stale', reason: 'The shift is already over.' };
      }
      const rotation = (await loadRotations(this.db)).get(swap.rotationId);
      if (!rotation) return { outcome: 'not_found' };
      await tx
        .update(swapRequests)
        .set({ status: accept ? 'accepted' : 'declined', decidedAt: now })
        .where(eq(swapRequests.id, swapId));
      await writeAudit(tx, {
        at: now,
        actor: actorId,
        action: accept ? 'swap.accept' : 'swap.decline',
        target: `rotation:${swap.rotationId}`,
        before: swap,
        after: { ...swap, status: accept ? 'accepted' : 'declined', decidedAt: now },
      });
      const decided: SwapDecided = {
        requesterId: swap.requesterId,
        teammateId: swap.teammateId,
        rotationName: rotation.name,
        give: { start: swap.giveStart, end: swap.giveEnd },
        take: swap.takeStart !== null && swap.takeEnd !== null ? { start: swap.takeStart, end: swap.takeEnd } : null,
      };
      const requesterZone = await zoneOf(tx, swap.requesterId);
      if (!accept) {
        const dm = this.notices.swapDeclinedDM(decided, requesterZone);
        await enqueueNotice(tx, { kind: 'slack.message', channel: swap.requesterId, ...dm }, `swap:${swap.id}:declined`, now);
        return { outcome: 'declined', swapId };
      }
      const made = [
        { userId: swap.teammateId, replaces: swap.requesterId, ...decided.give },
        ...(decided.take ? [{ userId: swap.requesterId, replaces: swap.teammateId, ...decided.take }] : []),
      ];
      for (const o of made) {
        const [row] = await tx
          .insert(overrides)
          .values({
            rotationId: swap.rotationId,
            userId: o.userId,
            role: 'primary',
            startAt: Math.max(o.start, now),
            endAt: o.end,
            kind: 'swap',
            replacesUserId: o.replaces,
            reason: swapReason(swap.id),
            createdBy: actorId,
            createdAt: now,
          })
          .returning();
        await writeAudit(tx, { at: now, actor: actorId, action: 'override.create', target: `rotation:${swap.rotationId}`, after: row });
      }
      const toRequester = this.notices.swapAcceptedDM(decided, requesterZone);
      await enqueueNotice(
        tx,
        { kind: 'slack.message', channel: swap.requesterId, ...toRequester },
        `swap:${swap.id}:accepted:requester`,
        now,
      );
      const toTeammate = this.notices.swapDoneDM(decided, await zoneOf(tx, swap.teammateId));
      await enqueueNotice(tx, { kind: 'slack.message', channel: swap.teammateId, ...toTeammate }, `swap:${swap.id}:accepted:teammate`, now);
      const channel = await teamChannel(tx, rotation.teamId);
      if (channel)
        await enqueueNotice(
          tx,
          { kind: 'slack.message', channel, ...this.notices.swapAcceptedPost(decided) },
          `swap:${swap.id}:accepted:team`,
          now,
        );
      return { outcome: 'accepted', swapId };
    });
    if (result.outcome === 'accepted' || result.outcome === 'declined') this.wakeOutbox();
    return result;
  }

  /**
   * Withdraws a request the teammate has not answered yet: their Accept then does nothing, and the ask DM says
   * it was withdrawn. The requester or an admin may. False when it was answered (or withdrawn) already.
   */
  async withdrawSwap(actorId: string, swapId: number): Promise<boolean> {
    const now = this.now();
    const found = await this.db.query(async (q) => {
      const swap = await findSwap(q, swapId);
      if (swap?.status !== 'pending') return null;
      const actor = requireKnown(await loadActor(q, actorId));
      if (actor.role !== 'admin' && actor.id !== swap.requesterId) {
        throw new PermissionDenied('Only whoever asked for a swap, or an admin, can withdraw the request.');
      }
      return { swap, actor };
    });
    if (!found) return false;
    const { swap, actor } = found;
    const withdrawn = await this.db.transaction(async (tx) => {
      // Only if still unanswered: the teammate may have accepted since the read above.
      const taken = await tx
        .update(swapRequests)
        .set({ status: 'withdrawn', decidedAt: now })
        .where(and(eq(swapRequests.id, swapId), eq(swapRequests.status, 'pending')));
      if (changedRows(taken) === 0) return false;
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: 'swap.withdraw',
        target: `rotation:${swap.rotationId}`,
        before: swap,
        after: { ...swap, status: 'withdrawn', decidedAt: now },
      });
      await enqueueNotice(tx, { kind: 'slack.swap_ask_refresh', swapId }, `swap:${swapId}:ask-refresh:withdrawn`, now);
      return true;
    });
    if (withdrawn) this.wakeOutbox();
    return withdrawn;
  }

  /**
   * Cancels an accepted swap as a whole: both its overrides, so nobody is left holding a shift they took in
   * return for one given back. Either of the two or an admin may, until a half is over: what was held
   * cannot be handed back. Both people and the team channel are told. False when nothing is left to cancel.
   */
  async cancelSwap(actorId: string, swapId: number): Promise<boolean> {
    const now = this.now();
    const found = await this.db.query(async (q) => {
      const swap = await findSwap(q, swapId);
      const halves = await swapHalves(q, swapId);
      if (swap?.status !== 'accepted' || halves.every((o) => o.cancelledAt !== null || o.endAt <= now)) return null;
      const actor = requireKnown(await loadActor(q, actorId));
      if (actor.role !== 'admin' && actor.id !== swap.requesterId && actor.id !== swap.teammateId) {
        throw new PermissionDenied('Only the two people of a swap, or an admin, can cancel it.');
      }
      if (halves.some((o) => o.cancelledAt !== null || o.endAt <= now)) {
        throw new PermissionDenied('Half of this swap is already over, so it stands; set an override to change the rest.');
      }
      const rotation = (await loadRotations(this.db)).get(swap.rotationId);
      return { swap, halves, actor, rotation };
    });
    if (!found) return false;
    const { swap, halves, actor, rotation } = found;
    const cancelled = await this.db.transaction(async (tx) => {
      // First, and only if still accepted: another click (or node) may have cancelled it since the read above.
      const taken = await tx
        .update(swapRequests)
        .set({ status: 'cancelled' })
        .where(and(eq(swapRequests.id, swapId), eq(swapRequests.status, 'accepted')));
      if (changedRows(taken) === 0) return false;
      for (const half of halves) {
        await tx.update(overrides).set({ cancelledAt: now, cancelledBy: actor.id }).where(eq(overrides.id, half.id));
        await writeAudit(tx, { at: now, actor: actor.id, action: 'override.cancel', target: `rotation:${swap.rotationId}`, before: half });
      }
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: 'swap.cancel',
        target: `rotation:${swap.rotationId}`,
        before: swap,
        after: { ...swap, status: 'cancelled' },
      });
      const change: SwapCancelled = {
        actorId: actor.id,
        requesterId: swap.requesterId,
        teammateId: swap.teammateId,
        rotationName: rotation?.name ?? swap.rotationId,
        halves: halves.map((o) => ({ userId: o.userId, start: o.startAt, end: o.endAt })),
      };
      for (const person of [swap.requesterId, swap.teammateId]) {
        const dm = this.notices.swapCancelledDM(change, person, await zoneOf(tx, person));
        await enqueueNotice(tx, { kind: 'slack.message', channel: person, ...dm }, `swap:${swapId}:cancel:${person}`, now);
      }
      const channel = rotation ? await teamChannel(tx, rotation.teamId) : null;
      if (channel)
        await enqueueNotice(
          tx,
          { kind: 'slack.message', channel, ...this.notices.swapCancelledPost(change) },
          `swap:${swapId}:cancel:team`,
          now,
        );
      await enqueueNotice(tx, { kind: 'slack.swap_ask_refresh', swapId }, `swap:${swapId}:ask-refresh:cancelled`, now);
      return true;
    });
    if (!cancelled) return false;
    this.wakeOutbox();
    return true;
  }
}
