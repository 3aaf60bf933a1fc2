import { MINUTE } from './time-units.js';

/**
 * How a page reaches a person: ordered steps per urgency, each a contact method after a delay, optionally
 * repeated until the page is acknowledged or escalates. Pure: paging turns rules into dated sends.
 */
export type Urgency = 'high' | 'low';
export type ContactMethod = 'slack' | 'sms' | 'voice';

export interface NotificationStep {
  method: ContactMethod;
  afterMinutes: number;
  /** Repeat this step every N minutes until acknowledged or escalated. */
  repeatEveryMinutes?: number | null;
}

export type NotificationRules = Record<Urgency, NotificationStep[]>;

/**
 * The on-call practice Baton encodes: Slack first; from 2 minutes SMS and a phone call, the call repeated
 * every 5 minutes until someone acknowledges or the level escalates (15 minutes). Low urgency stays in Slack.
 */
export const DEFAULT_NOTIFICATION_RULES: NotificationRules = Object.freeze({
  high: [
    { method: 'slack', afterMinutes: 0 },
    { method: 'sms', afterMinutes: 2 },
    { method: 'voice', afterMinutes: 2, repeatEveryMinutes: 5 },
  ],
  low: [{ method: 'slack', afterMinutes: 0 }],
}) as NotificationRules;

const HIGH = new Set(['critical', 'crit', 'error', 'high', 'page', 'p1', 'p2', 'sev1', 'sev2', 'major', 'emergency', 'disaster']);
const LOW = new Set(['warning', 'warn', 'info', 'low', 'none', 'minor', 'p4', 'p5', 'sev4', 'sev5', 'debug', 'ok']);

/** Unknown severities page loudly: a missed page costs more than an unneeded call. */
export function urgencyOf(severity: string): Urgency {
  const s = severity.trim().toLowerCase();
  if (LOW.has(s)) return 'low';
  if (HIGH.has(s)) return 'high';
  return s === 'p3' || s === 'sev3' || s === 'medium' ? 'low' : 'high';
}

export interface PlannedSend {
  method: ContactMethod;
  at: number;
  /** Which rule step, and which repetition of it, so each send has its own at-most-once key. */
  step: number;
  repeat: number;
}

/**
 * The sends for one page made at `pagedAt` that fall before the level escalates at `until`. Phone steps
 * are dropped for a person without a usable number (and SMS when they opted out); if nothing is left,
 * a Slack DM at once, so a page never reaches nobody for want of a rule.
 */
export function planSends(
  rules: NotificationStep[],
  pagedAt: number,
  until: number,
  reachable: { sms: boolean; voice: boolean },
): PlannedSend[] {
  const out: PlannedSend[] = [];
  rules.forEach((rule, step) => {
    if (rule.method !== 'slack' && !reachable[rule.method]) return;
    const first = pagedAt + rule.afterMinutes * MINUTE;
    if (first >= until && !(rule.afterMinutes === 0)) return;
    out.push({ method: rule.method, at: first, step, repeat: 0 });
    const every = rule.repeatEveryMinutes ? rule.repeatEveryMinutes * MINUTE : 0;
    for (let k = 1; every > 0 && first + k * every < until && k <= 50; k += 1) {
      out.push({ method: rule.method, at: first + k * every, step, repeat: k });
    }
  });
  if (out.length === 0) out.push({ method: 'slack', at: pagedAt, step: -1, repeat: 0 });
  return out.sort((a, b) => a.at - b.at || a.step - b.step);
}

/**
 * Rules as people type them in Slack, one step per line: "slack 0", "sms 2", "voice 2 every 5"
 * (method, minutes after the page, optionally repeat every N minutes). Returns the steps or the problem.
 */
export function parseRuleLines(text: string): { steps: NotificationStep[] } | { error: string } {
  const steps: NotificationStep[] = [];
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return { error: 'Add at least one step, such as "slack 0".' };
  if (lines.length > 10) return { error: 'At most 10 steps.' };
  for (const line of lines) {
    const m =
      /^(slack|sms|voice|call|phone)\s+(?:after\s+)?(\d{1,4})(?:\s*m(?:in(?:utes?)?)?)?(?:\s+(?:every|repeat(?: every)?)\s+(\d{1,4})(?:\s*m(?:in(?:utes?)?)?)?)?$/i.exec(
        line,
      );
    if (!m) return { error: `"${line}" is not a step; write e.g. "sms 2" or "voice 2 every 5".` };
    const method = m[1]!.toLowerCase();
    const repeat = m[3] ? Number(m[3]) : null;
    if (repeat !== null && repeat < 1) return { error: `"${line}": repeat every at least 1 minute.` };
    steps.push({
      method: method === 'slack' ? 'slack' : method === 'sms' ? 'sms' : 'voice',
      afterMinutes: Number(m[2]),
      repeatEveryMinutes: repeat,
    });
  }
  return { steps };
}

export function formatRuleLines(steps: NotificationStep[]): string {
  return steps.map((s) => `${s.method} ${s.afterMinutes}${s.repeatEveryMinutes ? ` every ${s.repeatEveryMinutes}` : ''}`).join('\n');
}
