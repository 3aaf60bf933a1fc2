import { inArray } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { outboxPriority, statementsOf } from '../db/statements.js';
import type { IncidentNote, Notice, PageReason } from '../domain/notices.js';
import { HOUR } from '../domain/time-units.js';
import { readWebhooks, type OutboundWebhook } from './admin/settings.js';

/**
 * What the dispatcher knows how to send. Payloads carry intent, not rendered text: they name the incident and
 * say what happened (domain/notices.ts), and the sender renders them with the views when it sends, so a
 * message sent late (after an outage) shows the incident as it is when it goes out, not as it was.
 *
 * Rows queued by older versions carry rendered text (`reason` as a string, `mention`, `text`); those
 * variants stay so such rows still send.
 */
export type OutboxMessage =
  /** `bundle`: the incidents a page listed, when it took other pages held for the person's DM with it. */
  | { kind: 'slack.page'; incidentId: number; userId: string; level: number; loop: number; reason: PageReason | string; bundle?: number[] }
  | { kind: 'twilio.sms' | 'twilio.voice'; incidentId: number; userId: string; level: number; loop: number; scheduledFor?: number }
  /** `broadcast`: the card mentions @channel, for a channel paged as a whole (older rows: `mention`). */
  | { kind: 'slack.team_post'; incidentId: number; channel: string; broadcast?: boolean; mention?: string }
  | { kind: 'slack.refresh'; incidentId: number }
  /** A list page (a DM that paged one person for several incidents at once), shown again as its incidents stand. */
  | { kind: 'slack.page_list_refresh'; listId: number }
  | { kind: 'slack.incident_note'; incidentId: number; channel: string; note: IncidentNote }
  | { kind: 'slack.incident_note'; incidentId: number; channel: string; text: string }
  | { kind: 'slack.incident_channel'; incidentId: number }
  /** Steps of setting up the incident's channel once it exists (see incident-channel-setup.ts). */
  | { kind: 'slack.channel_card' | 'slack.channel_welcome'; incidentId: number }
  /** Tells whoever opened the incident by hand (declared it, paged someone) what happened, and where its channel is. */
  | { kind: 'slack.opener_confirm' | 'slack.opener_link'; incidentId: number; userId: string }
  | { kind: 'slack.incident_wrapup'; incidentId: number }
  | { kind: 'slack.archive'; incidentId: number }
  /** Reads a pinned message's text into its timeline entry. */
  | { kind: 'slack.pin_text'; incidentId: number; channel: string; ts: string }
  | { kind: 'webhook.post'; incidentId: number; webhookId: string; event: 'opened' | 'acknowledged' | 'resolved'; at: number }
  /** A notice, rendered when sent from what it says happened (the values it needs are in it). */
  | { kind: 'slack.message'; channel: string; notice: Notice }
  // Schedule changes' notices are rendered when queued: they describe a change that has already happened.
  | { kind: 'slack.message'; channel: string; text: string; blocks?: unknown[] }
  | { kind: 'slack.swap_ask'; swapId: number; channel: string }
  /** The ask DM shown again as the request now stands (withdrawn, or the swap cancelled). */
  | { kind: 'slack.swap_ask_refresh'; swapId: number }
  | { kind: 'slack.cover_thread'; coverRequestId: number; text: string }
  | { kind: 'slack.cover_post'; coverRequestId: number; channel: string }
  | { kind: 'slack.cover_refresh'; coverRequestId: number }
  | { kind: 'slack.usergroup'; usergroup: string; users: string[]; rotationId: string }
  | { kind: 'twilio.verify'; userId: string; phone: string; code: string }
  | { kind: 'slack.invite'; channel: string; users: string[] };

/** The incidents a page (DM, SMS or call) listed, from its stored payload: its `bundle`, or its own incident. */
export function incidentsOfPage(payload: string | Record<string, unknown>, incidentId: number): number[] {
  const parsed = typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : payload;
  return (parsed.bundle as number[] | undefined) ?? [incidentId];
}

// Every enqueue function here writes through the caller's open unit: `db` is its handle.

async function insert(db: Tx, message: OutboxMessage, dedupeKey: string | null, now: number, dueAt = now): Promise<void> {
  const { kind, ...payload } = message;
  const incidentId = 'incidentId' in message ? message.incidentId : null;
  const userId = 'userId' in message ? message.userId : null;
  await statementsOf(db).insertOutbox.run({
    kind,
    dedupeKey,
    incidentId,
    userId,
    payloadJson: JSON.stringify(payload),
    dueAt,
    now,
    priority: outboxPriority(kind),
  });
}

/**
 * A page is sent at most once per incident, escalation step, recipient, contact method and rule step,
 * also across restarts. `sendAt` is when the person's notification rules say it goes out.
 */
export async function enqueuePage(
  db: Tx,
  page: Omit<Extract<OutboxMessage, { kind: 'slack.page' }>, 'kind'>,
  now: number,
  opts: { sendAt?: number; ruleStep?: string } = {},
): Promise<void> {
  const suffix = opts.ruleStep ? `:${opts.ruleStep}` : '';
  await insert(
    db,
    { kind: 'slack.page', ...page },
    `page:${page.incidentId}:${page.loop}:${page.level}:${page.userId}:slack${suffix}`,
    now,
    opts.sendAt ?? now,
  );
}

export async function enqueuePhonePage(
  db: Tx,
  method: 'sms' | 'voice',
  page: { incidentId: number; userId: string; level: number; loop: number },
  now: number,
  opts: { sendAt: number; ruleStep: string },
): Promise<void> {
  await insert(
    db,
    { kind: `twilio.${method}`, ...page, scheduledFor: opts.sendAt },
    `page:${page.incidentId}:${page.loop}:${page.level}:${page.userId}:${method}:${opts.ruleStep}`,
    now,
    opts.sendAt,
  );
}

/** The incident's card in a channel; with `broadcast`, the post notifies the channel's members (@channel). */
export async function enqueueTeamPost(
  db: Tx,
  incidentId: number,
  channel: string,
  now: number,
  opts: { broadcast?: boolean } = {},
): Promise<void> {
  await insert(
    db,
    { kind: 'slack.team_post', incidentId, channel, ...(opts.broadcast ? { broadcast: true } : {}) },
    `team:${incidentId}:${channel}`,
    now,
  );
}

/** What enqueueRefresh did: joined a refresh already queued, queued one for later, or made one due now. */
export type RefreshQueued = 'joined' | 'later' | 'now';

/**
 * Updates every message of the incident; coalesced, since one refresh shows the latest state anyway. A
 * pending refresh waiting out a backoff is made due now: a new change should not wait for an old failure.
 * With `minIntervalMs` (alert-only changes), refreshes are spaced out so a storm cannot flood Slack. Says
 * whether a refresh is now due (the caller wakes the outbox), due later, or was queued already.
 */
export async function enqueueRefresh(
  db: Tx,
  incidentId: number,
  now: number,
  opts: { minIntervalMs?: number } = {},
): Promise<RefreshQueued> {
  const statements = statementsOf(db);
  const pending = await statements.pendingRefresh.get({ incidentId });
  if (pending) {
    if (opts.minIntervalMs || pending.nextAttemptAt <= now) return 'joined';
    await statements.makeDue.run({ id: pending.id, now });
    return 'now';
  }
  let due = now;
  if (opts.minIntervalMs) {
    const last = await statements.lastRefresh.get({ incidentId });
    if (last) due = Math.max(now, last.createdAt + opts.minIntervalMs);
  }
  await insert(db, { kind: 'slack.refresh', incidentId }, null, now, due);
  return due <= now ? 'now' : 'later';
}

/** A list page is updated at most once in each such window, at its end. */
export const PAGE_LIST_REFRESH_WINDOW_MS = 1000;

/**
 * The incident was acknowledged or resolved: every message of it is updated, and so are the list pages that
 * list it (page.ts), which show only where each incident stands, so escalations and alerts leave them be.
 */
export async function enqueueStatusRefresh(db: Tx, incidentId: number, now: number): Promise<void> {
  await enqueueRefresh(db, incidentId, now);
  for (const { listId } of await statementsOf(db).pageListsOf.all({ incidentId })) await enqueuePageListRefresh(db, listId, now);
}

/**
 * One update per list and window, due at the window's end, so one update shows every change made within it
 * ("Acknowledge all" changes dozens in a moment).
 */
async function enqueuePageListRefresh(db: Tx, listId: number, now: number): Promise<void> {
  const windowEnd = (Math.floor(now / PAGE_LIST_REFRESH_WINDOW_MS) + 1) * PAGE_LIST_REFRESH_WINDOW_MS;
  await insert(db, { kind: 'slack.page_list_refresh', listId }, `page-list:${listId}:${windowEnd}`, now, windowEnd);
}

/**
 * Where a list page went and the incidents it lists, as it showed them. One acknowledged or resolved while the
 * list was rendered and posted (before it was recorded here, so unseen by enqueueStatusRefresh) gets the
 * list updated as a later change would.
 */
export async function recordPageList(
  db: DB,
  list: { id: number; channel: string; ts: string },
  shown: { id: number; status: string }[],
  now: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const statements = statementsOf(tx);
    for (const { id } of shown)
      await statements.insertPageListItem.run({ listId: list.id, incidentId: id, channel: list.channel, ts: list.ts });
    const current = new Map(
      (
        await tx
          .select({ id: incidents.id, status: incidents.status })
          .from(incidents)
          .where(
            inArray(
              incidents.id,
              shown.map((i) => i.id),
            ),
          )
      ).map((i) => [i.id, i.status]),
    );
    if (shown.some((i) => current.get(i.id) !== i.status)) await enqueuePageListRefresh(tx, list.id, now);
  });
}

/** A line in the incident's thread in the team channel, worded when it is sent. */
export async function enqueueIncidentNote(
  db: Tx,
  incidentId: number,
  channel: string,
  note: IncidentNote,
  dedupeKey: string,
  now: number,
): Promise<void> {
  await insert(db, { kind: 'slack.incident_note', incidentId, channel, note }, dedupeKey, now);
}

export type ScheduleNotice = Exclude<OutboxMessage, { incidentId: number }>;

/** Whether the message with this dedupe key is still to be sent (pending, or being sent). */
export async function isPending(db: DB, dedupeKey: string): Promise<boolean> {
  const row = await db.query((q) => statementsOf(q).outboxStatusByKey.get({ dedupeKey }));
  return row !== undefined && (row.status === 'pending' || row.status === 'sending');
}

/** Whether a message of this kind for the incident is still to be sent. */
export async function hasPending(db: DB, incidentId: number, kind: string): Promise<boolean> {
  return (await db.query((q) => statementsOf(q).pendingOfKind.get({ incidentId, kind }))) !== undefined;
}

/** A schedule notice (DM, channel post, user group update); `dedupeKey` makes it at most once. */
export async function enqueueNotice(db: Tx, message: ScheduleNotice, dedupeKey: string | null, now: number): Promise<void> {
  await insert(db, message, dedupeKey, now);
}

/** Tells every outbound webhook that wants this event about the incident, once per incident and event. */
export async function enqueueIncidentWebhooks(
  db: Tx,
  incident: { id: number; serviceId: string },
  event: 'opened' | 'acknowledged' | 'resolved',
  now: number,
  /** The webhooks, when the caller has read them already (once for a batch of incidents). */
  webhooks?: OutboundWebhook[],
): Promise<void> {
  for (const hook of webhooks ?? (await readWebhooks(db))) {
    if (!hook.events.includes(event) || (hook.services && !hook.services.includes(incident.serviceId))) continue;
    await insert(
      db,
      { kind: 'webhook.post', incidentId: incident.id, webhookId: hook.id, event, at: now },
      `webhook:${hook.id}:${incident.id}:${event}`,
      now,
    );
  }
}

/** A message pinned to the timeline: its text is read from Slack (once per message). */
export async function enqueuePinText(db: Tx, incidentId: number, channel: string, ts: string, now: number): Promise<void> {
  await insert(db, { kind: 'slack.pin_text', incidentId, channel, ts }, `pin:${incidentId}:${channel}:${ts}`, now);
}

/** Asks for the incident's own channel (created, joined by the paged people, card pinned), once. */
export async function enqueueIncidentChannel(db: Tx, incidentId: number, now: number): Promise<void> {
  await insert(db, { kind: 'slack.incident_channel', incidentId }, `channel:${incidentId}`, now);
}

/** The dedupe key of the confirmation to whoever opened the incident by hand: one per incident. */
export function openerConfirmKey(incidentId: number): string {
  return `opener-confirm:${incidentId}`;
}

/**
 * The private confirmation to whoever opened the incident by hand, rendered when sent; with the link to the
 * incident's channel if it exists by then, else `enqueueOpenerLink` brings the link once it does.
 */
export async function enqueueOpenerConfirm(db: Tx, incidentId: number, userId: string, now: number): Promise<void> {
  await insert(db, { kind: 'slack.opener_confirm', incidentId, userId }, openerConfirmKey(incidentId), now);
}

/** The channel's link for whoever opened the incident, sent only if their confirmation went out without it. */
export async function enqueueOpenerLink(db: Tx, incidentId: number, userId: string, now: number): Promise<void> {
  await insert(db, { kind: 'slack.opener_link', incidentId, userId }, `opener-link:${incidentId}`, now);
}

export type ChannelStep = 'slack.channel_card' | 'slack.channel_welcome';

/** The dedupe key of a step of setting up the incident's channel: each runs once, and later steps wait for it. */
export function channelStepKey(kind: ChannelStep, incidentId: number): string {
  return `${kind === 'slack.channel_card' ? 'channel-card' : 'channel-welcome'}:${incidentId}`;
}

export async function enqueueChannelStep(db: Tx, kind: ChannelStep, incidentId: number, now: number): Promise<void> {
  await insert(db, { kind, incidentId }, channelStepKey(kind, incidentId), now);
}

/**
 * On resolve, an incident with a channel gets its summary and, after the service's archive delay
 * (`incident_channel_archive_after_hours`, a day unless set), an archived channel.
 */
export async function enqueueChannelWrapUp(db: Tx, incidentId: number, now: number): Promise<void> {
  const statements = statementsOf(db);
  const asked = await statements.outboxStatusByKey.get({ dedupeKey: `channel:${incidentId}` });
  if (!asked) return;
  const hours = (await statements.channelArchiveAfterHours.get({ incidentId }))?.hours ?? 24;
  await insert(db, { kind: 'slack.incident_wrapup', incidentId }, `wrapup:${incidentId}`, now);
  await insert(db, { kind: 'slack.archive', incidentId }, `archive:${incidentId}`, now, now + hours * HOUR);
}
