import { localMinutesOf } from './zoned-time.js';
import { DAY } from './time-units.js';

/** Incident statistics for a period, from plain records. Pure. */

export interface StatIncident {
  id: number;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  escalated: boolean;
  alertName: string;
  alertCount: number;
}

export interface StatPage {
  userId: string;
  at: number;
}

export interface Spread {
  median: number | null;
  p90: number | null;
}

export interface IncidentStats {
  incidents: number;
  timeToAcknowledgeMs: Spread;
  timeToResolveMs: Spread;
  escalationRate: number | null;
  pages: { userId: string; pages: number; sleepPages: number }[];
  noisiest: { alertName: string; alerts: number; incidents: number }[];
  /** Incidents opened per day, oldest first, for a small chart. */
  perDay: number[];
}

/** Nearest-rank percentile: the smallest value with at least p% of values at or below it. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function spread(values: number[]): Spread {
  return { median: percentile(values, 50), p90: percentile(values, 90) };
}

/** A page between 22:00 and 08:00 in the paged person's own zone woke them up (or would have). */
export function isSleepHour(at: number, zone: string): boolean {
  const minutes = localMinutesOf(at, zone);
  return minutes >= 22 * 60 || minutes < 8 * 60;
}

export function incidentStats(input: {
  from: number;
  to: number;
  incidents: StatIncident[];
  pages: StatPage[];
  zoneOf: (userId: string) => string;
}): IncidentStats {
  const list = input.incidents.filter((i) => i.openedAt >= input.from && i.openedAt < input.to);
  const byPerson = new Map<string, { pages: number; sleepPages: number }>();
  for (const p of input.pages) {
    if (p.at < input.from || p.at >= input.to) continue;
    const entry = byPerson.get(p.userId) ?? { pages: 0, sleepPages: 0 };
    entry.pages += 1;
    if (isSleepHour(p.at, input.zoneOf(p.userId))) entry.sleepPages += 1;
    byPerson.set(p.userId, entry);
  }
  const days = Math.max(1, Math.ceil((input.to - input.from) / DAY));
  const perDay = Array.from({ length: days }, () => 0);
  for (const i of list) perDay[Math.min(days - 1, Math.floor((i.openedAt - input.from) / DAY))]! += 1;
  return {
    incidents: list.length,
    timeToAcknowledgeMs: spread(list.flatMap((i) => (i.acknowledgedAt !== null ? [i.acknowledgedAt - i.openedAt] : []))),
    timeToResolveMs: spread(list.flatMap((i) => (i.resolvedAt !== null ? [i.resolvedAt - i.openedAt] : []))),
    escalationRate: list.length > 0 ? list.filter((i) => i.escalated).length / list.length : null,
    pages: [...byPerson.entries()]
      .map(([userId, v]) => ({ userId, ...v }))
      .sort((a, b) => b.pages - a.pages || a.userId.localeCompare(b.userId)),
    noisiest: noisiestAlerts(list, 5),
    perDay,
  };
}

/** The alert names that fired most (alerts, then incidents, then name), with their counts. */
export function noisiestAlerts(
  incidents: { alertName: string; alertCount: number }[],
  top: number,
): { alertName: string; alerts: number; incidents: number }[] {
  const byName = new Map<string, { alerts: number; incidents: number }>();
  for (const i of incidents) {
    const entry = byName.get(i.alertName) ?? { alerts: 0, incidents: 0 };
    entry.alerts += i.alertCount;
    entry.incidents += 1;
    byName.set(i.alertName, entry);
  }
  return [...byName.entries()]
    .map(([alertName, v]) => ({ alertName, ...v }))
    .sort((a, b) => b.alerts - a.alerts || b.incidents - a.incidents || a.alertName.localeCompare(b.alertName))
    .slice(0, top);
}

/** A one-line chart: ▁▂▃▄▅▆▇█ scaled to the busiest day. */
export function sparkline(values: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 ? bars[0] : bars[Math.round((v / max) * (bars.length - 1))])).join('');
}
