import type { Tx } from '../db/client.js';
import { incidentEvents } from '../db/schema.js';

export type TimelineKind =
  | 'opened'
  | 'alerts_updated'
  | 'paged'
  | 'escalated'
  | 'escalation_gap'
  | 'escalation_exhausted'
  | 'acknowledged'
  | 'resolved';

export function recordEvent(
  tx: Tx,
  incidentId: number,
  at: number,
  kind: TimelineKind,
  actor: string | null,
  detail: Record<string, unknown> = {},
): void {
  tx.insert(incidentEvents).values({ incidentId, at, kind, actor, detail }).run();
}
