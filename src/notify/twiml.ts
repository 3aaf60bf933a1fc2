import type { incidents } from '../db/schema.js';

type Incident = typeof incidents.$inferSelect;

/** Pure builders for what a phone reads out and what an SMS says. */

const MAX_SMS = 1500;

/** Characters XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/U+FFFF): dropped. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids; the regex removes them.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text (an alert title read out, an SMS reply, a URL) as XML character data or an attribute value: escaped,
 * so nothing from outside can add TwiML verbs, and without characters that would make the document invalid.
 */
function xml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function spoken(text: string): string {
  // Text-to-speech reads symbols badly and long titles forever.
  return text
    .replace(/[_*`#>|{}[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

export function smsPageText(list: Incident[]): string {
  if (list.length === 1) {
    const i = list[0]!;
    const reply = `\nReply ${i.id}A to acknowledge, ${i.id}E to escalate, ${i.id}R to resolve.`;
    return `${`Baton #${i.id} ${i.severity.toUpperCase()}: ${i.title}`.slice(0, MAX_SMS - 80)}${reply}`;
  }
  const lines = list.slice(0, 10).map((i) => `#${i.id} ${i.severity.toUpperCase()}: ${i.title.slice(0, 80)}`);
  const more = list.length > 10 ? `\n…and ${list.length - 10} more.` : '';
  const reply = `\nReply A to acknowledge all of them, or <number>A for one, e.g. ${list[0]!.id}A.`;
  return `Baton: ${list.length} unacknowledged incidents\n${lines.join('\n')}${more}`.slice(0, MAX_SMS - reply.length) + reply;
}

/** The call's menu, repeated when no key or another key is pressed. */
export function voiceMenu(list: Incident[], keyUrl: string, againUrl: string | null): string {
  const intro =
    list.length === 1
      ? `This is Baton. Incident ${list[0]!.id}, ${spoken(list[0]!.severity)}: ${spoken(list[0]!.title)}.`
      : `This is Baton. You have ${list.length} unacknowledged incidents. The first: ${spoken(list[0]!.title)}.`;
  const menu =
    list.length === 1
      ? 'Press 1 to acknowledge, 2 to escalate, 3 to resolve.'
      : 'Press 1 to acknowledge all of them, 2 to escalate all of them.';
  const retry = againUrl ? `<Redirect method="POST">${xml(againUrl)}</Redirect>` : '<Say>Goodbye.</Say><Hangup/>';
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="8" action="${xml(keyUrl)}" method="POST"><Say>${xml(intro)} ${menu}</Say></Gather>${retry}</Response>`;
}

export function voiceSay(text: string, hangup = true): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${xml(text)}</Say>${hangup ? '<Hangup/>' : ''}</Response>`;
}

export function voiceRedirect(url: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="POST">${xml(url)}</Redirect></Response>`;
}

/** An SMS reply, or nothing (an empty response sends no message). */
export function messagingResponse(text: string | null): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${text ? `<Message>${xml(text.slice(0, MAX_SMS))}</Message>` : ''}</Response>`;
}

/** The emergency line: a greeting, then a recording whose result is posted to `recordedUrl`. */
export function voicemailPrompt(greeting: string, recordedUrl: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${xml(greeting)}</Say><Record maxLength="180" playBeep="true" action="${xml(recordedUrl)}" method="POST"/><Say>No message was recorded. Goodbye.</Say><Hangup/></Response>`;
}
