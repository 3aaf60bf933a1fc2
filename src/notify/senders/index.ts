import type { SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { incidentChannelSenders } from './incident-channel.js';
import { incidentMessageSenders } from './incident-messages.js';
import { pageSenders } from './page.js';
import { phoneSenders } from './phone.js';
import { scheduleNoticeSenders } from './schedule-notices.js';
import { webhookSenders } from './webhook.js';

/** The one table from outbox kind to sender, as routes.ts is for Slack actions. */
export function createSenders(ctx: SenderContext): SenderTable {
  return {
    ...pageSenders(ctx),
    ...incidentMessageSenders(ctx),
    ...incidentChannelSenders(ctx),
    ...scheduleNoticeSenders(ctx),
    ...webhookSenders(ctx),
    ...phoneSenders(ctx),
  };
}
