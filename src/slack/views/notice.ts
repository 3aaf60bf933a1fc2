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
