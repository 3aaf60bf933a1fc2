import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { loadRotationMembers } from './access.js';
import { loadActor } from './admins.js';
import type { DB } from '../db/client.js';
import { coverRequests, overrides, swapRequests, teams, timeOff, users } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { PermissionDenied, requireKnown, requireRotationMember, requireSelfOrAdmin, type Actor } from '../domain/permissions.js';
import { nominalShiftMs } from '../domain/rotation.js';
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

/**
 * A stretch a person holds a rotation's pager. It is named by what does not move as time passes: the
 * rotation, the holder and its scheduled start; what is left of it (`start`) and its end are read fresh.
 */
export interface ShiftChoice {
  rotationId: string;
  rotationName: string;
  userId: string;
  /** When the holder took the pager, by the schedule (in the past for the shift under way). */
  scheduledStart: number;
  /** What is still to come of it: now, for the shift under way, else its scheduled start. */
  start: number;
  /** Its end, also when that lies past the pick horizon. */
  end: number;
}

/** A shift as listed, and whether it was held since before the look-back (so its scheduled start is a cut). */
type ListedShift = ShiftChoice & { heldSinceBefore: boolean };

/** An accepted swap still to come or under way, with its overrides ("halves"), as a person may cancel it. */
export interface SwapChange {
  swapId: number;
  rotationName: string;
  requesterId: string;
  teammateId: string;
  halves: { overrideId: number; userId: string; start: number; end: number }[];
  /** False once a half is over or cancelled: a swap is cancelled whole or not at all. */
  cancellable: boolean;
}

export type CancelledChange = 'override' | 'swap';

/** A notice as the outbox posts it. */
export interface NoticeText {
  text: string;
  blocks?: unknown[];
}

export interface OverrideMade {
  userId: string;
  role: Role;
  rotationName: string;
  start: number;
  end: number;
  setBy: string;
}

export interface OverrideCancelled {
  actorId: string;
  userId: string;
  kind: 'override' | 'swap' | 'cover';
  rotationName: string;
  start: number;
  end: number;
}

export interface SwapCancelled {
  actorId: string;
  requesterId: string;
  teammateId: string;
  rotationName: string;
  halves: { userId: string; start: number; end: number }[];
}

/**
 * The words of the notices this service queues. They are Slack copy, so they live in the Slack views; the
 * composition root hands them in, and the service only says what happened.
 */
export interface ScheduleNoticeViews {
  /** The team channel: someone takes the pager. */
  overrideMade(n: OverrideMade): NoticeText;
  /** The team channel: an override is cancelled. */
  overrideCancelled(n: OverrideCancelled): NoticeText;
  /** One of the two people of a cancelled swap, by DM, in their zone. */
  swapCancelledDM(n: SwapCancelled, recipientId: string, zone: string): NoticeText;
  /** The team channel: a swap is cancelled. */
  swapCancelledPost(n: SwapCancelled): NoticeText;
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
    private readonly onQueued: () => void,
    private readonly notices: ScheduleNoticeViews,
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

  /** The person's primary shifts under way or starting in the coming weeks, after overrides and time off. */
  upcomingShifts(userId: string, opts: { rotationId?: string; days?: number } = {}): ShiftChoice[] {
    return this.upcoming(opts.days ?? SHIFT_PICK_HORIZON_DAYS, opts.rotationId).filter((s) => s.userId === userId);
  }

  /** The other participants of the rotations the person has shifts in: whom they may swap with. */
  swapTeammates(userId: string): string[] {
    const mine = new Set(this.upcomingShifts(userId).map((s) => s.rotationId));
    const rotations = [...loadRotations(this.db).values()].filter((r) => mine.has(r.id));
    return [...new Set(rotations.flatMap((r) => layersOf(r).flatMap((l) => l.participants)))].filter((id) => id !== userId);
  }

  /**
   * The person's shift in a rotation that began at `scheduledStart`, as it stands now; undefined when the
   * schedule no longer gives them one starting then.
   */
  private shiftStartingAt(userId: string, rotationId: string, scheduledStart: number): ShiftChoice | undefined {
    const shifts = this.upcoming(SHIFT_PICK_HORIZON_DAYS, rotationId).filter((s) => s.userId === userId);
    // A stretch held since before the look-back shows the look-back's start, which moves on with the clock.
    return shifts.find((s) => s.scheduledStart === scheduledStart || (s.heldSinceBefore && scheduledStart < s.scheduledStart));
  }

  /**
   * Every stretch someone holds the pager that is under way or starts within `days`, each whole: the one
   * under way from when it began, the last one to its end past the horizon. The schedule is read a longest
   * shift (and a day) beyond both ends, so only a stretch longer than that is cut.
   */
  private upcoming(days: number, rotationId?: string): ListedShift[] {
    const now = this.now();
    const to = now + days * DAY;
    const rotations = [...loadRotations(this.db).values()].filter((r) => !rotationId || r.id === rotationId);
    const reachOf = (r: StoredRotation) => Math.max(...layersOf(r).map(nominalShiftMs)) + DAY;
    const reach = Math.max(0, ...rotations.map(reachOf));
    const adjustments = loadAdjustments(this.db, now - reach, to + reach);
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
        const notice = this.notices.overrideMade({ ...input, role: input.role ?? 'primary', rotationName: rotation!.name, setBy: actor.id });
        enqueueNotice(tx, { kind: 'slack.message', channel, ...notice }, `override:${row.id}:team`, now);
      }
      return row.id;
    });
    this.onQueued();
    return { overrideId };
  }

  /**
   * Cancels an override that has not ended: the person who holds it, whoever set it, or an admin. The team
   * channel is told, since the pager goes back to whoever the schedule says. Half of a swap cancels the
   * whole swap. Null when there is nothing left to cancel.
   */
  cancelOverride(actorId: string, overrideId: number): CancelledChange | null {
    const now = this.now();
    const row = this.db.select().from(overrides).where(and(eq(overrides.id, overrideId), isNull(overrides.cancelledAt))).get();
    if (!row || row.endAt <= now) return null;
    const swapId = row.kind === 'swap' ? swapIdOf(row.reason) : null;
    if (swapId !== null) return this.cancelSwap(actorId, swapId) ? 'swap' : null;
    const actor = row.createdBy === actorId ? requireKnown(this.actor(actorId)) : requireSelfOrAdmin(this.actor(actorId), row.userId, 'cancel an override');
    this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      tx.update(overrides).set({ cancelledAt: now, cancelledBy: actor.id }).where(eq(overrides.id, overrideId)).run();
      writeAudit(tx, { at: now, actor: actor.id, action: 'override.cancel', target: `rotation:${row.rotationId}`, before: row });
      const rotation = this.rotation(row.rotationId);
      const channel = rotation ? this.teamChannel(rotation.teamId) : null;
      if (channel) {
        const notice = this.notices.overrideCancelled({ actorId: actor.id, userId: row.userId, kind: row.kind, rotationName: rotation!.name, start: row.startAt, end: row.endAt });
        enqueueNotice(tx, { kind: 'slack.message', channel, ...notice }, `override:${row.id}:cancel`, now);
      }
    });
    this.onQueued();
    return 'override';
  }

  /** The overrides an accepted swap made, cancelled or not. */
  private swapHalves(swapId: number) {
    return this.db
      .select()
      .from(overrides)
      .where(and(eq(overrides.kind, 'swap'), eq(overrides.reason, swapReason(swapId))))
      .orderBy(asc(overrides.startAt))
      .all();
  }

  /**
   * Cancels an accepted swap as a whole: both its overrides, so nobody is left holding a shift they took in
   * return for one given back. Either of the two or an admin may, until a half is over: what was held
   * cannot be handed back. Both people and the team channel are told. False when nothing is left to cancel.
   */
  cancelSwap(actorId: string, swapId: number): boolean {
    const now = this.now();
    const swap = this.swapRequest(swapId);
    const halves = this.swapHalves(swapId);
    if (!swap || swap.status !== 'accepted' || halves.every((o) => o.cancelledAt !== null || o.endAt <= now)) return false;
    const actor = requireKnown(this.actor(actorId));
    if (actor.role !== 'admin' && actor.id !== swap.requesterId && actor.id !== swap.teammateId) {
      throw new PermissionDenied('Only the two people of a swap, or an admin, can cancel it.');
    }
    if (halves.some((o) => o.cancelledAt !== null || o.endAt <= now)) {
      throw new PermissionDenied('Half of this swap is already over, so it stands; set an override to change the rest.');
    }
    const rotation = this.rotation(swap.rotationId);
    this.db.transaction(() => {
      // Statements run on the one connection, so inside this transaction.
      const tx = this.db;
      for (const half of halves) {
        tx.update(overrides).set({ cancelledAt: now, cancelledBy: actor.id }).where(eq(overrides.id, half.id)).run();
        writeAudit(tx, { at: now, actor: actor.id, action: 'override.cancel', target: `rotation:${swap.rotationId}`, before: half });
      }
      tx.update(swapRequests).set({ status: 'cancelled' }).where(eq(swapRequests.id, swapId)).run();
      writeAudit(tx, { at: now, actor: actor.id, action: 'swap.cancel', target: `rotation:${swap.rotationId}`, before: swap, after: { ...swap, status: 'cancelled' } });
      const change: SwapCancelled = {
        actorId: actor.id,
        requesterId: swap.requesterId,
        teammateId: swap.teammateId,
        rotationName: rotation?.name ?? swap.rotationId,
        halves: halves.map((o) => ({ userId: o.userId, start: o.startAt, end: o.endAt })),
      };
      for (const person of [swap.requesterId, swap.teammateId]) {
        const dm = this.notices.swapCancelledDM(change, person, this.zoneOf(person));
        enqueueNotice(tx, { kind: 'slack.message', channel: person, ...dm }, `swap:${swapId}:cancel:${person}`, now);
      }
      const channel = rotation ? this.teamChannel(rotation.teamId) : null;
      if (channel) enqueueNotice(tx, { kind: 'slack.message', channel, ...this.notices.swapCancelledPost(change) }, `swap:${swapId}:cancel:team`, now);
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

  /**
   * Overrides and time off not yet over that `userId` holds or set, and the swaps they are one of the two
   * of: what they may cancel. A swap is listed once, with both halves, not as two overrides.
   */
  upcomingChanges(userId: string): {
    overrides: (typeof overrides.$inferSelect & { rotationName: string })[];
    swaps: SwapChange[];
    timeOff: (typeof timeOff.$inferSelect)[];
  } {
    const now = this.now();
    const rotationNames = new Map([...loadRotations(this.db).values()].map((r) => [r.id, r.name]));
    const nameOf = (rotationId: string) => rotationNames.get(rotationId) ?? rotationId;
    const mine = this.db
      .select()
      .from(overrides)
      .where(
        and(
          isNull(overrides.cancelledAt),
          gt(overrides.endAt, now),
          or(eq(overrides.userId, userId), eq(overrides.createdBy, userId), and(eq(overrides.kind, 'swap'), eq(overrides.replacesUserId, userId))),
        ),
      )
      .orderBy(asc(overrides.startAt))
      .all();
    const swapIds = [...new Set(mine.flatMap((o) => (o.kind === 'swap' ? [swapIdOf(o.reason)] : [])).filter((id): id is number => id !== null))];
    const swaps = swapIds.flatMap((swapId) => {
      const swap = this.swapRequest(swapId);
      const halves = this.swapHalves(swapId);
      if (!swap || swap.status !== 'accepted') return [];
      return [
        {
          swapId,
          rotationName: nameOf(swap.rotationId),
          requesterId: swap.requesterId,
          teammateId: swap.teammateId,
          halves: halves.map((o) => ({ overrideId: o.id, userId: o.userId, start: o.startAt, end: o.endAt })),
          cancellable: halves.every((o) => o.cancelledAt === null && o.endAt > now),
        },
      ];
    });
    const away = this.db
      .select()
      .from(timeOff)
      .where(and(isNull(timeOff.cancelledAt), gt(timeOff.endAt, now), or(eq(timeOff.userId, userId), eq(timeOff.createdBy, userId))))
      .orderBy(asc(timeOff.startAt))
      .all();
    const single = mine.filter((o) => o.kind !== 'swap' || swapIdOf(o.reason) === null).map((o) => ({ ...o, rotationName: nameOf(o.rotationId) }));
    return { overrides: single, swaps, timeOff: away };
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
   * Proposes that `teammateId` takes the rest of the requester's shift `give` and, when `take` is set, the
   * requester takes the teammate's shift in return. Shifts are named by their scheduled start; what is left
   * of them is handed over (from now, for one under way). The teammate is asked by DM; nothing changes
   * until they accept.
   */
  requestSwap(
    actorId: string,
    input: { rotationId: string; teammateId: string; give: { scheduledStart: number }; take?: { scheduledStart: number } | null },
  ): { swapId: number } {
    const actor = requireKnown(this.actor(actorId));
    const now = this.now();
    const errors: Record<string, string> = {};
    const rotation = this.rotation(input.rotationId);
    if (!rotation) throw new InvalidChange({ my_shift: 'Pick one of your shifts.' });
    const participants = new Set(layersOf(rotation).flatMap((l) => l.participants));
    if (input.teammateId === actor.id) errors.teammate = 'You cannot swap with yourself; pick a teammate.';
    else if (!participants.has(input.teammateId)) errors.teammate = `<@${input.teammateId}> is not in the ${rotation.name} rotation.`;
    const give = this.shiftStartingAt(actor.id, rotation.id, input.give.scheduledStart);
    if (!give) errors.my_shift = 'That is not one of your upcoming shifts any more.';
    const take = input.take && !errors.teammate ? this.shiftStartingAt(input.teammateId, rotation.id, input.take.scheduledStart) : null;
    if (input.take && !errors.teammate && !take) errors.their_shift = `That is not one of <@${input.teammateId}>'s upcoming shifts in ${rotation.name}.`;
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
          giveStart: give!.start,
          giveEnd: give!.end,
          takeStart: take?.start ?? null,
          takeEnd: take?.end ?? null,
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
            reason: swapReason(swap.id),
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

  /** Asks the team to take the rest of one of the requester's shifts, named by its scheduled start. */
  requestCover(actorId: string, input: { rotationId: string; scheduledStart: number; note?: string | null }): { coverRequestId: number } {
    const actor = requireKnown(this.actor(actorId));
    const now = this.now();
    const rotation = this.rotation(input.rotationId);
    if (!rotation) throw new InvalidChange({ my_shift: 'Pick one of your shifts.' });
    const shift = this.shiftStartingAt(actor.id, rotation.id, input.scheduledStart);
    if (!shift) throw new InvalidChange({ my_shift: 'That is not one of your upcoming shifts any more.' });
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
          startAt: shift.start,
          endAt: shift.end,
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

/** The reason a swap's overrides carry: Baton writes it, and it is what ties the two halves to their swap. */
function swapReason(swapId: number): string {
  return `swap #${swapId}`;
}

function swapIdOf(reason: string | null): number | null {
  const match = /^swap #(\d+)$/.exec(reason ?? '');
  return match ? Number(match[1]) : null;
}
