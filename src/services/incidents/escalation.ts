import { asc, eq, inArray } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { incidents } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { Clock } from '../../domain/clock.js';
import { nextPosition } from '../../domain/escalation.js';
import { enqueueIncidentNote, enqueueRefresh } from '../outbox.js';
import { loadPagingContext, pageLevel, type Incident, type PagingContext, type PagingSettings } from './paging.js';
import { recordEvent } from './timeline.js';

/** Advances unacknowledged incidents whose level timed out. All state is in the database. */
export class EscalationService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void,
    private readonly paging: PagingSettings,
  ) {}

  /** When the next unacknowledged incident falls due to escalate (epoch ms), or null. */
  async nextDueAt(): Promise<number | null> {
    return this.db.query(async (q) => (await statementsOf(q).nextEscalationDue.get())!.at);
  }

  /**
   * Escalates every due incident by one level, in one transaction (one commit per tick, not per incident);
   * returns how many moved. Safe to run twice: each incident's state is re-checked inside the transaction.
   */
  async tick(batchSize = 1000): Promise<number> {
    const now = this.clock.nowMs();
    // Every node runs the loop; one at a time escalates (the others find the job taken and skip this turn).
    const moved = await this.db.exclusively('escalation', () => this.escalateDue(now, batchSize));
    if (moved === undefined) return 0;
    if (moved > 0) this.wakeOutbox();
    return moved;
  }

  /** Moves every due incident one level, in one transaction; on PostgreSQL they stay locked until it commits. */
  private escalateDue(now: number, batchSize: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const ids = (await statementsOf(tx).dueIncidentIds.all({ now, limit: batchSize })).map((r) => r.id);
      if (ids.length === 0) return 0;
      const due = await tx
        .select()
        .from(incidents)
        .where(inArray(incidents.id, ids))
        .orderBy(asc(incidents.nextEscalationAt), asc(incidents.id));
      const context = await loadPagingContext(this.db, now, this.paging);
      for (const incident of due) await this.escalateOne(tx, incident, now, context);
      return due.length;
    });
  }

  private async escalateOne(db: Tx, incident: Incident, now: number, context: PagingContext): Promise<void> {
    // A low-urgency incident that waited for working hours is paged now, at its first level (which ends
    // the wait); its messages, which said it was waiting, are updated.
    if (incident.deferredUntil !== null) {
      await pageLevel(db, incident, { level: 0, loop: 0 }, now, { type: 'working_hours' }, context);
      await enqueueRefresh(db, incident.id, now);
      return;
    }
    const from = { level: incident.escalationLevel, loop: incident.escalationLoop };
    const next = nextPosition(incident.policy, from);
    if (next) {
      await recordEvent(db, incident.id, now, 'escalated', null, { from: from.level + 1, to: next.level + 1, reason: 'timeout' });
      const minutes = incident.policy.levels[from.level]?.delayMinutes ?? 15;
      await pageLevel(db, incident, next, now, { type: 'timeout', level: from.level + 1, minutes }, context);
      return;
    }
    await db.update(incidents).set({ nextEscalationAt: null, updatedAt: now }).where(eq(incidents.id, incident.id));
    await recordEvent(db, incident.id, now, 'escalation_exhausted', null, { levels: incident.policy.levels.length });
    const channel = await context.teamChannelOf(incident.serviceId);
    if (channel)
      await enqueueIncidentNote(
        db,
        incident.id,
        channel,
        { type: 'exhausted', policyName: incident.policy.name },
        `exhausted:${incident.id}`,
        now,
      );
  }
}
