import type { KnownBlock } from '@slack/types';
import type { ResolutionSummary } from '../../domain/incident-room.js';
import { ROOM_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, slackDate, truncate } from './format.js';
import type { RenderedMessage } from './incident-card.js';

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function roomWelcome(incidentId: number): RenderedMessage {
  const text = `This channel coordinates incident #${incidentId}. Take a role with the buttons (or \`/oncall role commander|comms @someone\`), post updates with \`/oncall update <text>\`, bring in help with \`/oncall page @someone|rotation <message>\`, and react with :pushpin: to put a message on the timeline.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'incident_roles',
        elements: [
          { type: 'button', action_id: ROOM_ACTIONS.commander, value: String(incidentId), text: { type: 'plain_text', text: "I'm incident commander" } },
          { type: 'button', action_id: ROOM_ACTIONS.comms, value: String(incidentId), text: { type: 'plain_text', text: "I'll handle comms" } },
        ],
      },
    ],
  };
}

/** Posted in the channel when the incident resolves: the numbers, the timeline, a postmortem template. */
export function wrapUpMessage(incident: { id: number; title: string }, summary: ResolutionSummary, commander: string | null, archiveAfterHours: number): RenderedMessage {
  const numbers = [
    `*Duration* ${duration(summary.durationMs)}`,
    `*Time to acknowledge* ${summary.timeToAcknowledgeMs !== null ? duration(summary.timeToAcknowledgeMs) : 'never acknowledged'}`,
    `*Time to resolve* ${duration(summary.timeToResolveMs)}`,
    `*Responders* ${summary.responders.map((r) => `<@${r}>`).join(', ') || 'none recorded'}`,
    ...(commander ? [`*Incident commander* <@${commander}>`] : []),
  ].join('\n');
  const timeline = summary.timeline.slice(-40).map((t) => `${slackDate(t.at, '{time}')} ${t.text}`).join('\n');
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
