import type { KnownBlock } from '@slack/types';
import type { ResolutionSummary, TimelineEntry } from '../../domain/incident-channel.js';
import type { IncidentChannelCopy } from '../../domain/notices.js';
import { CHANNEL_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, escapeSlackMarkup, slackDate, truncate } from './format.js';
import type { RenderedMessage } from './message.js';
import type { IncidentView } from '../../domain/read-models.js';
import { MINUTE } from '../../domain/time-units.js';

const USER_ID = /^[UW][A-Z0-9]+$/;

/** A mention of someone Baton recorded by their Slack ID; anything else is shown as text. */
const mention = (id: unknown) => (typeof id === 'string' && USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(String(id ?? '')));
const mentions = (ids: unknown) => (Array.isArray(ids) ? ids.map(mention).join(', ') : '');

/**
 * One line of the timeline in the wrap-up, or null for events it leaves out. What people wrote (status
 * updates, pinned messages) arrives in Slack's markup and is shown as text, never as mentions or links.
 */
export function timelineLine(e: TimelineEntry): string | null {
  const who = e.actor ? mention(e.actor) : 'Baton';
  const d = e.detail;
  switch (e.kind) {
    case 'opened':
      return `Opened (${String(d.alerts ?? 1)} alert${d.alerts === 1 ? '' : 's'}, ${escapeMrkdwn(String(d.severity ?? ''))})`;
    case 'paged':
      return `Paged level ${String(d.level)}: ${mentions(d.users) || 'nobody'}`;
    case 'escalated':
      return `Escalated to level ${String(d.to)} by ${who}`;
    case 'acknowledged':
      return `Acknowledged by ${who}`;
    case 'resolved':
      return `Resolved by ${e.actor ? who : 'its source'}`;
    case 'role':
      return `${who} set ${escapeMrkdwn(String(d.role))}: ${mention(d.user)}`;
    case 'status_update':
      return `Status update by ${who}: ${escapeSlackMarkup(String(d.text ?? '').slice(0, 200))}`;
    case 'responder_paged':
      return `${who} paged ${mentions(d.users)}`;
    case 'pinned':
      return typeof d.text === 'string' && d.text ? `${who} pinned: ${escapeSlackMarkup(d.text.slice(0, 300))}` : `${who} pinned a message`;
    case 'alerts_updated':
      return `Alerts now ${String(d.alerts ?? '?')} firing`;
    case 'suppressed':
      return `Not paged (${escapeMrkdwn(String(d.reason ?? 'suppressed'))})`;
    case 'call_unanswered':
      return `Phone call to ${mention(d.user)} not answered (${escapeMrkdwn(String(d.status ?? ''))})`;
    case 'escalation_exhausted':
      return 'Every escalation level was paged; nobody acknowledged';
    case 'channel_created':
      return 'Incident channel created';
    case 'escalation_gap':
      return `Level ${String(d.level)} had nobody to page`;
    default:
      return null;
  }
}

/** `/oncall update`: the text for the incident channel and the stakeholders channel. `text` is as Slack sent it. */
export function statusUpdateText(incident: { id: number; title: string }, actorId: string, text: string): string {
  return `:mega: *Status update* on #${incident.id} ${escapeMrkdwn(incident.title)} from <@${actorId}>:\n${escapeSlackMarkup(text)}`;
}

/** Form answers of IncidentChannelService that name people, handed to it by the composition root. */
export const incidentChannelCopy: IncidentChannelCopy = {
  notABatonUser: (userId) => `<@${userId}> is not a Baton user, so Baton cannot page them; pick a rotation instead.`,
};

/** Why a responder brought in with `/oncall page` is paged, shown on their card. `message` is as Slack sent it. */
export function helpRequestReason(actorId: string, message: string): string {
  const said = message.trim().slice(0, 300);
  return `<@${actorId}> asks for help${said ? `: ${escapeSlackMarkup(said)}` : '.'}`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function channelWelcome(incidentId: number): RenderedMessage {
  const text = `This channel coordinates incident #${incidentId}. Take a role with the buttons (or \`/oncall role commander|comms @someone\`), post updates with \`/oncall update <text>\`, bring in help with \`/oncall page @someone|rotation <message>\`, and react with :pushpin: to put a message on the timeline.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'incident_roles',
        elements: [
          {
            type: 'button',
            action_id: CHANNEL_ACTIONS.commander,
            value: String(incidentId),
            text: { type: 'plain_text', text: "I'm incident commander" },
          },
          {
            type: 'button',
            action_id: CHANNEL_ACTIONS.comms,
            value: String(incidentId),
            text: { type: 'plain_text', text: "I'll handle comms" },
          },
        ],
      },
    ],
  };
}

/** Posted in the channel when the incident resolves: the numbers, the timeline, a postmortem template. */
export function wrapUpMessage(
  incident: { id: number; title: string },
  summary: ResolutionSummary,
  commander: string | null,
  archiveAfterHours: number,
): RenderedMessage {
  const numbers = [
    `*Duration* ${duration(summary.durationMs)}, from when Baton opened it to its resolution`,
    ...(summary.problemStartedAt !== null ? [`*Problem started* ${slackDate(summary.problemStartedAt)}, by the alert's own start`] : []),
    `*Time to acknowledge* ${summary.timeToAcknowledgeMs !== null ? duration(summary.timeToAcknowledgeMs) : 'never acknowledged'}`,
    `*Responders* ${summary.responders.map((r) => `<@${r}>`).join(', ') || 'none recorded'}`,
    ...(commander ? [`*Incident commander* <@${commander}>`] : []),
  ].join('\n');
  const timeline = summary.timeline
    .flatMap((e) => {
      const line = timelineLine(e);
      return line ? [`${slackDate(e.at, '{time}')} ${line}`] : [];
    })
    .slice(-40)
    .join('\n');
  const template = [
    '*Postmortem*',
    '• *Summary*: what happened, in two sentences',
    '• *Impact*: who was affected, how, for how long',
    '• *Root cause*',
    '• *Detection*: how we found out, and how we could have found out sooner',
    '• *Resolution*: what fixed it',
    '• *Action items*: owner and due date for each',
  ].join('\n');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Resolved: #${incident.id} ${incident.title}`, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: numbers } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*Timeline*\n${timeline || 'nothing recorded'}`, 2900) } },
    { type: 'section', text: { type: 'mrkdwn', text: template } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text:
            archiveAfterHours === 0
              ? 'This channel is archived now; its history stays searchable.'
              : `This channel is archived ${archiveAfterHours} hour${archiveAfterHours === 1 ? '' : 's'} after the incident resolved.`,
        },
      ],
    },
  ];
  return { text: `Resolved: #${incident.id} ${escapeMrkdwn(incident.title)}. Duration ${duration(summary.durationMs)}.`, blocks };
}

/** The line in the team channel's incident thread that leads to the incident's own channel. */
export function incidentChannelLink(channelId: string): string {
  return `:rotating_light: Incident channel: <#${channelId}>`;
}

const paged = (view: IncidentView) => view.pagingNow.map((u) => `<@${u}>`).join(', ');
const beingPaged = (view: IncidentView) => view.incident.status === 'triggered' && view.pagingNow.length > 0;

/** Who is being paged for the incident as it is now, as a sentence. */
function pagingSentence(view: IncidentView): string {
  if (view.incident.status !== 'triggered') return `It is already ${view.incident.status}.`;
  return beingPaged(view) ? `Paging ${paged(view)} now.` : 'Nobody is paged yet.';
}

/**
 * The private confirmation to whoever declared the incident or paged someone with it, rendered when it is
 * sent: who is paged by then, and the incident's channel once it exists.
 */
export function openerConfirmation(view: IncidentView): string {
  const { incident } = view;
  const channel = incident.channelId ? ` Its channel: <#${incident.channelId}>` : '';
  if (view.openedBy?.how !== 'paged') {
    return `:rotating_light: You declared incident #${incident.id} ${escapeMrkdwn(incident.title)}. ${pagingSentence(view)}${channel}`;
  }
  if (beingPaged(view)) return `:pager: Paging ${paged(view)} now (incident #${incident.id}).${channel}`;
  return `:pager: Your page opened incident #${incident.id}. ${pagingSentence(view)}${channel}`;
}

/** The incident's channel, for whoever opened the incident when their confirmation went out before the channel existed. */
export function openerChannelLink(incidentId: number, channelId: string): string {
  return `:rotating_light: Incident #${incidentId} has its own channel, and you are invited: <#${channelId}>`;
}
