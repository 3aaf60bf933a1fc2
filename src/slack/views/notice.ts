import type { ModalView } from '@slack/types';
import { truncate } from './format.js';

/** A one-message modal: how Baton answers a click on the App Home, which has no place to reply in. */
export function noticeModal(text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Baton' },
    close: { type: 'plain_text', text: 'OK' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 2900) } }],
  };
}

/** `/oncall me` with a new number where no Twilio account is configured: nothing could text the code or call it. */
export function phonePagingOffModal(): ModalView {
  return noticeModal(
    'Your notification rules are saved. *Phone paging is not set up* on this Baton (no Twilio account is configured), so no code was sent and the number was not saved. SMS and voice steps are skipped; Slack carries every page.',
  );
}
