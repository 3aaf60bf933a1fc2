import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** "Page someone": the person (or the rotation's on-call) is paged now; the service's policy follows. */
export function pageSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['who', 'rotation', 'message', 'service'], async () => {
      await deps.channels.pageSomeone(body.user.id, {
        userId: text(v.who),
        rotation: text(v.rotation),
        message: text(v.message) ?? '',
        serviceId: text(v.service) ?? '',
      });
    });
  };
}
