import type { DB, Tx } from '../../db/client.js';
import { statementsOf } from '../../db/statements.js';

export type TimelineKind =
  | 'opened'
  | 'alerts_updated'
  | 'paged'
  | 'escalated'
  | 'escalation_gap'
  | 'call_unanswered'
  | 'suppressed'
  | 'deferred'
  | 'role'
  | 'status_update'
  | 'responder_paged'
  | 'pinned'
  | 'channel_created'
  | 'escalation_exhausted'
  | 'acknowledged'
  | 'resolved';

/** Appends to the incident's timeline, in the caller's open transaction (`db` is its handle). */
export async function recordEvent(
  db: Tx,
  incidentId: number,
  at: number,
  kind: TimelineKind,
  actor: string | null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await statementsOf(db).insertEvent.run({ incidentId, at, kind, actor, detailJson: JSON.stringify(detail) });
}

/** A pinned message's text (and who wrote it), read from Slack, put into its `pinned` timeline entry. */
export async function recordPinnedText(
  db: DB,
  incidentId: number,
  pin: { ts: string; text: string; author: string | null },
): Promise<void> {
  await db.query((q) => statementsOf(q).setPinnedText.run({ incidentId, ts: pin.ts, text: pin.text, author: pin.author }));
}
