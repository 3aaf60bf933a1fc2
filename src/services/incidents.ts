import { eq } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { incidents } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { nextPosition } from '../domain/escalation.js';
import { writeAudit } from './audit.js';
import { enqueueRefresh } from './outbox.js';
import { pageLevel, type Incident } from './paging.js';
import { recordEvent } from './timeline.js';

export type IncidentAction = 'acknowledge' | 'escalate' | 'resolve';

export type ActionOutcome =
  | { outcome: 'done'; incident: Incident }
  /** Nothing changed: a second click, or a click on an incident that is already past that state. */
  | { outcome: 'unchanged'; incident: Incident; reason: string }
  | { outcome: 'not_found' };

/** Acknowledge, escalate and resolve: the state machine of an incident, driven by people. */
export class IncidentService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly onQueued: () => void,
  ) {}

  get(id: number): Incident | undefined {
    return this.db.select().from(incidents).where(eq(incidents.id, id)).get();
  }

  act(action: IncidentAction, incidentId: number, actor: string): ActionOutcome {
    const now = this.clock.now().getTime();
    const result = this.db.transaction((): ActionOutcome => {
      const tx = this.db;
      const incident = tx.select().from(incidents).where(eq(incidents.id, incidentId)).get();
      if (!incident) return { outcome: 'not_found' };
      const refusal = whyUnchanged(action, incident);
      if (refusal) return { outcome: 'unchanged', incident, reason: refusal };
      if (action === 'acknowledge') acknowledge(tx, incident, actor, now);
      else if (action === 'resolve') resolve(tx, incident, actor, now);
      else {
        const reason = escalate(tx, incident, actor, now);
        if (reason) return { outcome: 'unchanged', incident, reason };
      }
      writeAudit(tx, { at: now, actor, action: `incident.${action}`, target: `incident:${incident.id}`, before: { status: incident.status, level: incident.escalationLevel + 1 } });
      return { outcome: 'done', incident: tx.select().from(incidents).where(eq(incidents.id, incidentId)).get()! };
    });
    if (result.outcome === 'done') this.onQueued();
    return result;
  }
}

function whyUnchanged(action: IncidentAction, incident: Incident): string | null {
  if (incident.status === 'resolved') return `It was already resolved${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ' by its source'}.`;
  if (action === 'acknowledge' && incident.status === 'acknowledged') {
    return `It was already acknowledged by <@${incident.acknowledgedBy}>.`;
  }
  return null;
}

function acknowledge(tx: DB, incident: Incident, actor: string, now: number): void {
  tx.update(incidents)
    .set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor, nextEscalationAt: null, updatedAt: now })
    .where(eq(incidents.id, incident.id))
    .run();
  recordEvent(tx, incident.id, now, 'acknowledged', actor);
  enqueueRefresh(tx, incident.id, now);
}

function resolve(tx: DB, incident: Incident, actor: string, now: number): void {
  tx.update(incidents)
    .set({ status: 'resolved', resolvedAt: now, resolvedBy: actor, nextEscalationAt: null, updatedAt: now })
    .where(eq(incidents.id, incident.id))
    .run();
  recordEvent(tx, incident.id, now, 'resolved', actor);
  enqueueRefresh(tx, incident.id, now);
}

/** Pages the next level now. Returns a reason when there is no level left to go to. */
function escalate(tx: DB, incident: Incident, actor: string, now: number): string | null {
  const next = nextPosition(incident.policy, { level: incident.escalationLevel, loop: incident.escalationLoop });
  if (!next) return `It is already at the last level (${incident.policy.levels.length}) of ${incident.policy.name}.`;
  recordEvent(tx, incident.id, now, 'escalated', actor, { from: incident.escalationLevel + 1, to: next.level + 1 });
  pageLevel(tx, incident, next, now, `Escalated by <@${actor}>.`);
  return null;
}
