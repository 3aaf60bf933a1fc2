import type { DB } from '../db/client.js';
import { statementsOf } from './statements.js';

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

/** Appends to the incident's timeline, in the caller's open transaction on `db`. */
export function recordEvent(
  db: DB,
  incidentId: number,
  at: number,
  kind: TimelineKind,
  actor: string | null,
  detail: Record<string, unknown> = {},
): void {
  statementsOf(db).insertEvent.run({ incidentId, at, kind, actor, detail });
}

/** A pinned message's text (and who wrote it), read from Slack, put into its `pinned` timeline entry. */
export function recordPinnedText(db: DB, incidentId: number, pin: { ts: string; text: string; author: string | null }): void {
  db.$client
    .prepare("update incident_events set detail = json_set(detail, '$.text', ?, '$.author', ?) where incident_id = ? and kind = 'pinned' and json_extract(detail, '$.ts') = ?")
    .run(pin.text, pin.author, incidentId, pin.ts);
}
