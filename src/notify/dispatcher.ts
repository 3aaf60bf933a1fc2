import { createHmac } from 'node:crypto';
import { and, asc, eq, gt, gte, inArray, lte, ne, sql } from 'drizzle-orm';
import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import { alerts, coverRequests, incidentEvents, incidentMessages, incidents, outbox, rotations, swapRequests, users } from '../db/schema.js';
import { incidentChannelName, resolutionSummary } from '../domain/incident-room.js';
import { findServiceWithTeam } from '../services/directory.js';
import { attachIncidentChannel } from '../services/incident-channel-setup.js';
import { channelStepKey, enqueueIncidentNote, openerConfirmKey } from '../services/outbox.js';
import { incidentChannelLink, openerChannelLink, openerConfirmation, roomWelcome, wrapUpMessage } from '../slack/views/incident-room.js';
import type { Clock } from '../domain/clock.js';
import { loadIncidentView, type IncidentView } from '../services/incident-view.js';
import type { OutboxMessage, ScheduleNotice } from '../services/outbox.js';
import { readWebhooks } from '../services/config-apply.js';
import { coverRequestMessage, swapAskMessage } from '../slack/views/schedule-notices.js';
import { incidentCard } from '../slack/views/incident-card.js';
import { classifySlackError, type SlackFailure } from './slack-client.js';
import { classifyTwilioError, type PhoneSender } from './twilio-client.js';
import { smsPageText } from './twiml.js';

type OutboxRow = typeof outbox.$inferSelect;

const BATCH = 32;
/** The metadata event type that marks Baton's own posts with their outbox id. */
const OUTBOX_EVENT = 'baton_outbox';
/** How far back (pages of 200) a message interrupted by a restart is looked for. */
const FIND_POSTED_PAGES = 5;
/** last_error of a message that waits for another message of its incident to be sent first. */
const WAITING = 'waiting for an earlier message of the incident';
const MAX_BACKOFF_MS = 60_000;
/** A message still failing after a day is no longer worth sending: it is recorded as failed. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;

class PermanentFailure extends Error {}
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
/** Not an error: the message waits for something else to be sent first, or for a throttle window. */
class Deferred extends Error {
  constructor(readonly until?: number, reason = '') {
    super(reason);
  }
}

/** Card updates to one channel at most this often. */
export const CHANNEL_UPDATE_SPACING_MS = 1000;

/**
 * New posts to one shared channel: a short burst, then one a second (Slack's chat.postMessage limit is
 * about one per second per channel). DMs are not paced here: each person's is its own channel.
 */
export const CHANNEL_POST_PACE = { burst: 3, intervalMs: 1000 } as const;

/** Per person, per contact method, per 15 minutes: more than this is bundled into one message. */
export const PHONE_THROTTLE = { windowMs: 15 * 60_000, 'twilio.voice': 3, 'twilio.sms': 5 } as const;

export interface DispatcherStats {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Drains the outbox: rows are marked `sending` before the network call and `sent` after it, so a crash in
 * between re-sends that one message once on restart (at most one duplicate per crash).
 */
export class OutboxDispatcher {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  readonly stats: DispatcherStats = { sent: 0, retried: 0, failed: 0 };
  /** When each channel last got a card update: pacing only, so it may live in memory. */
  private readonly lastUpdate = new Map<string, { at: number; incidentId: number }>();
  /** Per shared channel, the theoretical time of its next post (GCRA): pacing only, so in memory. */
  private readonly channelTat = new Map<string, number>();
  /** Outbox rows given a slot in a busy channel: sent when it comes, without asking again. */
  private readonly postSlots = new Map<number, number>();
  private wake: { at: number; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly slack: WebClient,
    private readonly logger: Logger,
    private readonly phone: { sender: PhoneSender | null; baseUrl: () => string } = { sender: null, baseUrl: () => '' },
    /** Told of every delivery and every failed attempt (for metrics). */
    private readonly observe: { sent: (kind: string) => void; failed: (kind: string, retryable: boolean) => void } = { sent: () => {}, failed: () => {} },
  ) {}

  /**
   * Rows left `sending` by a crash go back to the queue, marked interrupted: Slack may have them already, so
   * each is looked for before it is posted again (see postOnce). Call once at start-up.
   */
  recoverInFlight(): number {
    return this.db.update(outbox).set({ status: 'pending', interrupted: true }).where(eq(outbox.status, 'sending')).run().changes;
  }

  /**
   * Asks for a drain without waiting for it: called right after a transaction queued messages. Deferred
   * to the next turn of the event loop so the sender's HTTP answer does not wait for the outbox query.
   */
  kick(): void {
    if (this.closed) return;
    setImmediate(() => {
      if (!this.closed) void this.drain().catch((err) => this.logger.error({ err }, 'outbox drain failed'));
    });
  }

  /**
   * A message held back for a second or two (pacing) should not wait for the next 5-second tick. The row
   * stays in the database either way; this timer only wakes the drain sooner.
   */
  private wakeAt(delayMs: number): void {
    if (this.closed || delayMs > 5000) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = null;
      this.kick();
    }, Math.max(0, delayMs));
    timer.unref();
    this.wake = { at, timer };
  }

  /** Finishes the drain under way and takes no more work: the database is about to close. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake.timer);
    await this.running?.catch(() => {});
  }

  /**
   * Sends everything due now; resolves once nothing due is left (including rows queued meanwhile). Up to
   * BATCH messages are in flight at once, and a free slot is refilled as soon as any send finishes, so a
   * page never waits behind a slow multi-step send (creating an incident channel takes five calls).
   */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      // Yield once, so `running` is set before the loop can end and clear it.
      await Promise.resolve();
      const active = new Set<Promise<void>>();
      try {
        for (;;) {
          this.again = false;
          const rows = this.closed || active.size >= BATCH ? [] : this.claim(BATCH - active.size);
          for (const row of rows) {
            const sending: Promise<void> = this.deliver(row)
              .catch((err) => this.logger.error({ err, outboxId: row.id }, 'outbox delivery failed unexpectedly'))
              .finally(() => active.delete(sending));
            active.add(sending);
          }
          if (rows.length > 0) continue;
          if (active.size === 0) {
            if (this.again && !this.closed) continue;
            break;
          }
          await Promise.race(active);
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  pendingCount(): number {
    return this.db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.status, ['pending', 'sending'])).all().length;
  }

  /** Marks up to `limit` due rows `sending` and returns them, oldest first. */
  private claim(limit: number): OutboxRow[] {
    const now = this.clock.now().getTime();
    return this.db.transaction((tx) => {
      const due = tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)))
        .orderBy(asc(outbox.id))
        .limit(limit)
        .all();
      if (due.length > 0) {
        tx.update(outbox).set({ status: 'sending' }).where(inArray(outbox.id, due.map((r) => r.id))).run();
      }
      return due;
    });
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const attempts = row.attempts + 1;
    try {
      const skipped = await this.send({ kind: row.kind, ...row.payload } as OutboxMessage, row);
      this.db
        .update(outbox)
        .set({ status: skipped ? 'skipped' : 'sent', attempts, sentAt: this.clock.now().getTime(), lastError: skipped ?? null })
        .where(eq(outbox.id, row.id))
        .run();
      if (!skipped) {
        this.stats.sent += 1;
        this.observe.sent(row.kind);
      }
      this.wakeWaiting(row.incidentId);
      // A verification code has done its job once sent; it is not kept.
      if (row.kind === 'twilio.verify') this.db.update(outbox).set({ payload: { ...row.payload, code: 'sent' } }).where(eq(outbox.id, row.id)).run();
    } catch (err) {
      const now = this.clock.now().getTime();
      if (err instanceof Deferred) {
        // Waiting for another message of the incident: woken when one finishes (wakeWaiting), or in a second.
        const until = err.until ?? now + 1000;
        const why = err.until === undefined ? WAITING : err.message || null;
        this.db.update(outbox).set({ status: 'pending', nextAttemptAt: until, lastError: why }).where(eq(outbox.id, row.id)).run();
        this.wakeAt(until - now);
        return;
      }
      const failure: SlackFailure =
        err instanceof PermanentFailure
          ? { retryable: false, message: err.message }
          : err instanceof RetryableFailure
            ? { retryable: true, message: err.message, ...(err.retryAfterMs ? { retryAfterMs: err.retryAfterMs } : {}) }
            : row.kind.startsWith('twilio.')
              ? classifyTwilioError(err)
              : classifySlackError(err);
      if (row.kind === 'slack.page') this.phoneEarly(row);
      this.observe.failed(row.kind, failure.retryable);
      const expired = now - row.createdAt > GIVE_UP_AFTER_MS;
      if (!failure.retryable || expired) {
        this.db.update(outbox).set({ status: 'failed', attempts, lastError: failure.message, sentAt: null }).where(eq(outbox.id, row.id)).run();
        this.wakeWaiting(row.incidentId);
        this.stats.failed += 1;
        this.logger.error({ outboxId: row.id, kind: row.kind, error: failure.message }, 'notification failed permanently');
        return;
      }
      const backoff = Math.min(MAX_BACKOFF_MS, 2000 * 2 ** (attempts - 1));
      const delay = Math.max(backoff, failure.retryAfterMs ?? 0);
      this.db
        .update(outbox)
        .set({ status: 'pending', attempts, nextAttemptAt: now + delay, lastError: failure.message, sentAt: null })
        .where(eq(outbox.id, row.id))
        .run();
      this.stats.retried += 1;
      this.logger.warn({ outboxId: row.id, kind: row.kind, attempts, retryInMs: delay, error: failure.message }, 'notification will be retried');
    }
  }

  /** Messages of the incident that wait for an earlier one (a channel's card, a thread's parent) are due now. */
  private wakeWaiting(incidentId: number | null): void {
    if (incidentId === null) return;
    this.db
      .update(outbox)
      .set({ nextAttemptAt: this.clock.now().getTime() })
      .where(and(eq(outbox.incidentId, incidentId), eq(outbox.status, 'pending'), eq(outbox.lastError, WAITING)))
      .run();
  }

  /**
   * Takes one post from the channel's allowance, or defers the message until there is one. Checked and
   * taken without yielding, so concurrent sends in a batch cannot overdraw it.
   */
  private pacePost(channel: string, rowId: number): void {
    if (/^[UWD]/.test(channel)) return;
    const now = this.clock.now().getTime();
    const slot = this.postSlots.get(rowId);
    if (slot !== undefined) {
      if (slot <= now) return void this.postSlots.delete(rowId);
      throw new Deferred(slot, 'pacing posts in a busy channel');
    }
    // Generic cell rate algorithm: a burst, then one post per interval. A post over the limit is given its
    // own later slot, so a backlog goes out one by one instead of every row retrying at every wake-up.
    const { burst, intervalMs } = CHANNEL_POST_PACE;
    const tolerance = (burst - 1) * intervalMs;
    const tat = Math.max(this.channelTat.get(channel) ?? now, now);
    this.channelTat.set(channel, tat + intervalMs);
    if (this.channelTat.size > 10_000) this.channelTat.clear();
    if (tat <= now + tolerance) return;
    this.postSlots.set(rowId, tat - tolerance);
    if (this.postSlots.size > 100_000) this.postSlots.clear();
    throw new Deferred(tat - tolerance, 'pacing posts in a busy channel');
  }

  /** Sends one message; returns why it was skipped when there was no longer anything to send. */
  private async send(message: OutboxMessage, row: OutboxRow): Promise<string | void> {
    // Single posts to a shared channel are paced; multi-step sends (a new incident channel) are not split.
    if (message.kind === 'slack.team_post' || message.kind === 'slack.incident_note' || message.kind === 'slack.message') this.pacePost(message.channel, row.id);
    if (!('incidentId' in message)) return this.sendNotice(message, row);
    const view = loadIncidentView(this.db, message.incidentId);
    if (!view) throw new PermanentFailure(`incident ${message.incidentId} no longer exists`);
    switch (message.kind) {
      case 'webhook.post':
        return this.sendWebhook(message, view.incident);
      case 'slack.incident_channel':
        return this.createIncidentChannel(view.incident, row);
      case 'slack.channel_card':
        return this.postChannelCard(row, view.incident);
      case 'slack.channel_welcome': {
        if (!view.incident.channelId) return 'skipped: the incident has no channel';
        // The card comes first in the channel, so it is the message people see at the top.
        if (this.pending(channelStepKey('slack.channel_card', view.incident.id))) throw new Deferred();
        const welcome = roomWelcome(view.incident.id);
        await this.postOnce(row, { channel: view.incident.channelId, text: welcome.text, blocks: welcome.blocks as KnownBlock[], unfurl_links: false });
        return;
      }
      case 'slack.incident_wrapup': {
        const incident = view.incident;
        if (!incident.channelId) {
          if (this.pending(`channel:${incident.id}`)) throw new Deferred();
          return 'skipped: the incident has no channel';
        }
        // The summary follows the card and the welcome, never comes before them.
        if (this.pending(channelStepKey('slack.channel_card', incident.id)) || this.pending(channelStepKey('slack.channel_welcome', incident.id))) throw new Deferred();
        // Pinned messages still being read belong in the summary's timeline.
        if (this.pendingKind(incident.id, 'slack.pin_text')) throw new Deferred();
        const events = this.db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, incident.id)).all();
        const archiveAfterHours = findServiceWithTeam(this.db, incident.serviceId)?.service.channelArchiveAfterHours ?? 24;
        const starts = this.db.select({ startsAt: alerts.startsAt }).from(alerts).where(eq(alerts.incidentId, incident.id)).all().map((a) => Date.parse(a.startsAt)).filter(Number.isFinite);
        const problemStartedAt = starts.length > 0 ? Math.min(...starts) : null;
        const rendered = wrapUpMessage(incident, resolutionSummary(incident, events, problemStartedAt), incident.commanderId, archiveAfterHours);
        await this.postOnce(row, { channel: incident.channelId, text: rendered.text, blocks: rendered.blocks as KnownBlock[], unfurl_links: false });
        return;
      }
      case 'slack.opener_confirm':
        return this.confirmToOpener(row, message.userId, view);
      case 'slack.opener_link':
        return this.linkForOpener(row, message.userId, view.incident);
      case 'slack.pin_text':
        return this.readPinnedText(message);
      case 'slack.archive':
        if (!view.incident.channelId) return 'skipped: the incident has no channel';
        // The summary goes in first, even when the channel is archived right after it.
        if (this.pending(`wrapup:${view.incident.id}`)) throw new Deferred();
        try {
          await this.slack.conversations.archive({ channel: view.incident.channelId });
        } catch (err) {
          if (classifySlackError(err).message.includes('already_archived')) return 'skipped: already archived';
          throw err;
        }
        return;
      case 'twilio.sms':
      case 'twilio.voice':
        // A step of a level the incident has already left is stale: the next level's people are paged now.
        if (view.incident.escalationLevel !== message.level || view.incident.escalationLoop !== message.loop) {
          return `skipped: escalated past level ${message.level + 1}`;
        }
        return this.sendPhone(message, row, view.incident.status);
      case 'slack.page': {
        // A page held up by an outage is pointless once someone acknowledged or it resolved.
        if (view.incident.status !== 'triggered') return `skipped: incident already ${view.incident.status}`;
        const card = incidentCard(view, { reason: message.reason });
        const res = await this.postOnce(row, { channel: message.userId, text: card.text, blocks: card.blocks, unfurl_links: false });
        this.remember(message.incidentId, res.channel!, res.ts!, 'dm', message.userId);
        return;
      }
      case 'slack.team_post': {
        const card = incidentCard(view);
        const text = message.mention ? `${message.mention} ${card.text}` : card.text;
        const res = await this.postOnce(row, { channel: message.channel, text, blocks: card.blocks, unfurl_links: false });
        this.remember(message.incidentId, res.channel!, res.ts!, 'team', null);
        return;
      }
      case 'slack.incident_note': {
        const thread = this.teamMessage(message.incidentId, message.channel);
        if (!thread && this.pendingKind(message.incidentId, 'slack.team_post')) throw new Deferred();
        await this.postOnce(row, {
          channel: message.channel,
          text: message.text,
          ...(thread ? { thread_ts: thread.ts } : {}),
          unfurl_links: false,
        });
        return;
      }
      case 'slack.refresh': {
        const messages = this.db.select().from(incidentMessages).where(eq(incidentMessages.incidentId, message.incidentId)).all();
        // Slack allows about one message per second per channel: card updates for many incidents in one
        // channel are spaced out (the refresh is coalesced meanwhile, so the card still shows the latest state).
        const now = this.clock.now().getTime();
        // Successive updates of one incident (a person clicking) are not held back; other incidents' are.
        const busy = Math.max(
          0,
          ...messages.map((m) => {
            const last = this.lastUpdate.get(m.channel);
            return last && last.incidentId !== message.incidentId ? last.at + CHANNEL_UPDATE_SPACING_MS : 0;
          }),
        );
        if (busy > now) throw new Deferred(busy, 'spacing updates in a busy channel');
        for (const m of messages) this.lastUpdate.set(m.channel, { at: now, incidentId: message.incidentId });
        if (this.lastUpdate.size > 10_000) this.lastUpdate.clear();
        for (const m of messages) {
          const card = incidentCard(view);
          try {
            await this.slack.chat.update({ channel: m.channel, ts: m.ts, text: card.text, blocks: card.blocks });
          } catch (err) {
            // A deleted message cannot be updated; the others still should be.
            if (classifySlackError(err).retryable) throw err;
            this.logger.warn({ incidentId: message.incidentId, channel: m.channel, err: classifySlackError(err).message }, 'message not updated');
          }
        }
        return;
      }
    }
  }

  /** Schedule notices: DMs and posts about swaps, cover requests and time off, and user group updates. */
  private async sendNotice(message: ScheduleNotice, row: OutboxRow): Promise<string | void> {
    switch (message.kind) {
      case 'slack.message':
        await this.postOnce(row, {
          channel: message.channel,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks as KnownBlock[] } : {}),
          unfurl_links: false,
        });
        return;
      case 'slack.swap_ask': {
        const swap = this.db.select().from(swapRequests).where(eq(swapRequests.id, message.swapId)).get();
        if (!swap) throw new PermanentFailure(`swap request ${message.swapId} no longer exists`);
        if (swap.status !== 'pending') return `skipped: swap already ${swap.status}`;
        const rotation = this.db.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, swap.rotationId)).get();
        const zone = this.db.select({ tz: users.timeZone }).from(users).where(eq(users.id, swap.teammateId)).get()?.tz ?? 'UTC';
        const rendered = swapAskMessage(swap, rotation?.name ?? swap.rotationId, zone);
        await this.postOnce(row, { channel: message.channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
        return;
      }
      case 'slack.cover_post': {
        const request = this.coverRequest(message.coverRequestId);
        const rendered = coverRequestMessage(request.row, request.rotationName);
        const res = await this.postOnce(row, { channel: message.channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
        this.db.update(coverRequests).set({ channel: res.channel!, ts: res.ts! }).where(eq(coverRequests.id, request.row.id)).run();
        return;
      }
      case 'slack.cover_refresh': {
        const request = this.coverRequest(message.coverRequestId);
        if (!request.row.ts || !request.row.channel) throw new Deferred();
        const rendered = coverRequestMessage(request.row, request.rotationName);
        await this.slack.chat.update({ channel: request.row.channel, ts: request.row.ts, text: rendered.text, blocks: rendered.blocks });
        return;
      }
      case 'slack.cover_thread': {
        const request = this.coverRequest(message.coverRequestId);
        if (!request.row.ts || !request.row.channel) throw new Deferred();
        await this.postOnce(row, { channel: request.row.channel, thread_ts: request.row.ts, text: message.text, unfurl_links: false });
        return;
      }
      case 'slack.invite':
        try {
          await this.slack.conversations.invite({ channel: message.channel, users: message.users.join(',') });
        } catch (err) {
          // Someone who cannot be invited (a guest, or already in) must not hold the channel up or fail it.
          const failure = classifySlackError(err);
          if (failure.retryable) throw err;
          return `skipped: ${failure.message}`;
        }
        return;
      case 'twilio.verify':
        if (!this.phone.sender) return 'skipped: phone paging is not configured (TWILIO_* not set)';
        await this.phone.sender.sms(message.phone, `Your Baton verification code is ${message.code}. It expires in 10 minutes.`);
        return;
      case 'slack.usergroup':
        await this.slack.usergroups.users.update({ usergroup: message.usergroup, users: message.users.join(',') });
        return;
    }
  }

  /**
   * An outbound webhook: the event and the incident as it is now, signed with HMAC-SHA256 over
   * "<timestamp>.<body>" so the receiver can check both origin and freshness.
   */
  private async sendWebhook(message: Extract<OutboxMessage, { kind: 'webhook.post' }>, incident: typeof incidents.$inferSelect): Promise<string | void> {
    const hook = readWebhooks(this.db).find((w) => w.id === message.webhookId);
    if (!hook) return `skipped: webhook ${message.webhookId} is no longer configured`;
    const body = JSON.stringify({
      event: `incident.${message.event}`,
      at: new Date(message.at).toISOString(),
      incident: {
        id: incident.id,
        title: incident.title,
        service: incident.serviceId,
        severity: incident.severity,
        urgency: incident.urgency,
        status: incident.status,
        dedup_key: incident.dedupKey,
        opened_at: new Date(incident.openedAt).toISOString(),
        acknowledged_at: incident.acknowledgedAt ? new Date(incident.acknowledgedAt).toISOString() : null,
        acknowledged_by: incident.acknowledgedBy,
        resolved_at: incident.resolvedAt ? new Date(incident.resolvedAt).toISOString() : null,
        resolved_by: incident.resolvedBy,
        labels: incident.labels,
        links: incident.links,
      },
    });
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const signature = createHmac('sha256', hook.secret).update(`${timestamp}.${body}`).digest('hex');
    let res: Response;
    try {
      res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Baton-Webhooks/1', 'x-baton-event': `incident.${message.event}`, 'x-baton-timestamp': timestamp, 'x-baton-signature': `sha256=${signature}` },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new RetryableFailure(`webhook ${hook.id} unreachable: ${(err as Error).message}`);
    }
    if (res.ok) return;
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new RetryableFailure(`webhook ${hook.id} answered ${res.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new PermanentFailure(`webhook ${hook.id} answered ${res.status}`);
  }

  /** Copies a pinned message's text (the first 500 characters) into its timeline entry. */
  private async readPinnedText(message: Extract<OutboxMessage, { kind: 'slack.pin_text' }>): Promise<string | void> {
    const found = async () => {
      const top = await this.slack.conversations.history({ channel: message.channel, latest: message.ts, inclusive: true, limit: 1 });
      const hit = top.messages?.find((m) => m.ts === message.ts);
      if (hit) return hit;
      // A reply in a thread is not in the channel's history, only in its thread.
      const thread = await this.slack.conversations.replies({ channel: message.channel, ts: message.ts, limit: 200 });
      return thread.messages?.find((m) => m.ts === message.ts);
    };
    let hit;
    try {
      hit = await found();
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.retryable) throw err;
      // Without channels:history (an app installed before it was asked for) the entry keeps who pinned and when.
      return `skipped: ${failure.message}`;
    }
    if (!hit) return 'skipped: the pinned message is gone';
    const text = (hit.text ?? '').slice(0, 500);
    this.db.$client
      .prepare(
        "update incident_events set detail = json_set(detail, '$.text', ?, '$.author', ?) where incident_id = ? and kind = 'pinned' and json_extract(detail, '$.ts') = ?",
      )
      .run(text, hit.user ?? null, message.incidentId, message.ts);
  }

  private pendingKind(incidentId: number, kind: string): boolean {
    return (
      this.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.incidentId, incidentId), eq(outbox.kind, kind), inArray(outbox.status, ['pending', 'sending'])))
        .get() !== undefined
    );
  }

  private pending(dedupeKey: string): boolean {
    const row = this.db.select({ status: outbox.status }).from(outbox).where(eq(outbox.dedupeKey, dedupeKey)).get();
    return row !== undefined && (row.status === 'pending' || row.status === 'sending');
  }

  /**
   * Creates the incident's channel, or finds the one a crash left behind: each name is written down before
   * it is asked for, so a `name_taken` for a name Baton itself asked for is that channel (adopted), and any
   * other taken name gets a suffix. The rest of the set-up is queued as steps of its own.
   */
  private async createIncidentChannel(incident: typeof incidents.$inferSelect, row: OutboxRow): Promise<string | void> {
    if (incident.channelId) return 'skipped: the channel exists';
    // Names asked for by an earlier attempt of this row (before a crash, or a lost answer): taken means ours.
    const askedBefore = new Set(((row.payload as { asked?: string[] }).asked ?? []).map(String));
    const asked = new Set(askedBefore);
    let channelId: string | null = null;
    for (let attempt = 1; attempt <= 5 && !channelId; attempt += 1) {
      const name = incidentChannelName(incident.openedAt, incident.id, incident.title, attempt);
      if (!asked.has(name)) {
        asked.add(name);
        this.db.update(outbox).set({ payload: { ...row.payload, asked: [...asked] } }).where(eq(outbox.id, row.id)).run();
      }
      try {
        const res = await this.slack.conversations.create({ name });
        channelId = res.channel!.id!;
      } catch (err) {
        if (!classifySlackError(err).message.includes('name_taken')) throw err;
        if (askedBefore.has(name)) channelId = await this.findChannelByName(name);
      }
    }
    if (!channelId) throw new PermanentFailure('every channel name tried was taken');
    attachIncidentChannel(this.db, incident.id, channelId, this.clock.now().getTime());
  }

  /** A public channel by its exact name, or null; walks conversations.list a page at a time. */
  private async findChannelByName(name: string): Promise<string | null> {
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const res = await this.slack.conversations.list({ types: 'public_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
      const hit = res.channels?.find((c) => c.name === name);
      if (hit?.id) return hit.id;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  /** The card in the incident's channel, pinned; then the channel is linked from the team channel. */
  private async postChannelCard(row: OutboxRow, incident: typeof incidents.$inferSelect): Promise<string | void> {
    if (!incident.channelId) return 'skipped: the incident has no channel';
    // Posted on an earlier attempt (the pin failed after it): pin that one rather than post another.
    let posted: { channel: string; ts: string } | undefined = this.teamMessage(incident.id, incident.channelId);
    if (!posted) {
      const card = incidentCard(loadIncidentView(this.db, incident.id)!);
      posted = await this.postOnce(row, { channel: incident.channelId, text: card.text, blocks: card.blocks, unfurl_links: false });
      this.remember(incident.id, posted.channel, posted.ts, 'team', null);
    }
    try {
      await this.slack.pins.add({ channel: posted.channel, timestamp: posted.ts });
    } catch (err) {
      if (!classifySlackError(err).message.includes('already_pinned')) throw err;
    }
    const team = findServiceWithTeam(this.db, incident.serviceId)?.team;
    if (team) {
      const link = incidentChannelLink(incident.channelId);
      enqueueIncidentNote(this.db, incident.id, team.slackChannel, link, `channel-note:${incident.id}`, this.clock.now().getTime());
    }
  }

  /**
   * Tells whoever opened the incident by hand what happened, as it is when sent. Whether the channel's link
   * was in it is kept on the row, so the link is sent separately only if it was not (see linkForOpener).
   */
  private async confirmToOpener(row: OutboxRow, userId: string, view: IncidentView): Promise<void> {
    // Noted before posting: a channel never goes away, so a retry carries the link too. After a crash the
    // copy found in Slack may be an older one without it; then the link is sent anyway (a duplicate at worst).
    if (view.incident.channelId && !row.interrupted) this.db.update(outbox).set({ payload: { ...row.payload, linked: true } }).where(eq(outbox.id, row.id)).run();
    await this.postOnce(row, { channel: userId, text: openerConfirmation(view), unfurl_links: false });
  }

  /** The channel's link for whoever opened the incident, once: only when their confirmation went out without it. */
  private async linkForOpener(row: OutboxRow, userId: string, incident: typeof incidents.$inferSelect): Promise<string | void> {
    if (!incident.channelId) return 'skipped: the incident has no channel';
    const confirmation = this.db.select().from(outbox).where(eq(outbox.dedupeKey, openerConfirmKey(incident.id))).get();
    if (confirmation && (confirmation.status === 'pending' || confirmation.status === 'sending')) throw new Deferred();
    if ((confirmation?.payload as { linked?: boolean } | undefined)?.linked) return 'skipped: the confirmation carried the link';
    await this.postOnce(row, { channel: userId, text: openerChannelLink(incident.id, incident.channelId), unfurl_links: false });
  }

  /**
   * chat.postMessage for a message that must not be doubled by a crash: it carries its outbox id in
   * Slack's message metadata, and a row that was in flight when the process died is first looked for in
   * the channel (or thread) before it is posted again.
   */
  private async postOnce(row: OutboxRow, args: ChatPostMessageArguments): Promise<{ channel: string; ts: string }> {
    if (row.interrupted) {
      const found = await this.findPosted(row.id, args.channel, 'thread_ts' in args ? args.thread_ts : undefined);
      if (found) {
        this.logger.info({ outboxId: row.id, kind: row.kind }, 'message interrupted by a restart was already in Slack: not sent again');
        return found;
      }
    }
    const res = await this.slack.chat.postMessage({ ...args, metadata: { event_type: OUTBOX_EVENT, event_payload: { outbox_id: row.id } } } as ChatPostMessageArguments);
    return { channel: res.channel!, ts: res.ts! };
  }

  /**
   * The message posted for outbox row `id`, looked up by its metadata among the newest messages of the
   * channel (a person's DM is opened first) or of the thread. Null when it is not there, or when Slack will
   * not let Baton look (an install without the history scopes): then it is posted again, as before.
   */
  private async findPosted(id: number, channel: string, threadTs: string | undefined): Promise<{ channel: string; ts: string } | null> {
    const ours = (m: { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }) =>
      m.metadata?.event_type === OUTBOX_EVENT && Number(m.metadata.event_payload?.outbox_id) === id;
    try {
      const conversation = /^[UW]/.test(channel) ? (await this.slack.conversations.open({ users: channel })).channel!.id! : channel;
      if (threadTs) {
        const thread = await this.slack.conversations.replies({ channel: conversation, ts: threadTs, include_all_metadata: true, limit: 1000 });
        const hit = thread.messages?.find(ours);
        return hit?.ts ? { channel: conversation, ts: hit.ts } : null;
      }
      let latest: string | undefined;
      for (let page = 0; page < FIND_POSTED_PAGES; page += 1) {
        const history = await this.slack.conversations.history({ channel: conversation, include_all_metadata: true, limit: 200, ...(latest ? { latest } : {}) });
        const messages = history.messages ?? [];
        const hit = messages.find(ours);
        if (hit?.ts) return { channel: conversation, ts: hit.ts };
        if (!history.has_more || messages.length === 0) return null;
        latest = messages[messages.length - 1]!.ts;
      }
      return null;
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.retryable) throw err;
      this.logger.warn({ outboxId: id, err: failure.message }, 'could not look for a message interrupted by a restart: sending it again');
      return null;
    }
  }

  /** SMS and voice pages: skipped once the incident is handled, throttled per person, bundled when throttled. */
  private async sendPhone(message: Extract<OutboxMessage, { kind: 'twilio.sms' | 'twilio.voice' }>, row: OutboxRow, status: string): Promise<string | void> {
    if (status !== 'triggered') return `skipped: incident already ${status}`;
    const sender = this.phone.sender;
    if (!sender) return 'skipped: phone paging is not configured (TWILIO_* not set)';
    const person = this.db.select().from(users).where(eq(users.id, message.userId)).get();
    if (!person?.phone) return 'skipped: no phone number';
    if (message.kind === 'twilio.sms' && person.smsOptedOut) return 'skipped: the person replied STOP';

    const now = this.clock.now().getTime();
    const recent = this.db
      .select({ sentAt: outbox.sentAt })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          inArray(outbox.status, ['sent', 'sending']),
          gt(outbox.sentAt, now - PHONE_THROTTLE.windowMs),
          sql`json_extract(${outbox.payload}, '$.userId') = ${message.userId}`,
        ),
      )
      .orderBy(asc(outbox.sentAt))
      .all();
    const limit = PHONE_THROTTLE[message.kind];
    if (recent.length >= limit) {
      throw new Deferred(recent[recent.length - limit]!.sentAt! + PHONE_THROTTLE.windowMs, `throttled: ${limit} per 15 minutes`);
    }
    // Everything else due for this person by this method goes out in this one message: other incidents
    // are listed in it, and late repeats for this incident (after an outage, say) are superseded by it.
    const others = this.db
      .select({ id: outbox.id, incidentId: outbox.incidentId })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          eq(outbox.status, 'pending'),
          ne(outbox.id, row.id),
          sql`json_extract(${outbox.payload}, '$.userId') = ${message.userId}`,
          // Due now, or meant for now or earlier and held back by a retry's backoff.
          sql`(${outbox.nextAttemptAt} <= ${now} or coalesce(json_extract(${outbox.payload}, '$.scheduledFor'), ${outbox.nextAttemptAt}) <= ${now})`,
        ),
      )
      .all();
    const otherIncidents = [...new Set(others.map((o) => o.incidentId!).filter((id) => id !== null && id !== message.incidentId))];
    const open = new Set(
      otherIncidents.length === 0
        ? []
        : this.db.select({ id: incidents.id }).from(incidents).where(and(inArray(incidents.id, otherIncidents), eq(incidents.status, 'triggered'))).all().map((r) => r.id),
    );
    const incidentIds = [message.incidentId, ...otherIncidents.filter((id) => open.has(id))];
    if (incidentIds.length > 1) this.db.update(outbox).set({ payload: { ...row.payload, bundle: incidentIds } }).where(eq(outbox.id, row.id)).run();
    if (others.length > 0) {
      this.db
        .update(outbox)
        .set({ status: 'skipped', lastError: `covered by outbox ${row.id}`, sentAt: now })
        .where(inArray(outbox.id, others.map((o) => o.id)))
        .run();
    }

    // A step is covered when a message of its kind for the same incident already reached this person at or
    // after the moment the step was meant for: two steps that fall due together (after a pause, say) make one
    // message. Tied to the step's own time rather than a window, so a call repeated every minute is never taken
    // for the one before it however late the loop runs; and a step brought forward on purpose (the last call
    // went unanswered) is meant for later than anything sent, so nothing covers it.
    const meantFor = message.scheduledFor ?? row.createdAt;
    const twin = this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, message.kind),
          eq(outbox.incidentId, message.incidentId),
          inArray(outbox.status, ['sent', 'sending']),
          gte(outbox.sentAt, meantFor),
          ne(outbox.id, row.id),
          sql`json_extract(${outbox.payload}, '$.userId') = ${message.userId}`,
        ),
      )
      .get();
    if (twin) return `skipped: covered by outbox ${twin.id}`;

    // Counted against the throttle from this moment: sends decided in the same batch see it. Everything from
    // the throttle query to here runs without yielding, so concurrent sends cannot both take the last slot.
    this.db.update(outbox).set({ sentAt: now }).where(eq(outbox.id, row.id)).run();
    const base = this.phone.baseUrl();
    if (message.kind === 'twilio.voice') {
      await sender.call(person.phone, { twimlUrl: `${base}/twilio/voice?o=${row.id}`, statusCallback: `${base}/twilio/voice/status?o=${row.id}`, timeoutSeconds: 30 });
    } else {
      const list = this.db.select().from(incidents).where(inArray(incidents.id, incidentIds)).all();
      await sender.sms(person.phone, smsPageText(list));
    }
  }

  /**
   * Slack failed to deliver a page: for a high-urgency incident, the person's first pending phone steps
   * are made due now instead of waiting for their delay.
   */
  private phoneEarly(row: OutboxRow): void {
    const incident = row.incidentId === null ? undefined : this.db.select().from(incidents).where(eq(incidents.id, row.incidentId)).get();
    if (!incident || incident.urgency !== 'high' || incident.status !== 'triggered') return;
    const userId = (row.payload as { userId?: string }).userId;
    const now = this.clock.now().getTime();
    for (const kind of ['twilio.sms', 'twilio.voice']) {
      const next = this.db
        .select({ id: outbox.id, nextAttemptAt: outbox.nextAttemptAt })
        .from(outbox)
        .where(and(eq(outbox.incidentId, incident.id), eq(outbox.kind, kind), eq(outbox.status, 'pending'), sql`json_extract(${outbox.payload}, '$.userId') = ${userId}`))
        .orderBy(asc(outbox.nextAttemptAt))
        .limit(1)
        .get();
      if (next && next.nextAttemptAt > now) {
        this.db.update(outbox).set({ nextAttemptAt: now }).where(eq(outbox.id, next.id)).run();
        this.logger.warn({ incidentId: incident.id, kind }, 'Slack page failed: phone step brought forward');
      }
    }
  }

  private coverRequest(id: number) {
    const row = this.db.select().from(coverRequests).where(eq(coverRequests.id, id)).get();
    if (!row) throw new PermanentFailure(`cover request ${id} no longer exists`);
    const rotationName = this.db.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, row.rotationId)).get()?.name ?? row.rotationId;
    return { row, rotationName };
  }

  private remember(incidentId: number, channel: string, ts: string, audience: 'dm' | 'team', userId: string | null): void {
    this.db.insert(incidentMessages).values({ incidentId, channel, ts, audience, userId }).onConflictDoNothing().run();
  }

  private teamMessage(incidentId: number, channel: string) {
    return this.db
      .select()
      .from(incidentMessages)
      .where(and(eq(incidentMessages.incidentId, incidentId), eq(incidentMessages.audience, 'team'), eq(incidentMessages.channel, channel)))
      .get();
  }

}
