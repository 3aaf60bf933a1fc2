/**
 * Incident channels, pure parts: the channel's name within Slack's rules, and the summary posted when the
 * incident resolves.
 */

const MAX_NAME = 80;

/** `inc-<yyyymmdd>-<n>-<slug>`: lowercase letters, digits and hyphens, at most 80 characters. */
export function incidentChannelName(openedAt: number, incidentId: number, title: string, attempt = 1): string {
  const day = new Date(openedAt).toISOString().slice(0, 10).replace(/-/g, '');
  const suffix = attempt > 1 ? `-${attempt}` : '';
  const prefix = `inc-${day}-${incidentId}`;
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME - prefix.length - suffix.length - 1)
    .replace(/-+$/g, '');
  return `${prefix}${slug ? `-${slug}` : ''}${suffix}`;
}

export interface TimelineEntry {
  at: number;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface ResolutionSummary {
  /** From when Baton opened the incident to its resolution. */
  durationMs: number;
  /**
   * When the problem started by the alert's own clock (its earliest alert), when that is before the opening:
   * shown apart from the duration, since a sender's start can be days old (an alert that fired long ago).
   */
  problemStartedAt: number | null;
  timeToAcknowledgeMs: number | null;
  responders: string[];
  /** What happened, oldest first, without repeats of an unchanged alert count; the view words it. */
  timeline: TimelineEntry[];
}

export function resolutionSummary(
  incident: { openedAt: number; acknowledgedAt: number | null; resolvedAt: number | null },
  events: TimelineEntry[],
  /** The earliest alert's start, as its source reported it; ignored when unknown or after the opening. */
  problemStartedAt: number | null = null,
): ResolutionSummary {
  const resolvedAt = incident.resolvedAt ?? incident.openedAt;
  let alertCount: unknown;
  const startedBefore = problemStartedAt !== null && Number.isFinite(problemStartedAt) && problemStartedAt < incident.openedAt;
  const responders = new Set<string>();
  for (const e of events) {
    if (e.actor && /^[UW][A-Z0-9]+$/.test(e.actor)) responders.add(e.actor);
    if (e.kind === 'role' && typeof e.detail.user === 'string') responders.add(e.detail.user);
  }
  return {
    durationMs: resolvedAt - incident.openedAt,
    problemStartedAt: startedBefore ? problemStartedAt : null,
    timeToAcknowledgeMs: incident.acknowledgedAt !== null ? incident.acknowledgedAt - incident.openedAt : null,
    responders: [...responders],
    timeline: events
      .slice()
      .sort((a, b) => a.at - b.at)
      .filter((e) => {
        // Senders repeat the same group often; only a change in the number of alerts is worth a line.
        if (e.kind !== 'opened' && e.kind !== 'alerts_updated') return true;
        const changed = e.detail.alerts !== alertCount;
        alertCount = e.detail.alerts;
        return e.kind === 'opened' || changed;
      }),
  };
}
