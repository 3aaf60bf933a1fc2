import type { KnownBlock, HomeView } from '@slack/types';
import { formatInZone } from '../../domain/zoned-time.js';
import type { PagingIncident, RotationNow, ShiftChoice } from '../../domain/read-models.js';
import { MINUTE } from '../../domain/time-units.js';
import { HOME_ACTIONS, INCIDENT_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, plural, truncate } from './format.js';
import type { RenderedMessage } from './message.js';
import { standsIn } from './oncall-who.js';

/** "12 min ago", "3 h ago", "2 days ago": how long an incident has been open, at a glance. */
function ago(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${plural(Math.floor(hours / 24), 'day')} ago`;
}

/** A shift of mine: the one I hold now says so, rather than seeming to start this minute. */
export function myShiftText(s: ShiftChoice, now: number, zone: string): string {
  return s.start <= now
    ? `on call now, until ${formatInZone(s.end, zone)}`
    : `${formatInZone(s.start, zone)} → ${formatInZone(s.end, zone)}`;
}

function incidentText(i: PagingIncident, now: number): string {
  const where = i.channelId ? ` · <#${i.channelId}>` : '';
  return `*#${i.id}* [${escapeMrkdwn(i.severity.toUpperCase())}] ${escapeMrkdwn(i.title)}: ${i.status}, level ${i.level + 1} · opened ${ago(now - i.openedAt)}${where}`;
}

const button = (text: string, actionId: string, value = 'home', style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The App Home: who is on call for my teams, my next shifts, the incidents I am paged for, quick actions. */
export function homeView(input: {
  now: number;
  zone: string;
  onCall: RotationNow[];
  myShifts: ShiftChoice[];
  incidents: PagingIncident[];
}): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'On call' } },
    {
      type: 'actions',
      block_id: 'home_quick',
      elements: [
        button('Take the pager', HOME_ACTIONS.override, 'home', 'primary'),
        button('Request cover', HOME_ACTIONS.cover),
        button('Time off', HOME_ACTIONS.timeOff),
        button('My changes', HOME_ACTIONS.myChanges),
        button('Page someone', HOME_ACTIONS.page),
        button('Declare incident', HOME_ACTIONS.declare, 'home', 'danger'),
      ],
    },
  ];
  const who = input.onCall
    .slice(0, 20)
    .map(({ rotation, now }) =>
      now.primary
        ? `*${escapeMrkdwn(rotation.name)}*: <@${now.primary.userId}>${standsIn(now.primary)}${now.end > now.start ? ` until ${formatInZone(now.end, input.zone)}` : ''}`
        : `*${escapeMrkdwn(rotation.name)}*: :warning: nobody on call`,
    );
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(who.join('\n') || 'No rotations for your teams yet.', 2900) } });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'My next shifts' } });
  const shifts = input.myShifts.slice(0, 10).map((s) => `• *${escapeMrkdwn(s.rotationName)}*: ${myShiftText(s, input.now, input.zone)}`);
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: shifts.join('\n') || 'No shifts in the next 4 weeks.' } });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: `Open incidents paging me (${input.incidents.length})` } });
  if (input.incidents.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nothing open. :sunny:' } });
  for (const i of input.incidents.slice(0, 15)) {
    // Cut the title, not the line: the age and the channel link come last.
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: incidentText({ ...i, title: truncate(i.title, 500) }, input.now) } });
    blocks.push({
      type: 'actions',
      block_id: `home_incident_${i.id}`,
      elements: [
        ...(i.status === 'triggered' ? [button('Acknowledge', INCIDENT_ACTIONS.acknowledge, String(i.id), 'primary')] : []),
        button('Escalate', INCIDENT_ACTIONS.escalate, String(i.id)),
        button('Resolve', INCIDENT_ACTIONS.resolve, String(i.id)),
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Times in ${escapeMrkdwn(input.zone)}. \`/oncall help\` lists every command.` }],
  });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}

/** `/oncall` alone: who is on call, then my current or next shift. */
export function summaryMessage(who: RenderedMessage, next: ShiftChoice | undefined, now: number, zone: string): RenderedMessage {
  const name = next ? `*${escapeMrkdwn(next.rotationName)}*` : '';
  const line = !next
    ? 'You have no shifts in the next 4 weeks.'
    : next.start <= now
      ? `You are on call now: ${name} until ${formatInZone(next.end, zone)}.`
      : `Your next shift: ${name} ${myShiftText(next, now, zone)}.`;
  return {
    text: `${who.text}\n${line}`,
    blocks: [...who.blocks, { type: 'section', text: { type: 'mrkdwn', text: `${line} \`/oncall help\` lists every command.` } }],
  };
}
