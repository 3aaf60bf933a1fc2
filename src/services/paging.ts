import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { incidents } from '../db/schema.js';
import {
  describeTarget,
  levelDelayMs,
  resolveLevelTargets,
  type EscalationPolicySnapshot,
  type EscalationPosition,
} from '../domain/escalation.js';
import { findServiceWithTeam, loadRotations } from './directory.js';
import { enqueueIncidentNote, enqueuePage, enqueueRefresh } from './outbox.js';
import { recordEvent } from './timeline.js';

export type Incident = typeof incidents.$inferSelect;

/**
 * Moves an incident to `position` and pages that level's targets: sets the next escalation time, writes
 * the timeline and queues the pages, all in the caller's transaction.
 */
export function pageLevel(tx: Tx, incident: Incident, position: EscalationPosition, now: number, reason: string): void {
  const policy: EscalationPolicySnapshot = incident.policy;
  const level = policy.levels[position.level];
  if (!level) throw new Error(`incident ${incident.id}: policy ${policy.id} has no level ${position.level + 1}`);
  const { userIds, gaps } = resolveLevelTargets(level, loadRotations(tx), now);

  tx.update(incidents)
    .set({
      status: 'triggered',
      escalationLevel: position.level,
      escalationLoop: position.loop,
      nextEscalationAt: now + levelDelayMs(policy, position),
      updatedAt: now,
    })
    .where(eq(incidents.id, incident.id))
    .run();

  for (const userId of userIds) {
    enqueuePage(tx, { incidentId: incident.id, userId, level: position.level, loop: position.loop, reason }, now);
  }
  recordEvent(tx, incident.id, now, 'paged', null, { level: position.level + 1, loop: position.loop, users: userIds, reason });

  const team = findServiceWithTeam(tx, incident.serviceId)?.team;
  if (gaps.length > 0) {
    recordEvent(tx, incident.id, now, 'escalation_gap', null, { level: position.level + 1, targets: gaps });
    if (team) {
      const who = gaps.map(describeTarget).join(', ');
      const text = `:warning: Level ${position.level + 1} has nobody to page for ${who}.`;
      enqueueIncidentNote(tx, incident.id, team.slackChannel, text, `gap:${incident.id}:${position.loop}:${position.level}`, now);
    }
  }
  if (team && position.level + position.loop > 0) {
    const names = userIds.length > 0 ? userIds.map((u) => `<@${u}>`).join(', ') : 'nobody';
    enqueueIncidentNote(
      tx,
      incident.id,
      team.slackChannel,
      `:arrow_up: Escalated to level ${position.level + 1}${position.loop > 0 ? ` (repeat ${position.loop})` : ''}: paging ${names}. ${reason}`,
      `escalation:${incident.id}:${position.loop}:${position.level}`,
      now,
    );
  }
  // The first page has no messages to update yet; later levels change what existing messages show.
  if (position.level + position.loop > 0) enqueueRefresh(tx, incident.id, now);
}
