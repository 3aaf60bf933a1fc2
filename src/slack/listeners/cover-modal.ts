import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';
import { parseShiftValue } from './swap-modal.js';

/** Submission of "Ask for cover": posts the request to the rotation's team channel. */
export function coverSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['my_shift', 'note'], async () => {
      const shift = parseShiftValue(text(v.my_shift), 'my_shift');
      await deps.cover.requestCover(body.user.id, {
        rotationId: shift.rotationId,
        scheduledStart: shift.scheduledStart,
        note: text(v.note),
      });
    });
  };
}
