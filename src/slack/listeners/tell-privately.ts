import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../deps.js';
import type { RenderedMessage } from '../views/incident-card.js';
import { noticeModal } from '../views/notice.js';

/**
 * Answers a click on the App Home privately: in a small modal opened with the click's trigger, or, if the
 * trigger has expired, in a DM from the app.
 */
export async function tellPrivately(
  deps: SlackDeps,
  client: WebClient,
  triggerId: string,
  userId: string,
  message: Pick<RenderedMessage, 'text'> & Partial<RenderedMessage>,
): Promise<void> {
  try {
    await client.views.open({ trigger_id: triggerId, view: noticeModal(message.text) });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'could not open a notice; sending a DM instead');
    await client.chat.postMessage({ channel: userId, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
  }
}
