import * as rrule from 'rrule';
import { addDays, localDateOf, localTimeToUtc } from './zoned-time.js';
import { DAY, MINUTE } from './time-units.js';

// rrule ships a CommonJS bundle to Node's ESM loader (exports under `default`) and ES modules to bundlers.
const { RRule } = (rrule as unknown as { default?: typeof rrule }).default?.RRule
  ? (rrule as unknown as { default: typeof rrule }).default
  : rrule;

/**
 * A maintenance window that comes back on a schedule ("every Sunday 02:00–04:00 Europe/Berlin"). The days
 * are an iCalendar RRULE (RFC 5545) read by the rrule library; the time of day is local to the window's
 * zone, so the window keeps its wall-clock time across daylight saving. A start that does not exist on a
 * spring-forward day begins at the jump (02:30 becomes 03:00 in Berlin); an hour that exists twice starts
 * at its first occurrence.
 */
export interface RecurringWindow {
  /** Which days, as an RRULE without times: `FREQ=WEEKLY;BYDAY=SU`, `FREQ=MONTHLY;BYMONTHDAY=1`. */
  rrule: string;
  start: { hour: number; minute: number };
  durationMinutes: number;
  timeZone: string;
}

const ALLOWED_FREQUENCIES = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);
/** RRULE days are counted from this date when the rule names no DTSTART (it matters for INTERVAL > 1). */
const ANCHOR = new Date(Date.UTC(2024, 0, 1));

/** Why an RRULE cannot describe the days of a window, or null when it can. */
export function rruleProblem(text: string): string | null {
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(text);
  } catch (err) {
    return `not an RRULE: ${(err as Error).message}`;
  }
  if (options.freq === undefined || !ALLOWED_FREQUENCIES.has(options.freq)) return 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY';
  if (options.byhour !== undefined || options.byminute !== undefined || options.bysecond !== undefined) {
    return 'give the time of day as start, not BYHOUR/BYMINUTE/BYSECOND';
  }
  if (options.tzid) return 'give the zone as time_zone, not TZID';
  return null;
}

/** Parsed rules, by their text: a rule is read once, not at every alert. */
const parsed = new Map<string, InstanceType<typeof RRule>>();

function ruleOf(text: string) {
  let rule = parsed.get(text);
  if (!rule) {
    const options = RRule.parseString(text);
    // Dates are "floating": their UTC calendar date is the local date in the window's zone.
    rule = new RRule({ ...options, dtstart: options.dtstart ?? ANCHOR, tzid: null });
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, rule);
  }
  return rule;
}

/** The occurrence of any window running at `now`, the one ending last; null when none is. */
export function activeRecurringWindow(windows: readonly RecurringWindow[], now: number): { start: number; end: number } | null {
  let best: { start: number; end: number } | null = null;
  for (const w of windows) {
    const today = localDateOf(now, w.timeZone);
    // A window that started on an earlier day may still be running: look back as many days as it lasts.
    const back = Math.ceil(w.durationMinutes / (24 * 60)) + 1;
    const from = addDays(today, -back);
    const days = ruleOf(w.rrule).between(
      new Date(Date.UTC(from.year, from.month - 1, from.day)),
      new Date(Date.UTC(today.year, today.month - 1, today.day) + DAY - 1),
      true,
    );
    for (const d of days) {
      const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      const start = localTimeToUtc(date, w.start, w.timeZone);
      const end = start + w.durationMinutes * MINUTE;
      if (start <= now && now < end && (!best || end > best.end)) best = { start, end };
    }
  }
  return best;
}

/** "every week on Sunday at 02:00 for 120 min (Europe/Berlin)", for people. */
export function describeRecurringWindow(w: RecurringWindow): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${ruleOf(w.rrule).toText()} at ${pad(w.start.hour)}:${pad(w.start.minute)} for ${w.durationMinutes} min (${w.timeZone})`;
}
