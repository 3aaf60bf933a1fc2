import { z } from 'zod';
import { alertmanagerWebhookSchema, normalizeAlertmanager, normalizeSeverity, type NormalizedGroup } from './alertmanager.js';
import { MINUTE } from './time-units.js';

/**
 * Alert sources besides Alertmanager, each validated with zod and normalised to the one shape ingest
 * takes. Pure: ids that a sender leaves out are passed in by the caller.
 */

// --- Grafana unified alerting (webhook contact point, payload version 1) --------------------------------

/** Grafana's body is Alertmanager's plus orgId, state, title and message; its alerts add URLs and values. */
export const grafanaWebhookSchema = alertmanagerWebhookSchema.extend({
  title: z.string().optional(),
  message: z.string().optional(),
  state: z.string().optional(),
  orgId: z.number().optional(),
});

export function normalizeGrafana(payload: z.infer<typeof grafanaWebhookSchema>): NormalizedGroup {
  const group = normalizeAlertmanager(payload);
  const first = payload.alerts[0]! as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
  return {
    ...group,
    source: 'grafana',
    links: {
      ...group.links,
      // A dashboard or panel says more than the rule page when Grafana gives one.
      source: text(first.panelURL) ?? text(first.dashboardURL) ?? group.links.source,
    },
  };
}

// --- PagerDuty Events API v2 ------------------------------------------------------------------------------

const link = z.looseObject({ href: z.string().url().max(2048), text: z.string().max(1024).optional() });

export const pagerDutyEventSchema = z
  .looseObject({
    routing_key: z.string().min(1, 'routing_key is required').max(255),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve'], { message: 'event_action must be trigger, acknowledge or resolve' }),
    dedup_key: z.string().min(1).max(255, 'dedup_key is longer than 255 characters').optional(),
    payload: z
      .looseObject({
        summary: z.string().min(1, 'payload.summary is required').max(1024, 'payload.summary is longer than 1024 characters'),
        source: z.string().min(1, 'payload.source is required').max(255),
        severity: z.enum(['critical', 'error', 'warning', 'info'], {
          message: 'payload.severity must be critical, error, warning or info',
        }),
        timestamp: z.string().optional(),
        component: z.string().max(255).optional(),
        group: z.string().max(255).optional(),
        class: z.string().max(255).optional(),
        custom_details: z.unknown().optional(),
      })
      .optional(),
    links: z.array(link).max(50).optional(),
    images: z.array(z.unknown()).max(50).optional(),
    client: z.string().max(255).optional(),
    client_url: z.string().max(2048).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.event_action === 'trigger' && !e.payload)
      ctx.addIssue({ code: 'custom', path: ['payload'], message: 'payload is required for trigger events' });
    if (e.event_action !== 'trigger' && !e.dedup_key)
      ctx.addIssue({ code: 'custom', path: ['dedup_key'], message: `dedup_key is required for ${e.event_action} events` });
  });

export type PagerDutyEvent = z.infer<typeof pagerDutyEventSchema>;

/** A trigger or resolve as an alert group of one alert whose fingerprint is the dedup key. */
export function normalizePagerDuty(event: PagerDutyEvent, dedupKey: string, receivedAt: string): NormalizedGroup {
  const p = event.payload;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    source: p?.source,
    component: p?.component,
    group: p?.group,
    class: p?.class,
    severity: p?.severity,
    client: event.client,
  })) {
    if (typeof v === 'string' && v !== '') labels[k] = v;
  }
  const status = event.event_action === 'resolve' ? 'resolved' : 'firing';
  const runbook = event.links?.find((l) => /runbook/i.test(l.text ?? '') || /runbook/i.test(l.href))?.href ?? null;
  return {
    source: 'pagerduty',
    dedupKey,
    status,
    title: (p?.summary ?? dedupKey).slice(0, 500),
    severity: normalizeSeverity(p?.severity),
    labels,
    links: {
      runbook,
      source: event.links?.find((l) => l.href !== runbook)?.href ?? event.client_url ?? null,
      externalUrl: event.client_url ?? null,
    },
    alerts: [
      {
        fingerprint: dedupKey,
        status,
        labels,
        annotations: p?.custom_details !== undefined ? { details: JSON.stringify(p.custom_details).slice(0, 4000) } : {},
        startsAt: p?.timestamp ?? receivedAt,
        endsAt: status === 'resolved' ? receivedAt : null,
        sourceUrl: event.client_url ?? null,
      },
    ],
    truncatedAlerts: 0,
  };
}

// --- Generic webhook --------------------------------------------------------------------------------------

export const genericEventSchema = z
  .strictObject({
    summary: z.string().min(1, 'summary is required').max(1024),
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('critical'),
    dedup_key: z.string().min(1).max(255).optional(),
    action: z.enum(['trigger', 'acknowledge', 'resolve']).default('trigger'),
    source: z.string().max(255).optional(),
    links: z.strictObject({ runbook: z.string().url().max(2048).optional(), source: z.string().url().max(2048).optional() }).optional(),
    labels: z.record(z.string(), z.string().max(1024)).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.action !== 'trigger' && !e.dedup_key)
      ctx.addIssue({ code: 'custom', path: ['dedup_key'], message: `dedup_key is required to ${e.action}` });
  });

export type GenericEvent = z.infer<typeof genericEventSchema>;

export function normalizeGeneric(event: GenericEvent, dedupKey: string, receivedAt: string): NormalizedGroup {
  const labels = { ...(event.labels ?? {}), severity: event.severity, ...(event.source ? { source: event.source } : {}) };
  const status = event.action === 'resolve' ? 'resolved' : 'firing';
  return {
    source: 'generic',
    dedupKey,
    status,
    title: event.summary.slice(0, 500),
    severity: normalizeSeverity(event.severity),
    labels,
    links: { runbook: event.links?.runbook ?? null, source: event.links?.source ?? null, externalUrl: null },
    alerts: [
      {
        fingerprint: dedupKey,
        status,
        labels,
        annotations: event.details ? { details: JSON.stringify(event.details).slice(0, 4000) } : {},
        startsAt: receivedAt,
        endsAt: status === 'resolved' ? receivedAt : null,
        sourceUrl: event.links?.source ?? null,
      },
    ],
    truncatedAlerts: 0,
  };
}

// --- Heartbeats -------------------------------------------------------------------------------------------

export function heartbeatMissedGroup(
  keyHash: string,
  serviceName: string,
  intervalMinutes: number,
  lastPingAt: number,
  now: number,
): NormalizedGroup {
  const minutes = Math.round((now - lastPingAt) / MINUTE);
  const labels = { alertname: 'HeartbeatMissed', service: serviceName, severity: 'critical' };
  return {
    source: 'heartbeat',
    dedupKey: `heartbeat:${keyHash.slice(0, 16)}`,
    status: 'firing',
    title: `Heartbeat missed: ${serviceName} has not pinged for ${minutes} minute${minutes === 1 ? '' : 's'} (expected every ${intervalMinutes})`,
    severity: 'critical',
    labels,
    links: { runbook: null, source: null, externalUrl: null },
    alerts: [
      {
        fingerprint: `heartbeat:${keyHash.slice(0, 16)}`,
        status: 'firing',
        labels,
        annotations: {},
        startsAt: new Date(lastPingAt + intervalMinutes * MINUTE).toISOString(),
        endsAt: null,
        sourceUrl: null,
      },
    ],
    truncatedAlerts: 0,
  };
}

export function heartbeatBackGroup(keyHash: string, serviceName: string, now: number): NormalizedGroup {
  const group = heartbeatMissedGroup(keyHash, serviceName, 0, now, now);
  return {
    ...group,
    status: 'resolved',
    alerts: group.alerts.map((a) => ({ ...a, status: 'resolved', endsAt: new Date(now).toISOString() })),
  };
}
