import { z } from 'zod';

/**
 * Alertmanager webhook (version "4"). Unknown keys are accepted because newer Alertmanager versions
 * add fields (notification_reason since 0.32, routeLabels since 0.34) and 4xx is never retried.
 */
const labelSet = z.record(z.string(), z.string());

export const alertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional().default(''),
  fingerprint: z.string().min(1).max(255),
});

export const alertmanagerWebhookSchema = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().nonnegative().optional().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional().default(''),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().optional().default(''),
  alerts: z.array(alertmanagerAlertSchema).min(1).max(10_000),
});

export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** One alert as Baton tracks it, whatever the source. */
export interface NormalizedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  sourceUrl: string | null;
}

/** One notification about one alert group: the unit an incident is opened or updated from. */
export interface NormalizedGroup {
  source: 'alertmanager' | 'grafana' | 'pagerduty' | 'generic' | 'heartbeat' | 'emergency_line' | 'declared' | 'slack_page';
  dedupKey: string;
  status: 'firing' | 'resolved';
  title: string;
  severity: Severity;
  labels: Record<string, string>;
  links: { runbook: string | null; source: string | null; externalUrl: string | null };
  alerts: NormalizedAlert[];
  truncatedAlerts: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function normalizeSeverity(raw: string | undefined): Severity {
  switch ((raw ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
    case 'p1':
    case 'sev1':
      return 'critical';
    case 'error':
    case 'high':
    case 'major':
    case 'p2':
      return 'error';
    case 'info':
    case 'informational':
    case 'none':
      return 'info';
    default:
      return 'warning';
  }
}

function nonEmpty(s: string | undefined | null): string | null {
  return s && s.trim() !== '' ? s : null;
}

export function normalizeAlertmanager(payload: AlertmanagerWebhook): NormalizedGroup {
  const first = payload.alerts[0]!;
  const labels = Object.keys(payload.commonLabels).length > 0 ? payload.commonLabels : first.labels;
  const annotations = Object.keys(payload.commonAnnotations).length > 0 ? payload.commonAnnotations : first.annotations;
  const title =
    nonEmpty(annotations.summary) ??
    nonEmpty(annotations.title) ??
    nonEmpty(annotations.description) ??
    nonEmpty(labels.alertname) ??
    nonEmpty(payload.groupLabels.alertname) ??
    'Alertmanager alert';
  return {
    source: 'alertmanager',
    dedupKey: payload.groupKey,
    status: payload.status,
    title: title.slice(0, 500),
    severity: normalizeSeverity(labels.severity ?? first.labels.severity),
    labels,
    links: {
      runbook: nonEmpty(annotations.runbook_url) ?? nonEmpty(annotations.runbook) ?? nonEmpty(first.annotations.runbook_url),
      source: payload.alerts.map((a) => nonEmpty(a.generatorURL)).find((u) => u !== null) ?? null,
      externalUrl: nonEmpty(payload.externalURL),
    },
    alerts: payload.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt && a.endsAt !== ZERO_TIME ? a.endsAt : null,
      sourceUrl: nonEmpty(a.generatorURL),
    })),
    truncatedAlerts: payload.truncatedAlerts,
  };
}
