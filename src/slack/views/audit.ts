import { escapeMrkdwn, mrkdwnSections, plural, slackDate, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

/** Actions whose words are not "<verb> <kind>"; the target's id follows them. */
const ACTION_WORDS: Record<string, string> = {
  'override.create': 'took the pager for',
  'override.cancel': 'cancelled an override of',
  'time_off.create': 'booked time off for',
  'time_off.cancel': 'cancelled time off of',
  'swap.request': 'asked for a swap on',
  'swap.accept': 'accepted a swap on',
  'swap.decline': 'declined a swap on',
  'cover.request': 'asked for cover on',
  'cover.take': 'took a cover request on',
  'handover_note.create': 'wrote a handover note for',
  'incident.acknowledge': 'acknowledged incident',
  'incident.escalate': 'escalated incident',
  'incident.resolve': 'resolved incident',
  'incident.declare': 'declared incident',
  'incident.page': 'paged someone for incident',
  'incident.role.commander': 'named the commander of incident',
  'incident.role.comms': 'named the comms lead of incident',
  'integration.create': 'made an integration key for',
  'integration.rotate': 'rotated an integration key of',
  'maintenance.start': 'started maintenance on',
  'maintenance.end': 'ended maintenance on',
  'notification_rules.update': 'changed the notification rules of',
  'phone.verify': 'verified a phone number for',
  'admin_user_group.update': 'changed the admin user group',
  'webhooks.update': 'changed the webhooks',
  'emergency_line.update': 'changed the emergency line',
};

/** The fallback, `<kind>.<verb>`: "created rotation", "deleted team"; an unknown verb is kept as it is. */
const VERBS: Record<string, string> = {
  create: 'created',
  update: 'changed',
  delete: 'deleted',
  keep: 'kept',
  cancel: 'cancelled',
  start: 'started',
  end: 'ended',
};

/** Bookkeeping that changes on every save and says nothing to a reader. */
const UNSHOWN = new Set(['updatedAt', 'createdAt']);
/** Values nobody else should read in Slack, even in the audit log: only that they changed is shown. */
const PRIVATE = /phone|secret|token|hash/i;
/** A field named so, or a value holding one (a service's integration keys, say). */
const PRIVATE_INSIDE = /"[^"]*(phone|secret|token|hash)[^"]*":/i;

const MAX_VALUE = 40;
const MAX_CHANGE = 300;
const MAX_TEXT = 3000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const code = (text: string) => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
const USER_ID = /^[UW][A-Z0-9]{8,}$/;

function words(e: AuditEntry): string {
  // An admin's override puts someone else on call: say who.
  if (e.action === 'override.create' && isRecord(e.after) && typeof e.after.userId === 'string' && e.after.userId !== e.actor)
    return `gave <@${e.after.userId}> the pager for`;
  const known = ACTION_WORDS[e.action];
  if (known) return known;
  const parts = e.action.split('.');
  const verb = parts.length > 1 ? parts.pop()! : '';
  const kind = parts.join(' ').replace(/_/g, ' ');
  return escapeMrkdwn([VERBS[verb] ?? verb.replace(/_/g, ' '), kind].filter(Boolean).join(' '));
}

/** `incident:12` as #12, `user:U…` as a mention, `rotation:x` as `x`; a bare target only when no words name it. */
function targetText(e: AuditEntry): string {
  const colon = e.target.indexOf(':');
  if (colon === -1) return ACTION_WORDS[e.action] ? '' : code(e.target);
  const [kind, id] = [e.target.slice(0, colon), e.target.slice(colon + 1)];
  if (kind === 'incident' && /^\d+$/.test(id)) return `#${id}`;
  if (kind === 'user' && USER_ID.test(id)) return `<@${id}>`;
  return code(truncate(id, 80));
}

function valueText(key: string, v: unknown): string {
  if (v === null || v === undefined) return '–';
  // Epoch milliseconds in a window or a timestamp: a date each reader sees in their own zone.
  if (typeof v === 'number' && v > 1e12 && /^(start|end)$|At$|Start$|End$/.test(key)) return slackDate(v);
  if (typeof v === 'string' && USER_ID.test(v)) return `<@${v}>`;
  return escapeMrkdwn(truncate(typeof v === 'string' ? v : JSON.stringify(v), MAX_VALUE));
}

/** Parts joined up to `max` characters; the rest is left off, never cut in the middle of an entity or a mention. */
function fitWithin(parts: string[], max: number, separator = '; '): string {
  let out = '';
  for (const part of parts) {
    const next = out ? `${out}${separator}${part}` : part;
    // A first part over the limit is kept whole: parts are short, and cutting one could break its markup.
    if (out && next.length > max) return `${out}${separator}…`;
    out = next;
  }
  return out;
}

function isPrivate(key: string, ...values: unknown[]): boolean {
  return PRIVATE.test(key) || values.some((v) => PRIVATE_INSIDE.test(JSON.stringify(v) ?? ''));
}

/** What changed, compactly: `key: before → after` per changed field, or `before → after` for a plain value. */
function changeText(before: unknown, after: unknown): string {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => !UNSHOWN.has(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    return fitWithin(
      keys.map((k) =>
        isPrivate(k, before[k], after[k])
          ? `${escapeMrkdwn(k)} changed`
          : `${escapeMrkdwn(k)}: ${valueText(k, before[k])} → ${valueText(k, after[k])}`,
      ),
      MAX_CHANGE,
    );
  }
  // A whole row made or removed is told by the words; only plain values (a group ID, say) are shown.
  if (isRecord(before) || isRecord(after) || (before ?? null) === (after ?? null)) return '';
  return `${valueText('', before)} → ${valueText('', after)}`;
}

function actorText(actor: string): string {
  return USER_ID.test(actor) ? `<@${actor}>` : code(truncate(actor, 60));
}

function entryLine(e: AuditEntry): string {
  const target = targetText(e);
  const change = changeText(e.before, e.after);
  return `${slackDate(e.at)} ${actorText(e.actor)} *${words(e)}*${target ? ` ${target}` : ''}${change ? `: ${change}` : ''}`;
}

/** Whole lines up to Slack's comfortable length for a message's fallback text. */
function fallbackText(lines: string[]): string {
  return fitWithin(lines, MAX_TEXT, '\n');
}

/** `/oncall audit [rotation]`: the newest entries, each as words, its target and what changed. */
export function auditMessage(entries: AuditEntry[], rotationId: string | null): RenderedMessage {
  const scope = rotationId ? ` for rotation ${code(rotationId)}` : '';
  if (entries.length === 0) {
    const text = `Nothing in the audit log${scope}.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = [`*Audit log${scope}*, newest first: the last ${plural(entries.length, 'change')}`, ...entries.map(entryLine)];
  return { text: fallbackText(lines), blocks: mrkdwnSections(lines) };
}
