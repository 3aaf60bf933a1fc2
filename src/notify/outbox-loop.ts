import { AsyncResource } from 'node:async_hooks';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { changedRows, type DB } from '../db/client.js';
import { claimOutbox, statementsOf } from '../db/statements.js';
import { outbox } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { DAY, MINUTE } from '../domain/time-units.js';
import { failed, retry } from './send-result.js';
import type { OutboxKind, OutboxObserver, OutboxRow, OutboxStats, Sender, SendResult, SenderTable } from './send-result.js';
import { classifySlackError } from './slack-client.js';
import { classifyTwilioError } from './twilio-client.js';

/** Sends in flight at once; a free slot is refilled as soon as any send finishes. */
const IN_FLIGHT = 32;
const MAX_BACKOFF_MS = MINUTE;
/** A message still failing after a day is no longer worth sending: it is recorded as failed. */
const GIVE_UP_AFTER_MS = DAY;
/** last_error of a message that waits for another message of its incident to be sent first. */
const WAITING = 'waiting for an earlier message of the incident';
/** A timer wakes the loop for a deferred message (a pacing slot, a Retry-After) up to this far ahead. */
const MAX_TIMER_MS = MINUTE;

/**
 * How long a claimed row is this node's. Sends time out well within it (Slack 10 s, Twilio 10 s); a node that
 * dies mid-send leaves its rows to the others once it lapses.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * The queue engine: claims due rows (`pending` → `sending`), hands each to the sender of its kind and
 * records what became of it. It knows no message kinds. A crash between the send and the record leaves the
 * row `sending`; recoverInFlight marks it interrupted, and its sender looks for it in Slack before sending
 * it again (see SlackPoster).
 */
export class OutboxLoop {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  readonly stats: OutboxStats = { sent: 0, retried: 0, failed: 0 };
  private wake: { at: number; timer: NodeJS.Timeout } | null = null;
  /**
   * Starts a drain in the async context the loop was made in, not in the one of whoever woke it: a unit of
   * work still open there (a transaction on a server engine outlives a turn of the event loop) would
   * otherwise take in the drain's queries.
   */
  private readonly startDrain = AsyncResource.bind(() => {
    if (!this.closed) void this.drain().catch((err) => this.logger.error({ err }, 'outbox drain failed'));
  });

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly senders: SenderTable,
    private readonly logger: Logger,
    private readonly observe: OutboxObserver = { sent: () => {}, failed: () => {} },
  ) {}

  /**
   * At start-up: rows left `sending` by a crash go back to the queue, marked interrupted. On SQLite every such
   * row was this process's; on PostgreSQL another node may be sending it, so only lapsed claims are taken.
   */
  async recoverInFlight(): Promise<number> {
    if (this.db.engine === 'sqlite')
      return this.db.query(async (q) =>
        changedRows(
          await q.update(outbox).set({ status: 'pending', interrupted: true, leaseUntil: null }).where(eq(outbox.status, 'sending')),
        ),
      );
    return this.reclaimLapsed();
  }

  /**
   * Claims whose lease lapsed (their node died mid-send) go back to the queue, marked interrupted so they are
   * looked for in Slack before they are sent again. Run by every node's periodic loop.
   */
  async reclaimLapsed(): Promise<number> {
    const now = this.clock.nowMs();
    return this.db.query(async (q) => (await statementsOf(q).reclaimLapsed.run({ now })).changes);
  }

  /**
   * Asks for a drain without waiting for it: called right after a transaction queued messages. Deferred
   * to the next turn of the event loop so the caller's HTTP answer does not wait for the outbox query.
   */
  wakeOutbox(): void {
    if (this.closed) return;
    setImmediate(this.startDrain);
  }

  /** Finishes the drain under way and takes no more work: the database is about to close. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake.timer);
    await this.running?.catch(() => {});
  }

  /** Sends everything due now; resolves once nothing due is left (including rows queued meanwhile). */
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
          const rows = this.closed || active.size >= IN_FLIGHT ? [] : await this.claim(IN_FLIGHT - active.size);
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

  /**
   * A message held back for a second or two (pacing) should not wait for the next tick. The row stays in
   * the database either way; this timer only wakes the drain sooner. (Wall time: it only schedules a wake-up.)
   */
  private wakeAt(delayMs: number): void {
    if (this.closed || delayMs > MAX_TIMER_MS) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(
      () => {
        this.wake = null;
        this.wakeOutbox();
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.wake = { at, timer };
  }

  /**
   * Marks up to `limit` due rows `sending` under a lease and returns them, pages first, then oldest first. On
   * PostgreSQL rows another node is claiming are skipped, so nodes share the queue and never send a row twice.
   */
  private claim(limit: number): Promise<OutboxRow[]> {
    const now = this.clock.nowMs();
    return this.db.query((q) => claimOutbox(q, { now, limit, leaseMs: CLAIM_LEASE_MS }));
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const sender = this.senders[row.kind as OutboxKind] as Sender | undefined;
    let result: SendResult;
    try {
      result = sender ? await sender.send({ kind: row.kind, ...row.payload } as never, row) : failed(`no sender for ${row.kind}`);
    } catch (err) {
      await this.observe.thrown?.(err);
      // A provider's own error: sorted into "try again later" or "will never work".
      const failure = sender?.provider === 'twilio' ? classifyTwilioError(err) : classifySlackError(err);
      result = failure.retryable ? retry(failure.message, failure.retryAfterMs) : failed(failure.message);
    }
    await this.record(row, result, sender);
  }

  /** Records what became of the send, after it (never while a provider's call is under way). */
  private async record(row: OutboxRow, result: SendResult, sender: Sender | undefined): Promise<void> {
    const now = this.clock.nowMs();
    const attempts = row.attempts + 1;
    // The claim ends with the attempt, whatever became of it. Left out: kept as they were.
    const update = (set: { status: string; attempts?: number; nextAttemptAt?: number; lastError: string | null; sentAt?: number }) =>
      this.db.query(async (q) => {
        await statementsOf(q).recordAttempt.run({
          id: row.id,
          status: set.status,
          attempts: set.attempts ?? null,
          nextAttemptAt: set.nextAttemptAt ?? null,
          lastError: set.lastError,
          sentAt: set.sentAt ?? null,
        });
      });
    switch (result.outcome) {
      case 'sent':
      case 'skipped':
        // The row and the messages it held up, in one unit.
        await this.db.query(async () => {
          await update({
            status: result.outcome,
            attempts,
            sentAt: now,
            lastError: result.outcome === 'skipped' ? `skipped: ${result.reason}` : null,
          });
          if (result.outcome === 'sent') {
            this.stats.sent += 1;
            this.observe.sent(row.kind);
          }
          await this.wakeWaiting(row.incidentId);
        });
        return;
      case 'deferred': {
        // Waiting for another message of the incident: woken when one finishes (wakeWaiting), or in a second.
        const until = result.until ?? now + 1000;
        await update({
          status: 'pending',
          nextAttemptAt: until,
          lastError: result.until === undefined ? WAITING : (result.reason ?? null),
        });
        this.wakeAt(until - now);
        return;
      }
      case 'retry':
      case 'failed': {
        await sender?.afterFailure?.(row);
        const retryable = result.outcome === 'retry';
        this.observe.failed(row.kind, retryable);
        if (!retryable || now - row.createdAt > GIVE_UP_AFTER_MS) {
          await this.db.query(async () => {
            await update({ status: 'failed', attempts, lastError: result.reason });
            await this.wakeWaiting(row.incidentId);
          });
          this.stats.failed += 1;
          this.logger.error({ outboxId: row.id, kind: row.kind, error: result.reason }, 'notification failed permanently');
          return;
        }
        const backoff = Math.min(MAX_BACKOFF_MS, 2000 * 2 ** (attempts - 1));
        const delay = Math.max(backoff, result.outcome === 'retry' ? (result.afterMs ?? 0) : 0);
        await update({ status: 'pending', attempts, nextAttemptAt: now + delay, lastError: result.reason });
        this.stats.retried += 1;
        this.logger.warn(
          { outboxId: row.id, kind: row.kind, attempts, retryInMs: delay, error: result.reason },
          'notification will be retried',
        );
      }
    }
  }

  /** Messages of the incident that wait for an earlier one (a channel's card, a thread's parent) are due now. */
  private async wakeWaiting(incidentId: number | null): Promise<void> {
    if (incidentId === null) return;
    await this.db.query(async (q) => {
      await q
        .update(outbox)
        .set({ nextAttemptAt: this.clock.nowMs() })
        .where(and(eq(outbox.incidentId, incidentId), eq(outbox.status, 'pending'), eq(outbox.lastError, WAITING)));
    });
  }
}
