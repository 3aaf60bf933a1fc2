import type { KnownBlock } from '@slack/types';
import type { HandoverDigest } from '../../domain/handover.js';
import { MINUTE } from '../../domain/time-units.js';
import { escapeMrkdwn, escapeSlackMarkup, plural, safeLink, slackDate, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

function duration(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const person = (id: string | null) => (id ? `<@${id}>` : 'nobody');

function section(title: string, lines: string[], empty: string): KnownBlock {
  const body = lines.length > 0 ? lines.join('\n') : `_${empty}_`;
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${title}*\n${body}`, 2900) } };
}

/** The handover digest as a message: team channel post and the incoming person's DM. */
export function handoverMessage(d: HandoverDigest): RenderedMessage {
  const headline = `Handover for ${escapeMrkdwn(d.rotationName)}: ${person(d.outgoing)} → ${person(d.incoming)}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Handover: ${d.rotationName}`, 150) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${person(d.outgoing)} hands over to ${person(d.incoming)}. Shift ${slackDate(d.shiftStart)} → ${slackDate(d.shiftEnd)}.`,
      },
    },
    section(
      `Still open (${d.stillOpen.length})`,
      d.stillOpen.slice(0, 15).map((i) => {
        const link = safeLink(i.link, 'source');
        return `• #${i.id} ${i.severity.toUpperCase()} ${escapeMrkdwn(truncate(i.title, 120))}: ${i.status}, open ${duration(i.ageMs)}${link ? ` (${link})` : ''}`;
      }),
      'nothing open',
    ),
    section(
      `This shift's incidents (${d.duringShift.length})${d.medianTimeToAckMs !== null ? `, median time to acknowledge ${duration(d.medianTimeToAckMs)}` : ''}`,
      d.duringShift.slice(0, 15).map((i) => {
        const ack = i.timeToAckMs !== null ? `acknowledged in ${duration(i.timeToAckMs)}` : 'not acknowledged';
        const res = i.timeToResolveMs !== null ? `, resolved in ${duration(i.timeToResolveMs)}` : '';
        return `• #${i.id} ${escapeMrkdwn(truncate(i.title, 100))}: ${ack}${res}`;
      }),
      'a quiet shift',
    ),
    section(
      'Noisiest alerts',
      d.noisiest.map(
        (n) =>
          `• ${escapeMrkdwn(n.alertName)}: ${n.alerts} alert${n.alerts === 1 ? '' : 's'} in ${n.incidents} incident${n.incidents === 1 ? '' : 's'}`,
      ),
      'none',
    ),
    section(
      'Handover notes',
      // Notes are typed with `/oncall note`, so they arrive in Slack's markup.
      d.notes
        .slice(0, 15)
        .map((n) => `• <@${n.authorId}> ${slackDate(n.createdAt, '{time}')}: ${escapeSlackMarkup(truncate(n.text, 300))}`),
      'none: add one during a shift with /oncall note <text>',
    ),
    section(
      'Coming week',
      d.coming
        .slice(0, 15)
        .map((c) =>
          c.kind === 'override'
            ? `• :arrows_counterclockwise: <@${c.userId}> covers${c.standsInFor ? ` <@${c.standsInFor}>` : ''} ${slackDate(c.start)} → ${slackDate(c.end)}`
            : `• :palm_tree: <@${c.userId}> away ${slackDate(c.start)} → ${slackDate(c.end)}`,
        ),
      'no overrides or time off',
    ),
  ];
  const text = [headline, `${d.stillOpen.length} still open, ${d.duringShift.length} this shift, ${plural(d.notes.length, 'note')}.`].join(
    '\n',
  );
  return { text, blocks };
}

/** An hour before a shift: a reminder DM. */
export function shiftReminderMessage(rotationName: string, start: number, end: number): RenderedMessage {
  const text = `:bell: Your *${escapeMrkdwn(rotationName)}* shift starts ${slackDate(start)} and runs until ${slackDate(end)}. Check your phone can ring through Do Not Disturb.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
