/**
 * Plain text from outside (an alert's title, labels, a webhook's fields, what someone typed in a form) made
 * safe for Slack's mrkdwn and a message's fallback `text`: only &, < and > need escaping, so `<!channel>`,
 * `<@U123>` and `<url|label>` show as written and notify or link nobody. Escape once, where the message is
 * rendered; text Slack itself sent in its markup goes through escapeSlackMarkup instead.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

/**
 * Text Slack sent in its own markup (a slash command's text, which arrives escaped because the manifest sets
 * should_escape; a message's text read back with conversations.history) as plain text: `<@U123|ada>` becomes
 * `@ada`, `<#C123|ops>` `#ops`, `<!channel>` `@channel`, `<!subteam^S1|@team>` `@team`, a link its label and
 * URL, and `&amp;`, `&lt;`, `&gt;` the characters. Nothing in the result is a mention or a link any more.
 */
export function slackMarkupToPlain(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_, inner: string) => {
      const bar = inner.indexOf('|');
      const target = bar === -1 ? inner : inner.slice(0, bar);
      const label = bar === -1 ? '' : inner.slice(bar + 1);
      switch (target.charAt(0)) {
        case '@':
        case '#':
          return `${target.charAt(0)}${label.replace(/^[@#]/, '') || target.slice(1)}`;
        case '!':
          // <!channel>, <!here>, <!everyone>; <!subteam^S1|@team> and <!date^…|fallback> carry their own text.
          return label || `@${target.slice(1).split('^')[0]}`;
        default: {
          const shown = target.replace(/^mailto:/i, '');
          return label && label !== target && label !== shown ? `${label} (${shown})` : shown;
        }
      }
    })
    .replace(/&(amp|lt|gt);/g, (_, name: string) => ENTITIES[name]!);
}

/** What a person typed in Slack (a status update, a note, a pinned message), escaped to be shown in another message. */
export function escapeSlackMarkup(text: string): string {
  return escapeMrkdwn(slackMarkupToPlain(text));
}

/** A time every reader sees in their own Slack time zone, with a UTC fallback for old clients. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(ms / 1000)}^${format}|${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}>`;
}

export { plural, truncate } from '../../domain/wording.js';

/** A link whose URL comes from an alert: only http(s), and never able to break out of the <url|label> syntax. */
export function safeLink(url: string | null, label: string): string | null {
  if (!url || !/^https?:\/\//i.test(url)) return null;
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(label)}>`;
}

/** Lines joined into mrkdwn sections of under 3,000 characters each (Slack's limit per section text). */
export function mrkdwnSections(lines: string[]): { type: 'section'; text: { type: 'mrkdwn'; text: string } }[] {
  const sections: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[] = [];
  let chunk = '';
  for (const line of lines) {
    if (chunk && chunk.length + line.length + 1 > 2900) {
      sections.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += (chunk ? '\n' : '') + line;
  }
  if (chunk) sections.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  return sections;
}
