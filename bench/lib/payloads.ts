import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const base = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/alertmanager-firing.json', import.meta.url)), 'utf8')) as Record<string, unknown> & {
  alerts: Record<string, unknown>[];
};

/** An Alertmanager notification for group `group`, carrying one alert `alert` of that group. */
export function alertmanagerPayload(group: number, alert: number, status: 'firing' | 'resolved' = 'firing'): string {
  const groupLabels = { alertname: `BenchAlert${group}`, service: 'checkout' };
  const labels = { ...groupLabels, severity: 'critical', instance: `host-${alert}:9100` };
  return JSON.stringify({
    ...base,
    status,
    groupKey: `{}:{alertname="BenchAlert${group}", service="checkout"}`,
    groupLabels,
    commonLabels: groupLabels,
    commonAnnotations: { summary: `Bench alert group ${group}` },
    alerts: [
      {
        ...base.alerts[0],
        status,
        labels,
        annotations: { summary: `Bench alert group ${group}` },
        fingerprint: `g${group}a${alert}`.padEnd(16, '0'),
      },
    ],
  });
}
