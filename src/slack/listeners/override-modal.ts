import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { instant, readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** Submission of the "Take the pager" modal. */
export function overrideSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['rotation', 'who', 'from', 'to', 'reason'], async () => {
      await deps.overrides.createOverride(body.user.id, {
        rotationId: text(v.rotation) ?? '',
        userId: text(v.who) ?? body.user.id,
        start: instant(v.from),
        end: instant(v.to),
        reason: text(v.reason),
      });
    });
  };
}
