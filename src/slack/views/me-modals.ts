import type { ModalView } from '@slack/types';
import { MODALS } from '../action-ids.js';
import { input, modal, plain } from './modal-kit.js';

/** `/oncall me`: phone number and notification rules, one step per line. */
export function meModal(opts: {
  phone: string | null;
  phoneVerified: boolean;
  high: string;
  low: string;
  phonePaging: boolean;
}): ModalView {
  const status = opts.phone ? (opts.phoneVerified ? 'verified' : 'not verified yet') : 'none';
  return modal(MODALS.me, 'My notifications', 'Save', [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `How pages reach you. One step per line: \`slack 0\`, \`sms 2\`, \`voice 2 every 5\` (minutes after the page).${opts.phonePaging ? '' : '\n:warning: Phone paging is not configured on this Baton, so SMS and voice steps are skipped.'}`,
      },
    },
    input(
      'phone',
      `Phone number (${status})`,
      { type: 'plain_text_input', ...(opts.phone ? { initial_value: opts.phone } : {}), placeholder: plain('+15551234567') },
      { optional: true, hint: 'A new number gets a 6-digit code by SMS before Baton uses it.' },
    ),
    input('high', 'High urgency', { type: 'plain_text_input', multiline: true, initial_value: opts.high }),
    input('low', 'Low urgency', { type: 'plain_text_input', multiline: true, initial_value: opts.low }),
  ]);
}

export function phoneCodeModal(phone: string): ModalView {
  return modal(MODALS.phoneCode, 'Verify your phone', 'Verify', [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `We texted a 6-digit code to ${phone}. Your rules are saved; the number is used once you type the code.`,
      },
    },
    input('code', 'Code', { type: 'plain_text_input', min_length: 6, max_length: 6 }),
  ]);
}
