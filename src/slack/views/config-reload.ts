import type { ReloadOutcome } from '../../services/admin/config-reload.js';
import { escapeMrkdwn, mrkdwnSections } from './format.js';
import type { RenderedMessage } from './message.js';

/** How many names of one kind of change are listed before "and N more". */
const LISTED = 25;

function names(items: string[]): string {
  const shown = items.slice(0, LISTED).map((i) => `\`${escapeMrkdwn(i)}\``);
  return items.length > LISTED ? `${shown.join(', ')} and ${items.length - LISTED} more` : shown.join(', ');
}

/**
 * `/oncall reload`, answered privately: what the file changed, entity by entity (`rotation search`), or
 * every problem of a bad file and that nothing was changed.
 */
export function reloadMessage(outcome: ReloadOutcome): RenderedMessage {
  if (!outcome.ok) {
    const lines = [
      ':no_entry: *The config file was not applied: nothing changed.* Fix these problems and run `/oncall reload` again:',
      ...outcome.problems.map((p) => `• ${escapeMrkdwn(p)}`),
    ];
    return { text: lines.join('\n'), blocks: mrkdwnSections(lines) };
  }
  const { created, updated, deleted, kept } = outcome.summary;
  if (created.length + updated.length + deleted.length + kept.length === 0) {
    const text = ':white_check_mark: *Config file reloaded:* nothing changed; Baton already matched it.';
    return { text, blocks: mrkdwnSections([text]) };
  }
  const lines = [
    ':white_check_mark: *Config file reloaded.*',
    ...(created.length > 0 ? [`• Created: ${names(created)}`] : []),
    ...(updated.length > 0 ? [`• Updated: ${names(updated)}`] : []),
    ...(deleted.length > 0 ? [`• Deleted: ${names(deleted)}`] : []),
    ...(kept.length > 0
      ? [`• Kept, though no longer in the file, since incidents refer to them (a kept service takes no more alerts): ${names(kept)}`]
      : []),
  ];
  return { text: lines.join('\n'), blocks: mrkdwnSections(lines) };
}
