import type { KnownBlock, HomeView } from '@slack/types';
import { formatInZone } from '../../domain/zoned-time.js';
import type { RotationNow } from '../../services/oncall.js';
import type { ShiftChoice } from '../../services/schedule-changes.js';
import { HOME_ACTIONS, INCIDENT_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, truncate } from './format.js';
import { standsIn } from './oncall-who.js';

export interface HomeIncident {
  id: number;
  title: string;
  severity: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  level: number;
}

const button = (text: string, actionId: string, value = 'home', style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The App Home: who is on call for my teams, my next shifts, the incidents I am paged for, quick actions. */
export function homeView(input: { zone: string; onCall: RotationNow[]; myShifts: ShiftChoice[]; incidents: HomeIncident[] }): HomeView {
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
  const who = input.onCall.slice(0, 20).map(({ rotation, now }) =>
    now.primary
      ? `*${escapeMrkdwn(rotation.name)}*: <@${now.primary.userId}>${standsIn(now.primary)}${now.end > now.start ? ` until ${formatInZone(now.end, input.zone)}` : ''}`
      : `*${escapeMrkdwn(rotation.name)}*: :warning: nobody on call`,
  );
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(who.join('\n') || 'No rotations for your teams yet.', 2900) } });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'My next shifts' } });
  const shifts = input.myShifts.slice(0, 10).map((s) => `• *${escapeMrkdwn(s.rotationName)}* ${formatInZone(s.start, input.zone)} → ${formatInZone(s.end, input.zone)}`);
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: shifts.join('\n') || 'No shifts in the next 4 weeks.' } });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: `Open incidents paging me (${input.incidents.length})` } });
  if (input.incidents.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nothing open. :sunny:' } });
  for (const i of input.incidents.slice(0, 15)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*#${i.id}* [${i.severity.toUpperCase()}] ${escapeMrkdwn(i.title)}: ${i.status}, level ${i.level + 1}`, 2900) } });
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
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Times in ${escapeMrkdwn(input.zone)}. \`/oncall help\` lists every command.` }] });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
