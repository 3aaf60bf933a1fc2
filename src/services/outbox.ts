import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { outbox } from '../db/schema.js';

/**
 * What the dispatcher knows how to send. Payloads name the incident rather than carry rendered text, so a
 * message sent late (after an outage) shows the incident as it is when it goes out, not as it was.
 */
export type OutboxMessage =
  | { kind: 'slack.page'; incidentId: number; userId: string; level: number; loop: number; reason: string }
  | { kind: 'slack.team_post'; incidentId: number; channel: string }
  | { kind: 'slack.refresh'; incidentId: number }
  | { kind: 'slack.incident_note'; incidentId: number; channel: string; text: string };

function insert(tx: Tx, message: OutboxMessage, dedupeKey: string | null, now: number, dueAt = now): void {
  const { kind, ...payload } = message;
  tx.insert(outbox)
    .values({ kind, dedupeKey, incidentId: message.incidentId, payload, status: 'pending', attempts: 0, nextAttemptAt: dueAt, createdAt: now })
    .onConflictDoNothing()
    .run();
}

/** A page is sent at most once per incident, escalation step and recipient, also across restarts. */
export function enqueuePage(tx: Tx, page: Omit<Extract<OutboxMessage, { kind: 'slack.page' }>, 'kind'>, now: number): void {
  insert(tx, { kind: 'slack.page', ...page }, `page:${page.incidentId}:${page.loop}:${page.level}:${page.userId}:slack`, now);
}

export function enqueueTeamPost(tx: Tx, incidentId: number, channel: string, now: number): void {
  insert(tx, { kind: 'slack.team_post', incidentId, channel }, `team:${incidentId}:${channel}`, now);
}

/**
 * Updates every message of the incident; coalesced, since one refresh shows the latest state anyway. A
 * pending refresh waiting out a backoff is made due now: a new change should not wait for an old failure.
 */
export function enqueueRefresh(tx: Tx, incidentId: number, now: number, opts: { minIntervalMs?: number } = {}): void {
  const pending = tx
    .select({ id: outbox.id, nextAttemptAt: outbox.nextAttemptAt })
    .from(outbox)
    .where(and(eq(outbox.kind, 'slack.refresh'), eq(outbox.incidentId, incidentId), eq(outbox.status, 'pending')))
    .get();
  if (pending) {
    if (!opts.minIntervalMs && pending.nextAttemptAt > now) {
      tx.update(outbox).set({ nextAttemptAt: now }).where(eq(outbox.id, pending.id)).run();
    }
    return;
  }
  let due = now;
  if (opts.minIntervalMs) {
    // Throttled refreshes wait until the interval since the last one has passed.
    const last = tx
      .select({ createdAt: outbox.createdAt })
      .from(outbox)
      .where(and(eq(outbox.kind, 'slack.refresh'), eq(outbox.incidentId, incidentId)))
      .orderBy(desc(outbox.id))
      .limit(1)
      .get();
    if (last) due = Math.max(now, last.createdAt + opts.minIntervalMs);
  }
  insert(tx, { kind: 'slack.refresh', incidentId }, null, now, due);
}

/** A line in the incident's thread in the team channel. */
export function enqueueIncidentNote(tx: Tx, incidentId: number, channel: string, text: string, dedupeKey: string, now: number): void {
  insert(tx, { kind: 'slack.incident_note', incidentId, channel, text }, dedupeKey, now);
}
