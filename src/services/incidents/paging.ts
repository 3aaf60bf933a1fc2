import type { DB, Tx } from '../../db/client.js';
import type { incidents } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import {
  levelDelayMs,
  nextPosition,
  resolveLevelTargets,
  type EscalationPolicySnapshot,
  type EscalationPosition,
} from '../../domain/escalation.js';
import type { PageReason } from '../../domain/notices.js';
import type { ScheduleAdjustments } from '../../domain/schedule.js';
import { findServiceWithTeam, loadRotations } from '../directory.js';
import { loadAdjustments } from '../schedules/oncall.js';
import { enqueueIncidentNote, enqueuePage, enqueuePhonePage, enqueueRefresh, enqueueTeamPost } from '../outbox.js';
import { DEFAULT_NOTIFICATION_RULES, planSends, type NotificationRules } from '../../domain/notification-rules.js';
import { recordEvent } from './timeline.js';

export type Incident = typeof incidents.$inferSelect;

/**
 * What paging reads besides the incident; a tick that pages many incidents loads it once. Its readers are
 * used inside the caller's unit, and join it.
 */
export interface PagingContext {
  rotations: Awaited<ReturnType<typeof loadRotations>>;
  /** Overrides and time off in force at the paging instant. */
  adjustments: ScheduleAdjustments;
  teamChannelOf: (serviceId: string) => Promise<string | null>;
  /** A person's notification rules and which phone methods can reach them. */
  contactOf: (userId: string) => Promise<Contact>;
}

export interface Contact {
  rules: NotificationRules;
  reachable: { sms: boolean; voice: boolean };
}

/** How this installation can reach people, besides Slack. */
export interface PagingSettings {
  /** Twilio is configured: SMS and voice steps are queued. Without it they are never queued (nothing could send them). */
  phone: boolean;
}

/** Takes the database, not a unit's handle: rotations are cached per database. */
export async function loadPagingContext(tx: DB, now: number, settings: PagingSettings): Promise<PagingContext> {
  const channels = new Map<string, string | null>();
  return {
    rotations: await loadRotations(tx),
    adjustments: await tx.query((q) => loadAdjustments(q, now, now + 1)),
    contactOf: contactReader(tx, settings),
    teamChannelOf: async (serviceId) => {
      if (!channels.has(serviceId))
        channels.set(serviceId, (await tx.query((q) => findServiceWithTeam(q, serviceId)))?.team.slackChannel ?? null);
      return channels.get(serviceId)!;
    },
  };
}

function contactReader(db: DB, settings: PagingSettings): (userId: string) => Promise<Contact> {
  const seen = new Map<string, Contact>();
  return async (userId) => {
    let contact = seen.get(userId);
    if (!contact) {
      const row = await db.query((q) => statementsOf(q).contactOf.get({ id: userId }));
      // Only confirmed numbers ring: from the config file (vouched for by its author) or verified by SMS code.
      const phone = settings.phone && !!row?.phone && row.phoneVerifiedAt !== null;
      contact = {
        rules: row?.notificationRules ? (JSON.parse(row.notificationRules) as NotificationRules) : DEFAULT_NOTIFICATION_RULES,
        reachable: { voice: phone, sms: phone && !row?.smsOptedOut },
      };
      seen.set(userId, contact);
    }
    return contact;
  };
}

/**
 * Moves an incident to `position` and pages that level's targets: sets the next escalation time, writes
 * the timeline and queues the pages, all in the caller's transaction.
 */
export async function pageLevel(
  db: Tx,
  incident: Incident,
  position: EscalationPosition,
  now: number,
  reason: PageReason,
  context: PagingContext,
): Promise<void> {
  const policy: EscalationPolicySnapshot = incident.policy;
  const level = policy.levels[position.level];
  if (!level) throw new Error(`incident ${incident.id}: policy ${policy.id} has no level ${position.level + 1}`);
  const { userIds, gaps, broadcasts } = resolveLevelTargets(level, context.rotations, now, context.adjustments);
  const teamChannel = await context.teamChannelOf(incident.serviceId);

  // A level that names nobody at this moment is skipped: waiting out its delay would only delay a human.
  if (userIds.length === 0 && broadcasts.length === 0) {
    const next = nextPosition(policy, position);
    if (next) {
      await recordEvent(db, incident.id, now, 'escalation_gap', null, { level: position.level + 1, targets: gaps, skipped: true });
      if (teamChannel) {
        const note = { type: 'level_skipped', level: position.level + 1, next: next.level + 1, targets: gaps } as const;
        await enqueueIncidentNote(db, incident.id, teamChannel, note, `gap:${incident.id}:${position.loop}:${position.level}`, now);
      }
      await pageLevel(db, incident, next, now, { type: 'level_empty', level: position.level + 1 }, context);
      return;
    }
  }

  await statementsOf(db).moveToLevel.run({
    id: incident.id,
    level: position.level,
    loop: position.loop,
    // Low urgency reaches the first level and stops there: escalation is for what cannot wait.
    nextEscalationAt: incident.urgency === 'low' ? null : now + levelDelayMs(policy, position),
    now,
  });

  const until = now + levelDelayMs(policy, position);
  for (const userId of userIds) {
    const contact = await context.contactOf(userId);
    const page = { incidentId: incident.id, userId, level: position.level, loop: position.loop };
    for (const send of planSends(incident.urgency === 'low' ? contact.rules.low : contact.rules.high, now, until, contact.reachable)) {
      const ruleStep = `${send.step}:${send.repeat}`;
      if (send.method === 'slack') {
        // The first Slack DM keeps the key it always had, so upgrades do not re-send pages in flight.
        await enqueuePage(db, { ...page, reason }, now, send.at === now && send.repeat === 0 ? {} : { sendAt: send.at, ruleStep });
      } else {
        await enqueuePhonePage(db, send.method, page, now, { sendAt: send.at, ruleStep });
      }
    }
  }
  for (const target of broadcasts) {
    if (target.kind === 'channel') {
      await enqueueTeamPost(db, incident.id, target.channelId, now, { broadcast: true });
    } else if (teamChannel) {
      const note = { type: 'group_paged', level: position.level + 1, groupId: target.groupId } as const;
      await enqueueIncidentNote(
        db,
        incident.id,
        teamChannel,
        note,
        `group:${incident.id}:${position.loop}:${position.level}:${target.groupId}`,
        now,
      );
    }
  }
  await recordEvent(db, incident.id, now, 'paged', null, {
    level: position.level + 1,
    loop: position.loop,
    users: userIds,
    ...(broadcasts.length > 0 ? { broadcasts } : {}),
    reason,
  });

  if (gaps.length > 0) {
    await recordEvent(db, incident.id, now, 'escalation_gap', null, { level: position.level + 1, targets: gaps });
    if (teamChannel) {
      const note = { type: 'level_gaps', level: position.level + 1, targets: gaps } as const;
      await enqueueIncidentNote(db, incident.id, teamChannel, note, `gap:${incident.id}:${position.loop}:${position.level}`, now);
    }
  }
  if (teamChannel && position.level + position.loop > 0) {
    const note = { type: 'escalated', level: position.level + 1, loop: position.loop, userIds, broadcasts, reason } as const;
    await enqueueIncidentNote(db, incident.id, teamChannel, note, `escalation:${incident.id}:${position.loop}:${position.level}`, now);
  }
  // The first page has no messages to update yet; later levels change what existing messages show.
  if (position.level + position.loop > 0) await enqueueRefresh(db, incident.id, now);
}
