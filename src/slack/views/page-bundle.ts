import type { Button, KnownBlock } from '@slack/types';
import type { IncidentSummary } from '../../domain/read-models.js';
import { PAGE_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, mrkdwnSections, plural, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

/** Listed one per line up to this many; the rest are counted (a message holds 50 blocks and 40,000 characters). */
const LISTED = 25;

function stateOf({ incident }: IncidentSummary): string {
  if (incident.status === 'acknowledged') return `:eyes: acknowledged by <@${incident.acknowledgedBy}>`;
  if (incident.status === 'resolved') return `:white_check_mark: resolved${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ''}`;
  return ':rotating_light: triggered';
}

/** One incident as a line: its number, title and service (the sender's text, escaped) and where it stands. */
function line(summary: IncidentSummary): string {
  const { incident } = summary;
  const title = escapeMrkdwn(truncate(incident.title, 150));
  return `*#${incident.id}* [${escapeMrkdwn(incident.severity.toUpperCase())}] ${title} · ${escapeMrkdwn(summary.serviceName)} · ${stateOf(summary)}`;
}

/**
 * Pages held for a person's DM (Slack allows about one message a second there) sent as one message: every
 * incident listed with where it stands, and "Acknowledge all" while any is still triggered. `acknowledged`:
 * how many the reader's "Acknowledge all" just took, when it is rendered again as the answer to it. Pure.
 */
export function pageBundleMessage(summaries: IncidentSummary[], opts: { bundleId: number; acknowledged?: number }): RenderedMessage {
  const open = summaries.filter((s) => s.incident.status === 'triggered');
  const shown = summaries.slice(0, LISTED);
  const more = summaries.length - shown.length;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `:rotating_light: You are paged for ${plural(summaries.length, 'incident')}`, emoji: true },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'They opened within a second or two of each other, so they come in one message. Each has its card in its team channel and on your App Home.',
        },
      ],
    },
    ...mrkdwnSections(shown.map(line)),
  ];
  if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${plural(more, 'more incident')}.` }] });
  if (opts.acknowledged !== undefined) {
    const took =
      opts.acknowledged === 0
        ? 'Nothing to acknowledge: they were already handled.'
        : `You acknowledged ${plural(opts.acknowledged, 'incident')}.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:white_check_mark: ${took}` }] });
  }
  if (open.length > 0) {
    const ackAll: Button = {
      type: 'button',
      text: {
        type: 'plain_text',
        text: open.length === summaries.length ? 'Acknowledge all' : `Acknowledge the ${open.length} still triggered`,
      },
      action_id: PAGE_ACTIONS.acknowledgeAll,
      value: String(opts.bundleId),
      style: 'primary',
    };
    blocks.push({ type: 'actions', block_id: `page-bundle-${opts.bundleId}`, elements: [ackAll] });
  }
  const titles = shown.map((s) => `#${s.incident.id} ${escapeMrkdwn(truncate(s.incident.title, 80))}`).join('; ');
  return {
    text: truncate(`You are paged for ${plural(summaries.length, 'incident')}: ${titles}${more > 0 ? `; and ${more} more` : ''}`, 3000),
    blocks,
  };
}
