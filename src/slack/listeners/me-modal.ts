import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { parseRuleLines } from '../../domain/notification-rules.js';
import { InvalidInput } from '../../domain/errors.js';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { phonePagingOffModal } from '../views/notice.js';
import { phoneCodeModal } from '../views/me-modals.js';
import { answerSubmission } from './submission.js';

/** "My notifications": rules are saved at once; a new phone number goes on to the code step. */
export function meSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['phone', 'high', 'low'], async () => {
      const high = parseRuleLines(text(v.high) ?? '');
      const low = parseRuleLines(text(v.low) ?? '');
      const errors: Record<string, string> = {};
      if ('error' in high) errors.high = high.error;
      if ('error' in low) errors.low = low.error;
      if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
      const userId = body.user.id;
      const current = await deps.contact.mine(userId);
      const phone = text(v.phone);
      const newNumber = phone !== null && (phone !== current.phone || !current.phoneVerified);
      const rules = { high: (high as { steps: never }).steps, low: (low as { steps: never }).steps };
      // Without Twilio no code can be texted and the number could never ring: say so instead of asking for a code.
      if (newNumber && !deps.phonePaging) {
        await deps.contact.setRules(userId, rules);
        return { response_action: 'update', view: phonePagingOffModal() };
      }
      if (newNumber) await deps.contact.startPhoneVerification(userId, phone);
      await deps.contact.setRules(userId, rules);
      if (newNumber) return { response_action: 'update', view: phoneCodeModal(phone) };
    });
  };
}

export function phoneCodeSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['code'], async () => {
      await deps.contact.confirmPhone(body.user.id, text(v.code) ?? '');
    });
  };
}
