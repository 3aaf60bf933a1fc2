import type { Feeds } from '../../services/calendars.js';
import { escapeMrkdwn } from './format.js';
import type { RenderedMessage } from './incident-card.js';

/** `/oncall calendar`: the secret feed URLs, to subscribe to in Google Calendar or Outlook. */
export function calendarMessage(feeds: Feeds): RenderedMessage {
  const lines = [
    '*Calendar feeds* (keep these links private: anyone with one can read the schedule)',
    `Your shifts: ${feeds.personal}`,
    ...feeds.rotations.slice(0, 40).map((r) => `${escapeMrkdwn(r.name)}: ${r.url}`),
    'In Google Calendar: Other calendars → From URL. In Outlook: Add calendar → Subscribe from web.',
  ];
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2990) } }] };
}
