import type { KnownBlock, ModalView } from '@slack/types';
import { MODALS } from '../action-ids.js';
import { type Choice, input, modal, option, pickOne, pickRotations, plain } from './modal-kit.js';

// The catalog's forms, for what admins make in Slack: rotations, escalation policies, services.

export interface RotationFormValues {
  name: string;
  teamId: string;
  participants: string[];
  timeZone: string;
  shift: string;
  handoffTime: string;
  startDate: string;
}

/** Create a rotation, or edit one made in Slack (`private_metadata` holds its id). */
export function rotationModal(opts: { teams: Choice[]; values: Partial<RotationFormValues>; rotationId?: string }): ModalView {
  const v = opts.values;
  return modal(
    MODALS.rotation,
    opts.rotationId ? 'Edit rotation' : 'New rotation',
    'Save',
    [
      input('name', 'Name', { type: 'plain_text_input', max_length: 120, ...(v.name ? { initial_value: v.name } : {}) }),
      pickOne('team', 'Team', opts.teams, v.teamId ? { initialId: v.teamId } : {}),
      input('participants', 'Participants, in order', {
        type: 'multi_users_select',
        ...(v.participants?.length ? { initial_users: v.participants } : {}),
      }),
      input(
        'time_zone',
        'Time zone',
        { type: 'plain_text_input', initial_value: v.timeZone ?? 'UTC' },
        { hint: 'An IANA zone such as Europe/Berlin.' },
      ),
      input('shift', 'Shift length', { type: 'plain_text_input', initial_value: v.shift ?? '1w' }, { hint: 'Such as 12h, 1d or 1w.' }),
      input('handoff_time', 'Handoff time', { type: 'timepicker', initial_time: v.handoffTime ?? '09:00' }),
      input('start_date', 'First shift starts on', { type: 'datepicker', ...(v.startDate ? { initial_date: v.startDate } : {}) }),
    ],
    opts.rotationId ?? '',
  );
}

export interface PolicyFormValues {
  name: string;
  repeat: number;
  levels: { users: string[]; rotations: string[]; delayMinutes: number }[];
}

/** An escalation policy in up to three levels: rotations and people to page, then how long to wait. */
export function policyModal(opts: {
  rotations: Choice[];
  values: Partial<PolicyFormValues>;
  policyId?: string;
  levels: number;
}): ModalView {
  const v = opts.values;
  const repeats = [0, 1, 2, 3].map((n) => option(n === 0 ? 'No repeat' : `Repeat ${n}×`, String(n)));
  const blocks: KnownBlock[] = [
    input('name', 'Name', { type: 'plain_text_input', max_length: 120, ...(v.name ? { initial_value: v.name } : {}) }),
  ];
  for (let i = 0; i < opts.levels; i += 1) {
    const level = v.levels?.[i];
    const n = i + 1;
    blocks.push({ type: 'header', text: plain(`Level ${n}${n > 1 ? ' (optional)' : ''}`) });
    blocks.push(pickRotations(`level${n}_rotations`, 'Whoever is on call for', opts.rotations, level?.rotations ?? []));
    blocks.push(
      input(
        `level${n}_users`,
        'And these people',
        { type: 'multi_users_select', ...(level?.users.length ? { initial_users: level.users } : {}) },
        { optional: true },
      ),
    );
    blocks.push(
      input(
        `level${n}_delay`,
        'Minutes before the next level',
        {
          type: 'number_input',
          is_decimal_allowed: false,
          min_value: '1',
          max_value: '1440',
          initial_value: String(level?.delayMinutes ?? 15),
        },
        { optional: true },
      ),
    );
  }
  blocks.push(
    input('repeat', 'When every level was paged', {
      type: 'static_select',
      options: repeats,
      initial_option: repeats[Math.min(3, v.repeat ?? 0)],
    }),
  );
  return modal(MODALS.policy, opts.policyId ? 'Edit policy' : 'New escalation policy', 'Save', blocks, opts.policyId ?? '');
}

export interface ServiceFormValues {
  name: string;
  teamId: string;
  policyId: string;
  incidentChannels: string;
}

/** A service: its team, the escalation policy that pages for it, and which incidents get a channel. */
export function serviceModal(opts: {
  teams: Choice[];
  policies: Choice[];
  values: Partial<ServiceFormValues>;
  serviceId?: string;
}): ModalView {
  const v = opts.values;
  const channels = [option('High urgency', 'high'), option('All paged incidents', 'all'), option('None', 'none')];
  return modal(
    MODALS.service,
    opts.serviceId ? 'Edit service' : 'New service',
    'Save',
    [
      input('name', 'Name', { type: 'plain_text_input', max_length: 120, ...(v.name ? { initial_value: v.name } : {}) }),
      pickOne('team', 'Team', opts.teams, v.teamId ? { initialId: v.teamId } : {}),
      pickOne('policy', 'Escalation policy', opts.policies, v.policyId ? { initialId: v.policyId } : {}),
      input('incident_channels', 'Own Slack channel for', {
        type: 'static_select',
        options: channels,
        initial_option: channels.find((c) => c.value === v.incidentChannels) ?? channels[0],
      }),
    ],
    opts.serviceId ?? '',
  );
}
