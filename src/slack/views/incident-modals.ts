import type { ModalView } from '@slack/types';
import { MODALS } from '../action-ids.js';
import { type Choice, input, modal, option, pickOne } from './modal-kit.js';

/** `/oncall declare`: open an incident by hand. */
export function declareModal(services: Choice[]): ModalView {
  const severities = ['critical', 'error', 'warning', 'info'].map((s) => option(s, s));
  return modal(MODALS.declare, 'Declare an incident', 'Declare', [
    input('title', 'What is happening', { type: 'plain_text_input', max_length: 200 }),
    input('severity', 'Severity', { type: 'static_select', options: severities, initial_option: severities[0] }),
    pickOne('service', 'Service', services),
  ]);
}

/** "Page someone": a person or a rotation's on-call, a message, and the service whose policy follows. */
export function pageModal(opts: { services: Choice[]; rotations: Choice[]; userId?: string | null; serviceId?: string }): ModalView {
  return modal(MODALS.page, 'Page someone', 'Page', [
    input('who', 'Person', { type: 'users_select', ...(opts.userId ? { initial_user: opts.userId } : {}) }, { optional: true }),
    pickOne('rotation', 'Or whoever is on call for', opts.rotations, { optional: true, hint: 'Pick a person or a rotation.' }),
    input('message', 'What do you need', { type: 'plain_text_input', multiline: true, max_length: 400 }),
    pickOne('service', 'Service', opts.services, {
      ...(opts.serviceId ? { initialId: opts.serviceId } : {}),
      hint: "If nobody acknowledges within 15 minutes, this service's escalation policy takes over.",
    }),
  ]);
}
