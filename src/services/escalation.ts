import { and, asc, eq, lte } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { incidents } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { nextPosition } from '../domain/escalation.js';
import { findServiceWithTeam } from './directory.js';
import { enqueueIncidentNote } from './outbox.js';
import { pageLevel } from './paging.js';
import { recordEvent } from './timeline.js';

/** Advances unacknowledged incidents whose level timed out. All state is in the database. */
export class EscalationService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly onQueued: () => void,
  ) {}

  /** Escalates every due incident by one level; returns how many moved. Safe to run twice: state is re-read. */
  tick(batchSize = 500): number {
    const now = this.clock.now().getTime();
    const due = this.db
      .select({ id: incidents.id })
      .from(incidents)
      .where(and(eq(incidents.status, 'triggered'), lte(incidents.nextEscalationAt, now)))
      .orderBy(asc(incidents.nextEscalationAt))
      .limit(batchSize)
      .all();
    let moved = 0;
    for (const { id } of due) {
      this.db.transaction((tx) => {
        const incident = tx.select().from(incidents).where(eq(incidents.id, id)).get();
        if (!incident || incident.status !== 'triggered' || incident.nextEscalationAt === null || incident.nextEscalationAt > now) return;
        const from = { level: incident.escalationLevel, loop: incident.escalationLoop };
        const next = nextPosition(incident.policy, from);
        if (next) {
          recordEvent(tx, incident.id, now, 'escalated', null, { from: from.level + 1, to: next.level + 1, reason: 'timeout' });
          const minutes = incident.policy.levels[from.level]?.delayMinutes ?? 15;
          pageLevel(tx, incident, next, now, `Level ${from.level + 1} did not acknowledge within ${minutes} minutes.`);
        } else {
          tx.update(incidents).set({ nextEscalationAt: null, updatedAt: now }).where(eq(incidents.id, id)).run();
          recordEvent(tx, incident.id, now, 'escalation_exhausted', null, { levels: incident.policy.levels.length });
          const team = findServiceWithTeam(tx, incident.serviceId)?.team;
          if (team) {
            enqueueIncidentNote(
              tx,
              incident.id,
              team.slackChannel,
              `:rotating_light: Nobody acknowledged after every level of ${incident.policy.name}. The incident stays open.`,
              `exhausted:${incident.id}`,
              now,
            );
          }
        }
        moved += 1;
      });
    }
    if (moved > 0) this.onQueued();
    return moved;
  }
}
