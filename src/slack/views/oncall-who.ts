import type { KnownBlock } from '@slack/types';
import type { RotationNow } from '../../services/oncall.js';
import { formatInZone } from '../../domain/zoned-time.js';
import { escapeMrkdwn, truncate } from './format.js';
import type { RenderedMessage } from './incident-card.js';

/** `/oncall who`: one line per rotation, times in the viewer's zone. */
export function whoIsOnCallMessage(rows: RotationNow[], viewerZone: string): RenderedMessage {
  if (rows.length === 0) {
    const text = 'No rotations yet. Declare them in the config file (see the README), then ask again.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = rows.map(({ rotation, shift }) => {
    const name = `*${escapeMrkdwn(rotation.name)}*`;
    if (!shift) return `${name}: nobody on call (the rotation has not started or has no participants)`;
    const secondary = shift.secondary ? `, secondary <@${shift.secondary}>` : '';
    return `${name}: <@${shift.primary}> until ${formatInZone(shift.end, viewerZone)}${secondary}`;
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
