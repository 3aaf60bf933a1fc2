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
  /** From when the problem started (its earliest alert, when the source said) to resolution. */
  durationMs: number;
  /** From when Baton opened the incident to resolution. */
  timeToResolveMs: number;
  timeToAcknowledgeMs: number | null;
  responders: string[];
  timeline: { at: number; text: string }[];
}

function describeEvent(e: TimelineEntry): string | null {
  const who = e.actor && /^[UW][A-Z0-9]+$/.test(e.actor) ? `<@${e.actor}>` : e.actor ?? 'Baton';
  const d = e.detail;
  switch (e.kind) {
    case 'opened':
      return `Opened (${String(d.alerts ?? 1)} alert${d.alerts === 1 ? '' : 's'}, ${String(d.severity ?? '')})`;
    case 'paged':
      return `Paged level ${String(d.level)}: ${((d.users as string[] | undefined) ?? []).map((u) => `<@${u}>`).join(', ') || 'nobody'}`;
    case 'escalated':
      return `Escalated to level ${String(d.to)} by ${who}`;
    case 'acknowledged':
      return `Acknowledged by ${who}`;
    case 'resolved':
      return `Resolved by ${e.actor ? who : 'its source'}`;
    case 'role':
      return `${who} set ${String(d.role)}: <@${String(d.user)}>`;
    case 'status_update':
      return `Status update by ${who}: ${String(d.text ?? '').slice(0, 200)}`;
    case 'responder_paged':
      return `${who} paged ${((d.users as string[] | undefined) ?? []).map((u) => `<@${u}>`).join(', ')}`;
    case 'pinned':
      return typeof d.text === 'string' && d.text ? `${who} pinned: ${d.text.slice(0, 300)}` : `${who} pinned a message`;
    case 'alerts_updated':
      return `Alerts now ${String(d.alerts ?? '?')} firing`;
    case 'suppressed':
      return `Not paged (${String(d.reason ?? 'suppressed')})`;
    case 'call_unanswered':
      return `Phone call to <@${String(d.user)}> not answered (${String(d.status ?? '')})`;
    case 'escalation_exhausted':
      return 'Every escalation level was paged; nobody acknowledged';
    case 'channel_created':
      return 'Incident channel created';
    case 'escalation_gap':
      return `Level ${String(d.level)} had nobody to page`;
    default:
      return null;
  }
}

export function resolutionSummary(
  incident: { openedAt: number; acknowledgedAt: number | null; resolvedAt: number | null },
  events: TimelineEntry[],
  /** The earliest alert's start, as its source reported it; ignored when unknown or after the opening. */
  problemStartedAt: number | null = null,
): ResolutionSummary {
  const resolvedAt = incident.resolvedAt ?? incident.openedAt;
  let alertCount: unknown = undefined;
  const startedAt = problemStartedAt !== null && Number.isFinite(problemStartedAt) && problemStartedAt < incident.openedAt ? problemStartedAt : incident.openedAt;
  const responders = new Set<string>();
  for (const e of events) {
    if (e.actor && /^[UW][A-Z0-9]+$/.test(e.actor)) responders.add(e.actor);
    if (e.kind === 'role' && typeof e.detail.user === 'string') responders.add(e.detail.user);
  }
  return {
    durationMs: resolvedAt - startedAt,
    timeToResolveMs: resolvedAt - incident.openedAt,
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
      })
      .flatMap((e) => {
        const text = describeEvent(e);
        return text ? [{ at: e.at, text }] : [];
      }),
  };
}
