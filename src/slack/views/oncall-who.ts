import type { KnownBlock } from '@slack/types';
import type { RotationNow } from '../../domain/read-models.js';
import { formatInZone } from '../../domain/zoned-time.js';
import type { RoleHolder } from '../../domain/schedule.js';
import { escapeMrkdwn, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

export function standsIn(holder: RoleHolder): string {
  if (holder.via === 'override' && holder.standsInFor) return ` (covering for <@${holder.standsInFor}>)`;
  if (holder.via === 'override') return ' (override)';
  if (holder.via === 'time_off_cover' && holder.standsInFor) return ` (covering <@${holder.standsInFor}>'s time off)`;
  return '';
}

/** `/oncall who`: one line per rotation, times in the viewer's zone. */
export function whoIsOnCallMessage(rows: RotationNow[], viewerZone: string): RenderedMessage {
  if (rows.length === 0) {
    const text = 'No rotations yet. Declare them in the config file (see the README), then ask again.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = rows.map(({ rotation, now }) => {
    const name = `*${escapeMrkdwn(rotation.name)}*`;
    if (!now.primary) {
      const away = now.uncovered.map((u) => `<@${u.userId}>`).join(', ');
      return away
        ? `${name}: :warning: nobody on call: ${away} is on time off and nobody else is available`
        : `${name}: :warning: nobody on call (outside the rotation's hours, not started yet, or no participants)`;
    }
    const secondary = now.secondary ? `, secondary <@${now.secondary.userId}>` : '';
    const until = now.end > now.start ? ` until ${formatInZone(now.end, viewerZone)}` : '';
    return `${name}: <@${now.primary.userId}>${standsIn(now.primary)}${until}${secondary}`;
  });
  // Sections hold 3000 characters; a workspace with many rotations gets several sections (50 blocks max).
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'On call now' } }];
  let chunk: string[] = [];
  const flush = () => {
    if (chunk.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
    chunk = [];
  };
  for (const line of lines) {
    if ([...chunk, line].join('\n').length > 2900) flush();
    chunk.push(truncate(line, 2900));
  }
  flush();
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Times in ${escapeMrkdwn(viewerZone)}.` }] });
  return { text: lines.join('\n').replace(/\*/g, ''), blocks: blocks.slice(0, 50) };
}
