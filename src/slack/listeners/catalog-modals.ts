import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { FORM_LEVELS } from '../../services/catalog-admin.js';
import type { SlackDeps } from '../deps.js';
import { list, readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

const levelFields = Array.from({ length: FORM_LEVELS }, (_, i) => [`level${i + 1}_rotations`, `level${i + 1}_users`, `level${i + 1}_delay`]).flat();

/** "New escalation policy" / "Edit policy" (admins; policies from the config file are refused). */
export function policySubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['name', ...levelFields, 'repeat'], async () => {
      const levels = Array.from({ length: FORM_LEVELS }, (_, i) => {
        const delay = text(v[`level${i + 1}_delay`]);
        return { rotations: list(v[`level${i + 1}_rotations`]), users: list(v[`level${i + 1}_users`]), delayMinutes: delay === null ? null : Number(delay) };
      });
      const repeat = text(v.repeat);
      deps.catalog.savePolicy(body.user.id, { name: text(v.name), repeat: repeat === null ? null : Number(repeat), levels }, view.private_metadata || undefined);
    });
  };
}

/** "New service" / "Edit service" (admins; services from the config file are refused). */
export function serviceSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['name', 'team', 'policy', 'incident_channels'], async () => {
      deps.catalog.saveService(
        body.user.id,
        { name: text(v.name), teamId: text(v.team), policyId: text(v.policy), incidentChannels: text(v.incident_channels) },
        view.private_metadata || undefined,
      );
    });
  };
}
