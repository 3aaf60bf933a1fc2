import { and, eq, gte, inArray, isNull, lt, or } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { handoverNotes, incidents, services, settings, teams } from '../../db/schema.js';
import { alertCountsByIncident } from '../../db/statements.js';
import type { Clock } from '../../domain/clock.js';
import { buildHandover, type HandoverDigest } from '../../domain/handover.js';
import { InvalidInput } from '../../domain/errors.js';
import { finalSchedule, layersOf, onCallAt, pagerStretches, type ScheduleAdjustments } from '../../domain/schedule.js';
import { localDateOf, localMinutesOf, parseHHMM } from '../../domain/zoned-time.js';
import { DAY, HOUR } from '../../domain/time-units.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations, type StoredRotation } from '../directory.js';
import { loadAdjustments } from './oncall.js';
import { enqueueNotice } from '../outbox.js';

/** How far back a handover digest looks for the start of the outgoing shift (a stretch longer is cut there). */
const SHIFT_LOOKBACK_DAYS = 35;

interface HandoffState {
  primary: string | null;
  since: number;
}

/**
 * Handovers: a digest to the team channel (and the incoming person) at every change of who holds the
 * pager and, where configured, daily; a reminder an hour before each shift; notes for the next person.
 * What was already sent is remembered in `settings` and outbox keys, so restarts neither repeat nor skip.
 */
export class HandoverService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void = () => {},
  ) {}

  private async setting<T>(q: Tx, key: string): Promise<T | undefined> {
    const [row] = await q.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).limit(1);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  private async setSetting(q: Tx, key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    await q
      .insert(settings)
      .values({ key, value: text })
      .onConflictDoUpdate({ target: settings.key, set: { value: text } });
  }

  /** `/oncall note`: kept for the handover of the rotation the author holds now (or takes part in). */
  async addNote(authorId: string, text: string): Promise<{ rotationName: string }> {
    const now = this.clock.nowMs();
    const { rotations, adjustments } = await this.db.query(async (q) => ({
      rotations: [...(await loadRotations(this.db)).values()],
      adjustments: await loadAdjustments(q, now, now + 1),
    }));
    const rotation =
      rotations.find((r) => onCallAt(r, now, adjustments).primary?.userId === authorId) ??
      rotations.find((r) => layersOf(r).some((l) => l.participants.includes(authorId)));
    if (!rotation) throw new InvalidInput({ text: 'You are not in any rotation, so there is no handover to add a note to.' });
    const clean = text.trim().slice(0, 1000);
    if (!clean) throw new InvalidInput({ text: 'Write the note after the command: /oncall note <text>.' });
    await this.db.transaction(async (tx) => {
      const [row] = await tx.insert(handoverNotes).values({ rotationId: rotation.id, authorId, text: clean, createdAt: now }).returning();
      await writeAudit(tx, { at: now, actor: authorId, action: 'handover_note.create', target: `rotation:${rotation.id}`, after: row });
    });
    return { rotationName: rotation.name };
  }

  /**
   * One pass of the loop: handoff digests, daily digests and shift reminders that are due. Each rotation's
   * reads share one unit; each change that must be made whole is its own transaction, as before.
   */
  async run(): Promise<void> {
    const now = this.clock.nowMs();
    let queued = 0;
    const { adjustments, rotations } = await this.db.query(async (q) => ({
      adjustments: await loadAdjustments(q, now - DAY, now + 8 * DAY),
      rotations: await loadRotations(this.db),
    }));
    for (const rotation of rotations.values()) {
      const current = onCallAt(rotation, now, adjustments).primary?.userId ?? null;
      const key = `handoff:${rotation.id}`;
      const { channel, state } = await this.db.query(async (q) => ({
        channel:
          (await q.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, rotation.teamId)).limit(1))[0]?.channel ?? null,
        state: await this.setting<HandoffState>(q, key),
      }));
      if (!state) {
        await this.db.query((q) => this.setSetting(q, key, { primary: current, since: now }));
      } else if (state.primary !== current) {
        await this.db.transaction(async (tx) => {
          const digest = await this.digest(rotation, await this.shiftStart(tx, rotation, state, now), now, state.primary, current);
          const notice = { type: 'handover', digest } as const;
          if (channel) await enqueueNotice(tx, { kind: 'slack.message', channel, notice }, `handover:${rotation.id}:${now}:team`, now);
          if (current)
            await enqueueNotice(tx, { kind: 'slack.message', channel: current, notice }, `handover:${rotation.id}:${now}:dm`, now);
          await this.setSetting(tx, key, { primary: current, since: now });
        });
        queued += 1;
      }
      queued += await this.daily(rotation, channel, current, now);
      queued += await this.reminders(rotation, now, adjustments);
    }
    if (queued > 0) this.wakeOutbox();
  }

  /**
   * When the outgoing holder's stretch began, by the schedule. What Baton recorded (`since`) is only when it
   * noticed them, which is later when Baton started, or first saw the rotation, during their shift.
   */
  private async shiftStart(q: Tx, rotation: StoredRotation, outgoing: HandoffState, now: number): Promise<number> {
    const from = now - SHIFT_LOOKBACK_DAYS * DAY;
    const stretches = pagerStretches(finalSchedule(rotation, from, now, await loadAdjustments(q, from, now)));
    return stretches.findLast((s) => s.userId === outgoing.primary)?.start ?? outgoing.since;
  }

  private async daily(rotation: StoredRotation, channel: string | null, current: string | null, now: number): Promise<number> {
    if (!rotation.dailyDigestTime || !channel) return 0;
    const local = localDateOf(now, rotation.timeZone);
    const today = `${local.year}-${local.month}-${local.day}`;
    const at = parseHHMM(rotation.dailyDigestTime);
    const localMinutes = localMinutesOf(now, rotation.timeZone);
    const key = `daily_digest:${rotation.id}`;
    if (localMinutes < at.hour * 60 + at.minute || (await this.db.query((q) => this.setting<string>(q, key))) === today) return 0;
    await this.db.transaction(async (tx) => {
      const notice = { type: 'handover', digest: await this.digest(rotation, now - DAY, now, current, current) } as const;
      await enqueueNotice(tx, { kind: 'slack.message', channel, notice }, `daily_digest:${rotation.id}:${today}`, now);
      await this.setSetting(tx, key, today);
    });
    return 1;
  }

  /** A DM an hour before each stretch someone takes over; once per person and start, also across restarts. */
  private async reminders(rotation: StoredRotation, now: number, adjustments: ScheduleAdjustments): Promise<number> {
    const segments = finalSchedule(rotation, now, now + HOUR + 1, adjustments);
    const due: { who: string; start: number; notice: { type: 'shift_reminder'; rotationName: string; start: number; end: number } }[] = [];
    for (let i = 1; i < segments.length; i += 1) {
      const s = segments[i]!;
      const who = s.primary?.userId;
      if (!who || segments[i - 1]!.primary?.userId === who || s.start > now + HOUR) continue;
      // When the stretch ends: walk on until the holder changes, within a day.
      const ahead = finalSchedule(rotation, s.start, s.start + 8 * DAY, adjustments);
      const end = ahead.find((x) => x.primary?.userId !== who)?.start ?? s.start + 8 * DAY;
      const notice = { type: 'shift_reminder', rotationName: rotation.name, start: s.start, end } as const;
      due.push({ who, start: s.start, notice });
    }
    // Each reminder is written on its own, as before; the unit is opened only when one is due.
    if (due.length > 0)
      await this.db.query(async (q) => {
        for (const { who, start, notice } of due)
          await enqueueNotice(q, { kind: 'slack.message', channel: who, notice }, `reminder:${rotation.id}:${who}:${start}`, now);
      });
    return due.length;
  }

  /** Reads in the caller's unit when there is one (the loop calls it inside the transaction that queues it). */
  async digest(
    rotation: StoredRotation,
    from: number,
    to: number,
    outgoing: string | null,
    incoming: string | null,
  ): Promise<HandoverDigest> {
    const { rows, counts, notes, week } = await this.db.query(async (q) => {
      const serviceIds = (await q.select({ id: services.id }).from(services).where(eq(services.teamId, rotation.teamId))).map((s) => s.id);
      const rows =
        serviceIds.length === 0
          ? []
          : await q
              .select()
              .from(incidents)
              .where(
                and(
                  inArray(incidents.serviceId, serviceIds),
                  lt(incidents.openedAt, to),
                  or(isNull(incidents.resolvedAt), gte(incidents.resolvedAt, from)),
                ),
              );
      const counts = await alertCountsByIncident(
        q,
        rows.map((r) => r.id),
      );
      const notes = await q
        .select()
        .from(handoverNotes)
        .where(and(eq(handoverNotes.rotationId, rotation.id), gte(handoverNotes.createdAt, from), lt(handoverNotes.createdAt, to)));
      const week = await loadAdjustments(q, to, to + 7 * DAY);
      return { rows, counts, notes, week };
    });
    const people = new Set(layersOf(rotation).flatMap((l) => l.participants));
    return buildHandover({
      rotationName: rotation.name,
      shiftStart: from,
      shiftEnd: to,
      outgoing,
      incoming,
      incidents: rows.map((r) => ({
        id: r.id,
        title: r.title,
        severity: r.severity,
        status: r.status,
        openedAt: r.openedAt,
        acknowledgedAt: r.acknowledgedAt,
        resolvedAt: r.resolvedAt,
        alertCount: counts.get(r.id) ?? 0,
        alertName: r.labels.alertname ?? r.title,
        link: r.links.source ?? r.links.runbook ?? r.links.externalUrl,
      })),
      notes: notes.map((n) => ({ authorId: n.authorId, text: n.text, createdAt: n.createdAt })),
      coming: [
        ...week.overrides
          .filter((o) => o.rotationId === rotation.id)
          .map((o) => ({ kind: 'override' as const, userId: o.userId, start: o.start, end: o.end })),
        ...week.timeOff
          .filter((t) => people.has(t.userId))
          .map((t) => ({ kind: 'time_off' as const, userId: t.userId, start: t.start, end: t.end })),
      ],
    });
  }
}
