import type { Urgency } from './notification-rules.js';
import { urgencyOf } from './notification-rules.js';
import { addDays, localDateOf, localMinutesOf, localTimeToUtc, parseHHMM } from './zoned-time.js';

/**
 * Where an alert group goes and how loudly: routing rules match its labels (first match wins) to pick
 * the urgency and optionally another service; without a match, the severity decides. Pure.
 */
export type IncidentUrgency = Urgency | 'info';

export interface RoutingRule {
  /** Every label here must equal the group's label; a value "~regex" matches by regular expression. */
  match: Record<string, string>;
  urgency?: IncidentUrgency;
  service?: string;
}

export function matchesRule(rule: RoutingRule, labels: Record<string, string>): boolean {
  return Object.entries(rule.match).every(([name, want]) => {
    const have = labels[name];
    if (have === undefined) return false;
    if (want.startsWith('~')) {
      try {
        return new RegExp(`^(?:${want.slice(1)})$`).test(have);
      } catch {
        return false;
      }
    }
    return have === want;
  });
}

export function route(
  rules: readonly RoutingRule[] | null,
  labels: Record<string, string>,
  severity: string,
): { urgency: IncidentUrgency; service: string | null } {
  const rule = (rules ?? []).find((r) => matchesRule(r, labels));
  return { urgency: rule?.urgency ?? urgencyOf(severity), service: rule?.service ?? null };
}

/** A team's working hours: weekdays (ISO, 1 = Monday) from start to end, local to a zone. */
export interface WorkingHours {
  timeZone: string;
  days: number[];
  start: string;
  end: string;
}

function weekday(date: { year: number; month: number; day: number }): number {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return d === 0 ? 7 : d;
}

export function inWorkingHours(hours: WorkingHours, at: number): boolean {
  const date = localDateOf(at, hours.timeZone);
  if (!hours.days.includes(weekday(date))) return false;
  const minutes = localMinutesOf(at, hours.timeZone);
  const s = parseHHMM(hours.start);
  const e = parseHHMM(hours.end);
  return minutes >= s.hour * 60 + s.minute && minutes < e.hour * 60 + e.minute;
}

/** The start of the next working period at or after `at` (within two weeks), or null if there is none. */
export function nextWorkingStart(hours: WorkingHours, at: number): number | null {
  if (inWorkingHours(hours, at)) return at;
  const today = localDateOf(at, hours.timeZone);
  for (let i = 0; i < 15; i += 1) {
    const date = addDays(today, i);
    if (!hours.days.includes(weekday(date))) continue;
    const start = localTimeToUtc(date, parseHHMM(hours.start), hours.timeZone);
    if (start >= at) return start;
  }
  return null;
}
