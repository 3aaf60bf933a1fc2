import { createHmac } from 'node:crypto';
import { readWebhooks } from '../../services/admin/settings.js';
import { failed, retry, SENT, skipped, type SendResult, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { withIncident } from './incident.js';

/**
 * Outbound webhooks (ticketing automation): the event and the incident as it is now, signed with
 * HMAC-SHA256 over "<timestamp>.<body>" so the receiver can check both origin and freshness.
 */
export function webhookSenders(ctx: SenderContext): Pick<SenderTable, 'webhook.post'> {
  return {
    'webhook.post': {
      provider: 'webhook',
      send: (message) =>
        withIncident(ctx, message.incidentId, async ({ incident }): Promise<SendResult> => {
          const hook = (await ctx.db.query(async (q) => readWebhooks(q))).find((w) => w.id === message.webhookId);
          if (!hook) return skipped(`webhook ${message.webhookId} is no longer configured`);
          const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
          const body = JSON.stringify({
            event: `incident.${message.event}`,
            at: new Date(message.at).toISOString(),
            incident: {
              id: incident.id,
              title: incident.title,
              service: incident.serviceId,
              severity: incident.severity,
              urgency: incident.urgency,
              status: incident.status,
              dedup_key: incident.dedupKey,
              opened_at: iso(incident.openedAt),
              acknowledged_at: iso(incident.acknowledgedAt),
              acknowledged_by: incident.acknowledgedBy,
              resolved_at: iso(incident.resolvedAt),
              resolved_by: incident.resolvedBy,
              labels: incident.labels,
              links: incident.links,
            },
          });
          const timestamp = String(Math.floor(ctx.clock.nowMs() / 1000));
          const signature = createHmac('sha256', hook.secret).update(`${timestamp}.${body}`).digest('hex');
          let res: Response;
          try {
            res = await fetch(hook.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'user-agent': 'Baton-Webhooks/1',
                'x-baton-event': `incident.${message.event}`,
                'x-baton-timestamp': timestamp,
                'x-baton-signature': `sha256=${signature}`,
              },
              body,
              signal: AbortSignal.timeout(10_000),
            });
          } catch (err) {
            return retry(`webhook ${hook.id} unreachable: ${(err as Error).message}`);
          }
          if (res.ok) return SENT;
          if (res.status === 429 || res.status === 408 || res.status >= 500) {
            const retryAfter = Number(res.headers.get('retry-after'));
            return retry(
              `webhook ${hook.id} answered ${res.status}`,
              Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
            );
          }
          return failed(`webhook ${hook.id} answered ${res.status}`);
        }),
    },
  };
}
