import type { KnownBlock } from '@slack/types';
import type { Segment } from '../../domain/schedule.js';
import { formatInZone } from '../../domain/zoned-time.js';
import type { RotationSchedule } from '../../domain/read-models.js';
import { escapeMrkdwn, mrkdwnSections } from './format.js';
import type { RenderedMessage } from './message.js';
import { standsIn } from './oncall-who.js';

function segmentLine(s: Segment, zone: string): string {
  const when = `${formatInZone(s.start, zone)} → ${formatInZone(s.end, zone)}`;
  if (!s.primary) {
    const away = s.uncovered.filter((u) => u.role === 'primary').map((u) => `<@${u.userId}>`);
    return `:warning: ${when}  *gap: nobody on call*${away.length ? ` (${away.join(', ')} on time off)` : ''}`;
  }
  const mark = s.primary.via === 'override' ? ':arrows_counterclockwise: ' : s.primary.via === 'time_off_cover' ? ':palm_tree: ' : '';
  const secondary = s.secondary ? `, secondary <@${s.secondary.userId}>` : '';
  return `${mark}${when}  <@${s.primary.userId}>${standsIn(s.primary)}${secondary}`;
}

/** `/oncall schedule`: the final schedule per rotation, overrides, time off and gaps marked. */
export function scheduleMessage(rows: RotationSchedule[], zone: string, days: number): RenderedMessage {
  if (rows.length === 0) {
    const text = 'No such rotation. `/oncall who` lists them.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: `On call, next ${days} days` } }];
  const textLines: string[] = [];
  for (const { rotation, segments } of rows) {
    const lines = segments.map((s) => segmentLine(s, zone));
    const gaps = segments.filter((s) => !s.primary).length;
    const title = `*${escapeMrkdwn(rotation.name)}*${gaps > 0 ? `  :warning: ${gaps} gap${gaps === 1 ? '' : 's'}` : ''}`;
    textLines.push(title.replace(/\*/g, ''), ...lines);
    blocks.push(...mrkdwnSections([title, ...lines]));
  }
  const legend = `Times in ${escapeMrkdwn(zone)}. :arrows_counterclockwise: override or swap · :palm_tree: covering time off · :warning: gap`;
  const shown = blocks.slice(0, 49);
  if (blocks.length > 49)
    shown[48] = {
      type: 'section',
      text: { type: 'mrkdwn', text: 'More than fits here: ask for one rotation with `/oncall schedule <rotation>`.' },
    };
  shown.push({ type: 'context', elements: [{ type: 'mrkdwn', text: legend }] });
  return { text: textLines.join('\n').slice(0, 3000), blocks: shown };
}
