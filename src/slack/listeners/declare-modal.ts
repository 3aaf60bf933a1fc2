import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { normalizeSeverity } from '../../domain/alertmanager.js';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** "Declare an incident": opened, paged and given its own channel. */
export function declareSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['title', 'severity', 'service'], async () => {
      await deps.channels.declare(body.user.id, {
        title: text(v.title) ?? '',
        severity: normalizeSeverity(text(v.severity) ?? 'critical'),
        serviceId: text(v.service) ?? '',
      });
    });
  };
}
