import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { loadRotationMembers } from './access.js';
import { loadActor } from './admins.js';
import type { DB } from '../db/client.js';
import { coverRequests, overrides, swapRequests, teams, timeOff, users } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { PermissionDenied, requireKnown, requireRotationMember, requireSelfOrAdmin, type Actor } from '../domain/permissions.js';
import { finalSchedule, layersOf, shiftsOf, timeOffCoverage, type Role } from '../domain/schedule.js';
import { checkWindow, InvalidChange, overlapping, throwIfAny } from '../domain/schedule-rules.js';
import { formatInZone } from '../domain/zoned-time.js';
import { writeAudit } from './audit.js';
import { loadRotations, type StoredRotation } from './directory.js';
import { loadAdjustments } from './oncall.js';
import { enqueueNotice } from './outbox.js';
import { slackDate as slackTime } from '../slack/views/format.js';

const DAY = 86_400_000;
/** How far ahead people pick shifts to swap or give away. */
export const SHIFT_PICK_HORIZON_DAYS = 28;

export interface ShiftChoice {
  rotationId: string;
  rotationName: string;
  userId: string;
  start: number;
  end: number;
}

export interface TimeOffPreview {
  userId: string;
  start: number;
  end: number;
  coverage: { rotationId: string; rotationName: string; start: number; end: number; role: Role; coveredBy: string | null }[];
}

export type SwapDecision =
  | { outcome: 'accepted'; swapId: number }
  | { outcome: 'declined'; swapId: number }
  | { outcome: 'already_decided'; status: string }
  | { outcome: 'not_found' }
  | { outcome: 'not_yours' }
  | { outcome: 'stale'; reason: string };

export type CoverTake =
  | { outcome: 'taken'; coverRequestId: number; overrideId: number }
  | { outcome: 'already_taken'; takenBy: string | null }
  | { outcome: 'not_found' }
  | { outcome: 'own_request' }
  | { outcome: 'expired' };

/**
 * Every change to the final schedule: overrides, time off, swaps and cover requests. Each checks the
 * actor's role, validates (errors name the field to fix), writes the change, its audit entry and the
 * notices it causes in one transaction, then kicks the outbox.
 */
export class ScheduleChangeService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly onQueued: () => void = () => {},
  ) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  actor(userId: string): Actor | null {
    return loadActor(this.db, userId);
  }

  private rotation(rotationId: string): StoredRotation | undefined {
    return loadRotations(this.db).get(rotationId);
  }

  private zoneOf(userId: string): string {
    return this.db.select({ tz: users.timeZone }).from(users).where(eq(users.id, userId)).get()?.tz ?? 'UTC';
  }

  private teamChannel(teamId: string): string | null {
    return this.db.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, teamId)).get()?.channel ?? null;
  }

  private isKnownUser(userId: string): boolean {
    return this.actor(userId) !== null;
  }

  /** The person's own primary shifts in the coming weeks, after overrides and time off. */
  upcomingShifts(userId: string, opts: { rotationId?: string; days?: number } = {}): ShiftChoice[] {
    return this.upcoming(opts.days ?? SHIFT_PICK_HORIZON_DAYS, opts.rotationId).filter((s) => s.userId === userId);
  }

  /** Everyone's upcoming primary shifts in the rotations the person takes part in, except their own. */
  teammatesShifts(userId: string, days = SHIFT_PICK_HORIZON_DAYS): ShiftChoice[] {
    const mine = new Set(
      [...loadRotations(this.db).values()].filter((r) => layersOf(r).some((l) => l.participants.includes(userId))).map((r) => r.id),
    );
    return this.upcoming(days).filter((s) => mine.has(s.rotationId) && s.userId !== userId);
  }

  private upcoming(days: number, rotationId?: string): ShiftChoice[] {
    const now = this.now();
    const to = now + days * DAY;
    const adjustments = loadAdjustments(this.db, now, to);
    const out: ShiftChoice[] = [];
    for (const rotation of loadRotations(this.db).values()) {
      if (rotationId && rotation.id !== rotationId) continue;
      const segments = finalSchedule(rotation, now, to, adjustments);
      const people = new Set(segments.flatMap((s) => (s.primary ? [s.primary.userId] : [])));
      for (const userId of people) {
        for (const stretch of shiftsOf(segments, userId)) {
          out.push({ rotationId: rotation.id, rotationName: rotation.name, userId, start: stretch.start, end: stretch.end });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start || a.rotationName.localeCompare(b.rotationName));
  }

  // --- overrides -------------------------------------------------------------------------------------

  createOverride(
    actorId: string,
    input: { rotationId: string; userId: string; start: number; end: number; role?: Role; reason?: string | null },
  ): { overrideId: number } {
    const actor = requireSelfOrAdmin(this.actor(actorId), input.userId, 'set an override');
    const now = this.now();
    const errors = { ...checkWindow(input.start, input.end, now) };
    const rotation = this.rotation(input.rotationId);
    if (!rotation) errors.rotation = 'Pick a rotation.';
    // Members only act for themselves (above), so this keeps people of other teams off this rotation's pager.
    else requireRotationMember(actor, loadRotationMembers(this.db, rotation), 'take the pager of');
    if (!this.isKnownUser(input.userId)) errors.who = `<@${input.userId}> is not a Baton user; add them under users in the config file.`;
    throwIfAny(errors);
    const overrideId = this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const row = tx
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
        .returning()
        .get();
      writeAudit(tx, { at: now, actor: actor.id, action: 'override.create', target: `rotation:${input.rotationId}`, after: row });
      const channel = this.teamChannel(rotation!.teamId);
      if (channel) {
        const zone = this.zoneOf(input.userId);
        const text = `:arrows_counterclockwise: <@${input.userId}> takes the ${input.role === 'secondary' ? 'secondary role' : 'pager'} for *${rotation!.name}* from ${formatInZone(input.start, zone)} to ${formatInZone(input.end, zone)}${actor.id !== input.userId ? ` (set by <@${actor.id}>)` : ''}.`;
        enqueueNotice(tx, { kind: 'slack.message', channel, text }, `override:${row.id}:team`, now);
      }
      return row.id;
    });
    this.onQueued();
    return { overrideId };
  }

  /**
   * Cancels an override that has not ended: the person who holds it, whoever set it, or an admin. The team
   * channel is told, since the pager goes back to whoever the schedule says.
   */
  cancelOverride(actorId: string, overrideId: number): boolean {
    const now = this.now();
    const row = this.db.select().from(overrides).where(and(eq(overrides.id, overrideId), isNull(overrides.cancelledAt))).get();
    if (!row || row.endAt <= now) return false;
    const actor = row.createdBy === actorId ? requireKnown(this.actor(actorId)) : requireSelfOrAdmin(this.actor(actorId), row.userId, 'cancel an override');
    this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      tx.update(overrides).set({ cancelledAt: now, cancelledBy: actor.id }).where(eq(overrides.id, overrideId)).run();
      writeAudit(tx, { at: now, actor: actor.id, action: 'override.cancel', target: `rotation:${row.rotationId}`, before: row });
      const rotation = this.rotation(row.rotationId);
      const channel = rotation ? this.teamChannel(rotation.teamId) : null;
      if (channel) {
        const zone = this.zoneOf(row.userId);
        const text = `:x: <@${actor.id}> cancelled <@${row.userId}>'s ${row.kind === 'override' ? 'override' : row.kind} on *${rotation!.name}* (${formatInZone(row.startAt, zone)} to ${formatInZone(row.endAt, zone)}); the schedule applies again.`;
        enqueueNotice(tx, { kind: 'slack.message', channel, text }, `override:${row.id}:cancel`, now);
      }
    });
    this.onQueued();
    return true;
  }

  /** Time off that has not ended: the person or an admin may cancel it; their shifts come back to them. */
  cancelTimeOff(actorId: string, timeOffId: number): boolean {
    const now = this.now();
    const row = this.db.select().from(timeOff).where(and(eq(timeOff.id, timeOffId), isNull(timeOff.cancelledAt))).get();
    if (!row || row.endAt <= now) return false;
    const actor = requireSelfOrAdmin(this.actor(actorId), row.userId, 'cancel time off');
    this.db.transaction(() => {
      this.db.update(timeOff).set({ cancelledAt: now, cancelledBy: actor.id }).where(eq(timeOff.id, timeOffId)).run();
      writeAudit(this.db, { at: now, actor: actor.id, action: 'time_off.cancel', target: `user:${row.userId}`, before: row });
    });
    return true;
  }

  /** Overrides and time off not yet over that `userId` holds or set: what they may cancel. */
  upcomingChanges(userId: string): { overrides: (typeof overrides.$inferSelect & { rotationName: string })[]; timeOff: (typeof timeOff.$inferSelect)[] } {
    const now = this.now();
    const rotationNames = new Map([...loadRotations(this.db).values()].map((r) => [r.id, r.name]));
    const mine = this.db
      .select()
      .from(overrides)
      .where(and(isNull(overrides.cancelledAt), gt(overrides.endAt, now), or(eq(overrides.userId, userId), eq(overrides.createdBy, userId))))
      .orderBy(asc(overrides.startAt))
      .all()
      .map((o) => ({ ...o, rotationName: rotationNames.get(o.rotationId) ?? o.rotationId }));
    const away = this.db
      .select()
      .from(timeOff)
      .where(and(isNull(timeOff.cancelledAt), gt(timeOff.endAt, now), or(eq(timeOff.userId, userId), eq(timeOff.createdBy, userId))))
      .orderBy(asc(timeOff.startAt))
      .all();
    return { overrides: mine, timeOff: away };
  }

  // --- time off --------------------------------------------------------------------------------------

  private checkTimeOff(actorId: string, input: { userId: string; start: number; end: number }): Actor {
    const actor = requireSelfOrAdmin(this.actor(actorId), input.userId, 'book time off');
    const errors = checkWindow(input.start, input.end, this.now());
    if (Object.keys(errors).length === 0) {
      const existing = this.db
        .select({ start: timeOff.startAt, end: timeOff.endAt })
        .from(timeOff)
        .where(and(eq(timeOff.userId, input.userId), isNull(timeOff.cancelledAt)))
        .all();
      const clash = overlapping(existing, input.start, input.end);
      if (clash) {
        const zone = this.zoneOf(input.userId);
        errors.from = `Overlaps time off already booked from ${formatInZone(clash.start, zone)} to ${formatInZone(clash.end, zone)}.`;
      }
    }
    throwIfAny(errors);
    return actor;
  }

  /** Who will cover which shifts while the person is away; nothing is saved. */
  previewTimeOff(actorId: string, input: { userId: string; start: number; end: number }): TimeOffPreview {
    this.checkTimeOff(actorId, input);
    const adjustments = loadAdjustments(this.db, input.start, input.end);
    const coverage: TimeOffPreview['coverage'] = [];
    for (const rotation of loadRotations(this.db).values()) {
      for (const c of timeOffCoverage(rotation, { id: 0, ...input }, adjustments)) {
        coverage.push({ rotationId: rotation.id, rotationName: rotation.name, ...c });
      }
    }
    coverage.sort((a, b) => a.start - b.start || a.rotationName.localeCompare(b.rotationName));
    return { ...input, coverage };
  }

  createTimeOff(actorId: string, input: { userId: string; start: number; end: number; reason?: string | null }): { timeOffId: number; preview: TimeOffPreview } {
    const preview = this.previewTimeOff(actorId, input);
    const now = this.now();
    const timeOffId = this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const row = tx
        .insert(timeOff)
        .values({ userId: input.userId, startAt: input.start, endAt: input.end, reason: input.reason ?? null, createdBy: actorId, createdAt: now })
        .returning()
        .get();
      writeAudit(tx, { at: now, actor: actorId, action: 'time_off.create', target: `user:${input.userId}`, after: row });
      // Everyone who will cover a shift is told, once per time off.
      const covers = new Map<string, TimeOffPreview['coverage']>();
      for (const c of preview.coverage) if (c.coveredBy) covers.set(c.coveredBy, [...(covers.get(c.coveredBy) ?? []), c]);
      for (const [coverId, items] of covers) {
        const zone = this.zoneOf(coverId);
        const lines = items.map((c) => `• *${c.rotationName}* ${c.role}: ${formatInZone(c.start, zone)} → ${formatInZone(c.end, zone)}`);
        const text = `:palm_tree: <@${input.userId}> is away, so you cover:\n${lines.join('\n')}`;
        enqueueNotice(tx, { kind: 'slack.message', channel: coverId, text }, `timeoff:${row.id}:cover:${coverId}`, now);
      }
      return row.id;
    });
    this.onQueued();
    return { timeOffId, preview };
  }

  // --- swaps -----------------------------------------------------------------------------------------

  /**
   * Proposes that `teammateId` takes the requester's shift `give` and, when `take` is set, the requester
   * takes the teammate's shift in return. The teammate is asked by DM; nothing changes until they accept.
   */
  requestSwap(
    actorId: string,
    input: { rotationId: string; teammateId: string; give: { start: number; end: number }; take?: { start: number; end: number } | null },
  ): { swapId: number } {
    const actor = requireKnown(this.actor(actorId));
    const now = this.now();
    const errors: Record<string, string> = {};
    const rotation = this.rotation(input.rotationId);
    if (!rotation) throw new InvalidChange({ my_shift: 'Pick one of your shifts.' });
    const participants = new Set(layersOf(rotation).flatMap((l) => l.participants));
    if (input.teammateId === actor.id) errors.teammate = 'You cannot swap with yourself; pick a teammate.';
    else if (!participants.has(input.teammateId)) errors.teammate = `<@${input.teammateId}> is not in the ${rotation.name} rotation.`;
    const mine = this.upcomingShifts(actor.id, { rotationId: rotation.id });
    if (!mine.some((s) => s.start === input.give.start && s.end === input.give.end)) errors.my_shift = 'That is not one of your upcoming shifts any more.';
    if (input.take && !errors.teammate) {
      const theirs = this.upcomingShifts(input.teammateId, { rotationId: rotation.id });
      if (!theirs.some((s) => s.start === input.take!.start && s.end === input.take!.end)) {
        errors.their_shift = `That is not one of <@${input.teammateId}>'s upcoming shifts in ${rotation.name}.`;
      }
    }
    throwIfAny(errors);
    const swapId = this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const row = tx
        .insert(swapRequests)
        .values({
          rotationId: rotation.id,
          requesterId: actor.id,
          teammateId: input.teammateId,
          giveStart: input.give.start,
          giveEnd: input.give.end,
          takeStart: input.take?.start ?? null,
          takeEnd: input.take?.end ?? null,
          status: 'pending',
          createdAt: now,
        })
        .returning()
        .get();
      writeAudit(tx, { at: now, actor: actor.id, action: 'swap.request', target: `rotation:${rotation.id}`, after: row });
      enqueueNotice(tx, { kind: 'slack.swap_ask', swapId: row.id, channel: input.teammateId }, `swap:${row.id}:ask`, now);
      return row.id;
    });
    this.onQueued();
    return { swapId };
  }

  swapRequest(swapId: number) {
    return this.db.select().from(swapRequests).where(eq(swapRequests.id, swapId)).get();
  }

  /** The teammate accepts (both overrides are made) or declines; only they can, and only once. */
  decideSwap(actorId: string, swapId: number, accept: boolean): SwapDecision {
    const now = this.now();
    const result = this.db.transaction((): SwapDecision => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const swap = tx.select().from(swapRequests).where(eq(swapRequests.id, swapId)).get();
      if (!swap) return { outcome: 'not_found' };
      if (swap.teammateId !== actorId) return { outcome: 'not_yours' };
      if (swap.status !== 'pending') return { outcome: 'already_decided', status: swap.status };
      if (accept && swap.giveEnd <= now) {
        tx.update(swapRequests).set({ status: 'expired', decidedAt: now }).where(eq(swapRequests.id, swapId)).run();
        return { outcome: 'stale', reason: 'The shift is already over.' };
      }
      const rotation = loadRotations(tx).get(swap.rotationId);
      if (!rotation) return { outcome: 'not_found' };
      tx.update(swapRequests).set({ status: accept ? 'accepted' : 'declined', decidedAt: now }).where(eq(swapRequests.id, swapId)).run();
      writeAudit(tx, {
        at: now,
        actor: actorId,
        action: accept ? 'swap.accept' : 'swap.decline',
        target: `rotation:${swap.rotationId}`,
        before: swap,
        after: { ...swap, status: accept ? 'accepted' : 'declined', decidedAt: now },
      });
      const requesterZone = this.zoneOf(swap.requesterId);
      const window = `${formatInZone(swap.giveStart, requesterZone)} → ${formatInZone(swap.giveEnd, requesterZone)}`;
      if (!accept) {
        enqueueNotice(
          tx,
          { kind: 'slack.message', channel: swap.requesterId, text: `<@${swap.teammateId}> declined to swap your *${rotation.name}* shift ${window}.` },
          `swap:${swap.id}:declined`,
          now,
        );
        return { outcome: 'declined', swapId };
      }
      const made = [
        { userId: swap.teammateId, replaces: swap.requesterId, start: swap.giveStart, end: swap.giveEnd },
        ...(swap.takeStart !== null && swap.takeEnd !== null
          ? [{ userId: swap.requesterId, replaces: swap.teammateId, start: swap.takeStart, end: swap.takeEnd }]
          : []),
      ];
      for (const o of made) {
        const row = tx
          .insert(overrides)
          .values({
            rotationId: swap.rotationId,
            userId: o.userId,
            role: 'primary',
            startAt: Math.max(o.start, now),
            endAt: o.end,
            kind: 'swap',
            replacesUserId: o.replaces,
            reason: `swap #${swap.id}`,
            createdBy: actorId,
            createdAt: now,
          })
          .returning()
          .get();
        writeAudit(tx, { at: now, actor: actorId, action: 'override.create', target: `rotation:${swap.rotationId}`, after: row });
      }
      const back =
        swap.takeStart !== null && swap.takeEnd !== null
          ? `, and you take theirs ${formatInZone(swap.takeStart, requesterZone)} → ${formatInZone(swap.takeEnd, requesterZone)}`
          : '';
      enqueueNotice(
        tx,
        { kind: 'slack.message', channel: swap.requesterId, text: `:white_check_mark: <@${swap.teammateId}> accepted: they take your *${rotation.name}* shift ${window}${back}.` },
        `swap:${swap.id}:accepted:requester`,
        now,
      );
      const teammateZone = this.zoneOf(swap.teammateId);
      enqueueNotice(
        tx,
        {
          kind: 'slack.message',
          channel: swap.teammateId,
          text: `:white_check_mark: Swap done: you hold *${rotation.name}* ${formatInZone(swap.giveStart, teammateZone)} → ${formatInZone(swap.giveEnd, teammateZone)}${swap.takeStart !== null && swap.takeEnd !== null ? `; <@${swap.requesterId}> holds ${formatInZone(swap.takeStart, teammateZone)} → ${formatInZone(swap.takeEnd, teammateZone)}` : ''}.`,
        },
        `swap:${swap.id}:accepted:teammate`,
        now,
      );
      const channel = this.teamChannel(rotation.teamId);
      if (channel) {
        enqueueNotice(
          tx,
          {
            kind: 'slack.message',
            channel,
            text: `:arrows_counterclockwise: Swap in *${rotation.name}*: <@${swap.teammateId}> covers <@${swap.requesterId}> from ${slackTime(swap.giveStart)} to ${slackTime(swap.giveEnd)}${swap.takeStart !== null && swap.takeEnd !== null ? `; <@${swap.requesterId}> covers <@${swap.teammateId}> from ${slackTime(swap.takeStart)} to ${slackTime(swap.takeEnd)}` : ''}.`,
          },
          `swap:${swap.id}:accepted:team`,
          now,
        );
      }
      return { outcome: 'accepted', swapId };
    });
    if (result.outcome === 'accepted' || result.outcome === 'declined') this.onQueued();
    return result;
  }

  // --- cover requests --------------------------------------------------------------------------------

  requestCover(actorId: string, input: { rotationId: string; start: number; end: number; note?: string | null }): { coverRequestId: number } {
    const actor = requireKnown(this.actor(actorId));
    const now = this.now();
    const rotation = this.rotation(input.rotationId);
    if (!rotation) throw new InvalidChange({ my_shift: 'Pick one of your shifts.' });
    const errors = checkWindow(input.start, input.end, now, { from: 'my_shift', to: 'my_shift' });
    const mine = this.upcomingShifts(actor.id, { rotationId: rotation.id });
    if (!errors.my_shift && !mine.some((s) => s.start <= input.start && input.end <= s.end)) {
      errors.my_shift = 'That is not one of your upcoming shifts any more.';
    }
    throwIfAny(errors);
    const channel = this.teamChannel(rotation.teamId);
    if (!channel) throw new PermissionDenied(`The ${rotation.name} rotation's team has no Slack channel to ask in.`);
    const coverRequestId = this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const row = tx
        .insert(coverRequests)
        .values({
          rotationId: rotation.id,
          requesterId: actor.id,
          startAt: Math.max(input.start, now),
          endAt: input.end,
          note: input.note ?? null,
          status: 'open',
          createdAt: now,
        })
        .returning()
        .get();
      writeAudit(tx, { at: now, actor: actor.id, action: 'cover.request', target: `rotation:${rotation.id}`, after: row });
      enqueueNotice(tx, { kind: 'slack.cover_post', coverRequestId: row.id, channel }, `cover:${row.id}:post`, now);
      return row.id;
    });
    this.onQueued();
    return { coverRequestId };
  }

  coverRequest(id: number) {
    return this.db.select().from(coverRequests).where(eq(coverRequests.id, id)).get();
  }

  /** The first taker gets the override; everyone after is told it is taken. */
  takeCover(actorId: string, coverRequestId: number): CoverTake {
    const actor = requireKnown(this.actor(actorId));
    const now = this.now();
    const result = this.db.transaction((): CoverTake => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      const request = tx.select().from(coverRequests).where(eq(coverRequests.id, coverRequestId)).get();
      if (!request) return { outcome: 'not_found' };
      if (request.status === 'taken') return { outcome: 'already_taken', takenBy: request.takenBy };
      if (request.status !== 'open') return { outcome: 'already_taken', takenBy: null };
      if (request.requesterId === actor.id) return { outcome: 'own_request' };
      // Taking cover is an override like any other: only the rotation's team (or an admin) may hold its pager.
      const rotation = loadRotations(tx).get(request.rotationId);
      if (rotation) requireRotationMember(actor, loadRotationMembers(tx, rotation), 'cover a shift of');
      if (request.endAt <= now) {
        tx.update(coverRequests).set({ status: 'expired' }).where(eq(coverRequests.id, request.id)).run();
        enqueueNotice(tx, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:expired`, now);
        return { outcome: 'expired' };
      }
      // The status check in the WHERE makes the first click win even if two arrive together.
      const claimed = tx
        .update(coverRequests)
        .set({ status: 'taken', takenBy: actor.id, takenAt: now })
        .where(and(eq(coverRequests.id, request.id), eq(coverRequests.status, 'open')))
        .run().changes;
      if (claimed === 0) return { outcome: 'already_taken', takenBy: null };
      const override = tx
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
      writeAudit(tx, { at: now, actor: actor.id, action: 'cover.take', target: `rotation:${request.rotationId}`, before: request, after: { ...request, status: 'taken', takenBy: actor.id, takenAt: now } });
      writeAudit(tx, { at: now, actor: actor.id, action: 'override.create', target: `rotation:${request.rotationId}`, after: override });
      enqueueNotice(tx, { kind: 'slack.cover_refresh', coverRequestId: request.id }, `cover:${request.id}:taken:refresh`, now);
      enqueueNotice(
        tx,
        {
          kind: 'slack.cover_thread',
          coverRequestId: request.id,
          text: `<@${request.requesterId}>: <@${actor.id}> takes your shift from ${slackTime(request.startAt)} to ${slackTime(request.endAt)}.`,
        },
        `cover:${request.id}:taken:thread`,
        now,
      );
      return { outcome: 'taken', coverRequestId: request.id, overrideId: override.id };
    });
    if (result.outcome === 'taken' || result.outcome === 'expired') this.onQueued();
    return result;
  }
}
