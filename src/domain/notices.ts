/**
 * What the services have to say, as intent: which thing happened, with the ids and values it needs. The
 * outbox carries these and the sender renders them with the views in `slack/views/notices/` when it sends,
 * so the words live in one place and services write no Slack markup. Types only.
 *
 * Levels here count from 1, as people (and the incident timeline) count them.
 */

import type { EscalationTarget } from './escalation.js';
import type { HandoverDigest } from './handover.js';

/** Why someone is paged, shown on the card in their DM. */
export type PageReason =
  | { type: 'new_incident' }
  | { type: 'working_hours' }
  | { type: 'timeout'; level: number; minutes: number }
  | { type: 'level_empty'; level: number }
  | { type: 'escalated_by'; actor: string }
  /** `/oncall page` in the incident's channel; `message` is as Slack sent it. */
  | { type: 'help'; actor: string; message: string };

/** A line in the incident's thread in the team channel. */
export type IncidentNote =
  /** The level has nobody at this moment, so paging moves on to the next. */
  | { type: 'level_skipped'; level: number; next: number; targets: EscalationTarget[] }
  /** Some of the level's targets have nobody at this moment; the others are paged. */
  | { type: 'level_gaps'; level: number; targets: EscalationTarget[] }
  | { type: 'group_paged'; level: number; groupId: string }
  | { type: 'escalated'; level: number; loop: number; userIds: string[]; broadcasts: EscalationTarget[]; reason: PageReason }
  | { type: 'exhausted'; policyName: string }
  | { type: 'channel_link'; channelId: string };

export type IncidentRole = 'commander' | 'comms';

/** A message to a channel or a person (`slack.message`). */
export type Notice =
  /** To whoever paged someone from Slack: their page was taken (or closed); `by` is a Slack user or a source. */
  | { type: 'page_answered'; incidentId: number; title: string; status: 'acknowledged' | 'resolved'; by: string }
  | { type: 'role_set'; role: IncidentRole; userId: string; setBy: string }
  /** `/oncall update`; `text` is as Slack sent it. */
  | { type: 'status_update'; incidentId: number; title: string; authorId: string; text: string }
  | { type: 'maintenance_started'; userId: string; serviceName: string; until: number }
  | { type: 'coverage_gaps'; rotationId: string; rotationName: string; lookaheadDays: number; gaps: { start: number; end: number }[] }
  | { type: 'handover'; digest: HandoverDigest }
  | { type: 'shift_reminder'; rotationName: string; start: number; end: number }
  /** The config file removed a service that still has incidents: kept for their history, taking no alerts. */
  | { type: 'service_kept'; serviceName: string; file: string };

/** Why a click (or an SMS reply) on an incident changed nothing. */
export type ActionRefusal =
  | { type: 'already_resolved'; by: string | null }
  | { type: 'already_acknowledged'; by: string | null }
  | { type: 'last_level'; levels: number; policyName: string };

/**
 * Answers some services give at once (form errors that name people). They are Slack copy, so the views
 * write them and the composition root hands them in.
 */
export interface IncidentChannelCopy {
  /** "Page someone" named a person Baton does not know. */
  notABatonUser(userId: string): string;
}

export interface CatalogCopy {
  /** An escalation policy's level names people Baton does not know. */
  notBatonUsers(userIds: string[]): string;
}
