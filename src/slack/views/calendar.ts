import type { KnownBlock } from '@slack/types';
import type { Feeds } from '../../domain/read-models.js';
import { escapeMrkdwn, mrkdwnSections, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

/**
 * Sections per message: Slack takes 50 blocks, but shows a message's `text` only up to 40,000 characters,
 * and each message's text repeats its sections (under 2,900 characters each), so 13 keep the text whole too.
 */
const SECTIONS_PER_MESSAGE = 13;
/** A name is cut so a line always fits a section; the URL never is. */
const MAX_NAME = 200;

const feedLine = (f: { name: string; url: string }) => `${escapeMrkdwn(truncate(f.name, MAX_NAME))}: ${f.url}`;

/**
 * `/oncall calendar`: the secret feed URLs, to subscribe to in Google Calendar or Outlook. The person's own
 * rotations come first, then every other one. Lines are never cut: they fill sections of whole lines, and
 * sections fill as many messages as it takes.
 */
export function calendarMessages(feeds: Feeds): RenderedMessage[] {
  const lines = [
    '*Calendar feeds* (keep these links private: anyone with one can read the schedule)',
    `Your shifts: ${feeds.personal}`,
    ...(feeds.mine.length > 0 ? ['*Your rotations*', ...feeds.mine.map(feedLine)] : []),
    ...(feeds.others.length > 0 ? [feeds.mine.length > 0 ? '*Other rotations*' : '*Rotations*', ...feeds.others.map(feedLine)] : []),
    'In Google Calendar: Other calendars → From URL. In Outlook: Add calendar → Subscribe from web.',
  ];
  const sections = mrkdwnSections(lines);
  const pages: (typeof sections)[] = [];
  for (let i = 0; i < sections.length; i += SECTIONS_PER_MESSAGE) pages.push(sections.slice(i, i + SECTIONS_PER_MESSAGE));
  return pages.map((page, i) => {
    const text = page.map((s) => s.text.text).join('\n');
    const part: KnownBlock[] =
      i === 0 ? [] : [{ type: 'context', elements: [{ type: 'mrkdwn', text: `Calendar feeds, part ${i + 1} of ${pages.length}` }] }];
    return { text, blocks: [...part, ...page] };
  });
}
