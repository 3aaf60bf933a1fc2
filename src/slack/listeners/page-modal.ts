import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** "Page someone": the person (or the rotation's on-call) is paged now; the service's policy follows. */
export function pageSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    const done: { incidentId: number; paged: string }[] = [];
    await answerSubmission(ack, deps, ['who', 'rotation', 'message', 'service'], async () => {
      done.push(await deps.rooms.pageSomeone(body.user.id, { userId: text(v.who), rotation: text(v.rotation), message: text(v.message) ?? '', serviceId: text(v.service) ?? '' }));
    });
    // The modal closes on success; the person who paged gets a private note of what happened.
    for (const { incidentId, paged } of done) {
      await client.chat.postMessage({ channel: body.user.id, text: `:pager: Paging ${paged} now (incident #${incidentId}).` });
    }
  };
}
