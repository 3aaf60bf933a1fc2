import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { list, readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** Submission of "New rotation" / "Edit rotation" (admins only; config-file rotations are refused). */
export function rotationSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['name', 'team', 'participants', 'time_zone', 'shift', 'handoff_time', 'start_date'], async () => {
      await deps.rotationAdmin.save(
        body.user.id,
        {
          name: text(v.name),
          teamId: text(v.team),
          participants: list(v.participants),
          timeZone: text(v.time_zone),
          shift: text(v.shift),
          handoffTime: text(v.handoff_time),
          startDate: text(v.start_date),
        },
        view.private_metadata || undefined,
      );
    });
  };
}
