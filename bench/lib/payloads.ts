import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const base = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/alertmanager-firing.json', import.meta.url)), 'utf8')) as Record<
  string,
  unknown
> & {
  alerts: Record<string, unknown>[];
};

/**
 * A 16-hex-digit fingerprint, as Alertmanager's, that no other (group, alert) pair shares: the group in the
 * high 32 bits, the alert in the low 32. (The bench once padded `g1a10` and `g1a100` to the same string.)
 */
export function fingerprintOf(group: number, alert: number): string {
  if (!Number.isInteger(group) || !Number.isInteger(alert) || group < 0 || alert < 0 || group >= 2 ** 32 || alert >= 2 ** 32) {
    throw new RangeError(`group and alert must be whole numbers below 2^32 (${group}, ${alert})`);
  }
  return group.toString(16).padStart(8, '0') + alert.toString(16).padStart(8, '0');
}

/** The summary every payload of group `group` carries; pages and cards show it, so the bench can find them. */
export function groupSummary(group: number): string {
  return `Bench alert group ${group}`;
}

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
    commonAnnotations: { summary: groupSummary(group) },
    alerts: [
      {
        ...base.alerts[0],
        status,
        labels,
        annotations: { summary: groupSummary(group) },
        fingerprint: fingerprintOf(group, alert),
      },
    ],
  });
}
