import { and, asc, eq, gt, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import { jsonNumber, lockKey } from '../../db/client.js';
import { incidents, outbox, users } from '../../db/schema.js';
import { MINUTE } from '../../domain/time-units.js';
import type { OutboxMessage } from '../../services/outbox.js';
import { smsPageText } from '../twiml.js';
import { deferUntil, SENT, skipped, type OutboxRow, type SendResult, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { withIncident } from './incident.js';

/** Per person, per contact method, per 15 minutes: more than this is bundled into one message. */
export const PHONE_THROTTLE = { windowMs: 15 * MINUTE, 'twilio.voice': 3, 'twilio.sms': 5 } as const;

type PhonePage = Extract<OutboxMessage, { kind: 'twilio.sms' | 'twilio.voice' }>;

/** Pages by SMS and voice, and the SMS that verifies a new number. Twilio's errors are read as Twilio's. */
export function phoneSenders(ctx: SenderContext): Pick<SenderTable, 'twilio.sms' | 'twilio.voice' | 'twilio.verify'> {
  const page = {
    provider: 'twilio' as const,
    send: (message: PhonePage, row: OutboxRow) =>
      withIncident(ctx, message.incidentId, async ({ incident }) => {
        // A step of a level the incident has already left is stale: the next level's people are paged now.
        if (incident.escalationLevel !== message.level || incident.escalationLoop !== message.loop)
          return skipped(`escalated past level ${message.level + 1}`);
        return sendPhonePage(ctx, message, row, incident.status);
      }),
  };
  return {
    'twilio.sms': page,
    'twilio.voice': page,
    'twilio.verify': {
      provider: 'twilio',
      send: async (message, row) => {
        if (!ctx.phone.sender) return skipped('phone paging is not configured (TWILIO_* not set)');
        await ctx.phone.sender.sms(message.phone, `Your Baton verification code is ${message.code}. It expires in 10 minutes.`);
        // A verification code has done its job once sent; it is not kept.
        await ctx.db.query(async (q) => {
          await q
            .update(outbox)
            .set({ payload: { ...row.payload, code: 'sent' } })
            .where(eq(outbox.id, row.id));
        });
        return SENT;
      },
    },
  };
}

/** SMS and voice pages: skipped once the incident is handled, throttled per person, bundled when throttled. */
async function sendPhonePage(ctx: SenderContext, message: PhonePage, row: OutboxRow, status: string): Promise<SendResult> {
  if (status !== 'triggered') return skipped(`incident already ${status}`);
  // Decided in one transaction, then sent after it: the call to Twilio is never made inside a unit.
  const decided = await ctx.db.transaction(async (tx) => {
    // One decision at a time per person and method: sends in flight together (or on two nodes) would each
    // find the throttle free and each call.
    await lockKey(tx, `phone:${message.userId}:${message.kind}`);
    // Claimed together with a step that has since taken it into its bundle: already on its way.
    const [covered] = await tx
      .select({ status: outbox.status, lastError: outbox.lastError })
      .from(outbox)
      .where(eq(outbox.id, row.id))
      .limit(1);
    if (covered?.status === 'skipped') return skipped(covered.lastError?.replace(/^skipped: /, '') ?? 'covered by another message');
    const sender = ctx.phone.sender;
    if (!sender) return skipped('phone paging is not configured (TWILIO_* not set)');
    const [person] = await tx.select().from(users).where(eq(users.id, message.userId)).limit(1);
    if (!person?.phone) return skipped('no phone number');
    if (message.kind === 'twilio.sms' && person.smsOptedOut) return skipped('the person replied STOP');

    const now = ctx.clock.nowMs();
    const recent = await tx
      .select({ sentAt: outbox.sentAt })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          inArray(outbox.status, ['sent', 'sending']),
          gt(outbox.sentAt, now - PHONE_THROTTLE.windowMs),
          eq(outbox.userId, message.userId),
        ),
      )
      .orderBy(asc(outbox.sentAt));
    const limit = PHONE_THROTTLE[message.kind];
    if (recent.length >= limit) {
      return deferUntil(recent[recent.length - limit]!.sentAt! + PHONE_THROTTLE.windowMs, `throttled: ${limit} per 15 minutes`);
    }
    // Everything else due for this person by this method goes out in this one message: other incidents
    // are listed in it, and late repeats for this incident (after an outage, say) are superseded by it.
    const others = await tx
      .select({ id: outbox.id, incidentId: outbox.incidentId })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          // Steps claimed in the same batch ('sending', not yet past this point) are bundled too: after a
          // throttle they all fall due at the same free slot, and must make one call, not one each.
          inArray(outbox.status, ['pending', 'sending']),
          // ...but not one already past this point (its call under way): it counted itself as sent.
          isNull(outbox.sentAt),
          ne(outbox.id, row.id),
          eq(outbox.userId, message.userId),
          // Due now, or meant for now or earlier and held back by a retry's backoff.
          sql`(${outbox.nextAttemptAt} <= ${now} or coalesce(${jsonNumber(tx, outbox.payload, 'scheduledFor')}, ${outbox.nextAttemptAt}) <= ${now})`,
        ),
      );
    const otherIncidents = [...new Set(others.map((o) => o.incidentId!).filter((id) => id !== null && id !== message.incidentId))];
    const open = new Set(
      otherIncidents.length === 0
        ? []
        : (
            await tx
              .select({ id: incidents.id })
              .from(incidents)
              .where(and(inArray(incidents.id, otherIncidents), eq(incidents.status, 'triggered')))
          ).map((r) => r.id),
    );
    // Oldest first, whichever step of the bundle happened to send it.
    const incidentIds = [message.incidentId, ...otherIncidents.filter((id) => open.has(id))].sort((a, b) => a - b);
    if (incidentIds.length > 1)
      await tx
        .update(outbox)
        .set({ payload: { ...row.payload, bundle: incidentIds } })
        .where(eq(outbox.id, row.id));
    if (others.length > 0) {
      await tx
        .update(outbox)
        .set({ status: 'skipped', lastError: `covered by outbox ${row.id}`, sentAt: now })
        .where(
          inArray(
            outbox.id,
            others.map((o) => o.id),
          ),
        );
    }

    // A step is covered when a message of its kind for the same incident already reached this person at or
    // after the moment the step was meant for: two steps that fall due together (after a pause, say) make one
    // message. Tied to the step's own time rather than a window, so a call repeated every minute is never taken
    // for the one before it however late the loop runs; and a step brought forward on purpose (the last call
    // went unanswered) is meant for later than anything sent, so nothing covers it.
    const meantFor = message.scheduledFor ?? row.createdAt;
    const [twin] = await tx
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          eq(outbox.incidentId, message.incidentId),
          inArray(outbox.status, ['sent', 'sending']),
          gte(outbox.sentAt, meantFor),
          ne(outbox.id, row.id),
          eq(outbox.userId, message.userId),
        ),
      )
      .limit(1);
    if (twin) return skipped(`covered by outbox ${twin.id}`);

    // Counted against the throttle from this moment: sends decided in the same batch see it. Everything from
    // the throttle query to here is one transaction, so concurrent sends cannot both take the last slot.
    await tx.update(outbox).set({ sentAt: now }).where(eq(outbox.id, row.id));
    // Only the SMS lists the incidents, as they are now (render at send time).
    const list = message.kind === 'twilio.voice' ? [] : await tx.select().from(incidents).where(inArray(incidents.id, incidentIds));
    return { sender, phone: person.phone, list };
  });
  if ('outcome' in decided) return decided;
  const { sender, phone, list } = decided;
  const base = ctx.phone.baseUrl();
  if (message.kind === 'twilio.voice') {
    await sender.call(phone, {
      twimlUrl: `${base}/twilio/voice?o=${row.id}`,
      statusCallback: `${base}/twilio/voice/status?o=${row.id}`,
      timeoutSeconds: 30,
    });
  } else {
    await sender.sms(phone, smsPageText(list));
  }
  return SENT;
}
