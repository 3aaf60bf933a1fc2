import { describe, expect, it } from 'vitest';
import { alertmanagerWebhookSchema, normalizeAlertmanager, normalizeSeverity } from '../../src/domain/alertmanager.js';
import { fixture } from '../support/fixtures.js';

describe('Alertmanager normalisation', () => {
  it('turns the captured firing payload into one group with its links', () => {
    const group = normalizeAlertmanager(alertmanagerWebhookSchema.parse(fixture('alertmanager/v0.25-firing.json').body));
    expect(group).toMatchObject({
      dedupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
      status: 'firing',
      title: '5xx ratio > 5% on checkout',
      severity: 'critical',
      links: {
        runbook: 'https://runbooks.example.com/checkout-5xx',
        source: 'http://prometheus.example:9090/graph?g0.expr=x',
        externalUrl: 'http://vm:19093',
      },
    });
    expect(group.alerts).toEqual([expect.objectContaining({ fingerprint: 'beb69e792e2dfd2e', status: 'firing', endsAt: null })]);
  });

  it('reads endsAt of resolved alerts and an empty generatorURL as no link', () => {
    const group = normalizeAlertmanager(alertmanagerWebhookSchema.parse(fixture('alertmanager/v0.25-resolved.json').body));
    expect(group.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-11-22T19:08:25Z', sourceUrl: null });
    expect(group.links.source).toBeNull();
  });

  it('keeps unknown keys from newer versions instead of refusing them', () => {
    const parsed = alertmanagerWebhookSchema.parse(fixture('alertmanager/v0.34-firing-newer-fields.json').body);
    expect(parsed).toMatchObject({ notification_reason: 'first notification', routeLabels: { team: 'payments' } });
  });

  it('maps severity words to four levels, defaulting to warning', () => {
    expect(['critical', 'P1', 'error', 'high', 'info', 'none', 'warning', '', 'weird'].map(normalizeSeverity)).toEqual([
      'critical',
      'critical',
      'error',
      'error',
      'info',
      'info',
      'warning',
      'warning',
      'warning',
    ]);
  });
});
