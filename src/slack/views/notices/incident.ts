import type { EscalationTarget } from '../../../domain/escalation.js';
import type { ActionRefusal, IncidentNote, Notice, PageReason } from '../../../domain/notices.js';
import { plural, refusalSentence } from '../../../domain/wording.js';
import { escapeMrkdwn } from '../format.js';
import { helpRequestReason, incidentChannelLink, statusUpdateText } from '../incident-channel.js';
import type { NoticeMessage } from '../message.js';

const USER_ID = /^[UW][A-Z0-9]+$/;
const mention = (id: string) => `<@${id}>`;

/** An escalation target as people read it in a channel: a mention, or which role of which rotation. */
export function describeTarget(target: EscalationTarget): string {
  switch (target.kind) {
    case 'user':
      return `<@${target.userId}>`;
    case 'channel':
      return `<#${target.channelId}>`;
    case 'user_group':
      return `<!subteam^${target.groupId}>`;
    default:
      return `${target.role === 'primary' ? 'on-call' : 'secondary'} of rotation ${target.rotationId}`;
  }
}

/** `@channel` before the incident's card in a channel paged as a whole. */
export const CHANNEL_MENTION = '<!channel>';

/**
 * Why someone is paged, shown on the card in their DM. A string is a reason queued by an older version of
 * Baton, rendered already.
 */
export function pageReasonText(reason: PageReason | string): string {
  if (typeof reason === 'string') return reason;
  switch (reason.type) {
    case 'new_incident':
      return 'New incident.';
    case 'working_hours':
      return 'Working hours started and it is still open.';
    case 'timeout':
      return `Level ${reason.level} did not acknowledge within ${plural(reason.minutes, 'minute')}.`;
    case 'level_empty':
      return `Level ${reason.level} had nobody to page.`;
    case 'escalated_by':
      return `Escalated by ${mention(reason.actor)}.`;
    case 'help':
      return helpRequestReason(reason.actor, reason.message);
  }
}

/** A line in the incident's thread in the team channel. */
export function incidentNoteText(note: IncidentNote): string {
  switch (note.type) {
    case 'level_skipped':
      return `:warning: Level ${note.level} has nobody to page (${note.targets.map(describeTarget).join(', ')}); moving on to level ${note.next}.`;
    case 'level_gaps':
      return `:warning: Level ${note.level} has nobody to page for ${note.targets.map(describeTarget).join(', ')}.`;
    case 'group_paged':
      return `<!subteam^${note.groupId}> you are paged for this incident (level ${note.level}).`;
    case 'escalated': {
      const paged = [...note.userIds.map(mention), ...note.broadcasts.map(describeTarget)];
      const names = paged.length > 0 ? paged.join(', ') : 'nobody';
      return `:arrow_up: Escalated to level ${note.level}${note.loop > 0 ? ` (repeat ${note.loop})` : ''}: paging ${names}. ${pageReasonText(note.reason)}`;
    }
    case 'exhausted':
      return `:rotating_light: Nobody acknowledged after every level of ${note.policyName}. The incident stays open.`;
    case 'channel_link':
      return incidentChannelLink(note.channelId);
  }
}

/** Why a click on an incident changed nothing. */
export function refusalText(refusal: ActionRefusal): string {
  return refusalSentence(refusal, mention);
}

type IncidentNotice = Extract<Notice, { type: 'page_answered' | 'role_set' | 'status_update' }>;

/** Messages about an incident to a channel or a person: one line of text each. */
export function incidentNotice(notice: IncidentNotice): NoticeMessage {
  switch (notice.type) {
    case 'page_answered': {
      const by = USER_ID.test(notice.by) ? mention(notice.by) : 'its source';
      return {
        text: `:white_check_mark: Your page "${escapeMrkdwn(notice.title.slice(0, 200))}" (incident #${notice.incidentId}) was ${notice.status} by ${by}.`,
      };
    }
    case 'role_set':
      return {
        text: `:bust_in_silhouette: ${mention(notice.userId)} is now the ${notice.role === 'commander' ? 'incident commander' : 'communications lead'} (set by ${mention(notice.setBy)}).`,
      };
    case 'status_update':
      return { text: statusUpdateText({ id: notice.incidentId, title: notice.title }, notice.authorId, notice.text) };
  }
}
