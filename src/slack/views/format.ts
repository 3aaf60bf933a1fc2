/** Slack mrkdwn needs only &, < and > escaped; anything else from an alert is shown as sent. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A time every reader sees in their own Slack time zone, with a UTC fallback for old clients. */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(ms / 1000)}^${format}|${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}>`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

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
