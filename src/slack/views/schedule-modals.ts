import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatInZone } from '../../domain/zoned-time.js';
import type { ShiftChoice, TimeOffPreview } from '../../domain/read-models.js';
import { HOUR } from '../../domain/time-units.js';
import { MODALS, SCHEDULE_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, truncate } from './format.js';

// Every input block's block_id is the name of the field the services report errors on, so an error
// from a service lands on the right field with `response_action: errors`. Each block has one element,
// whose action_id is "value", unless it dispatches its picks (then its own id, routed in routes.ts) or
// must forget a pick when the view changes under it (Slack keeps a field's value while its action_id stays).

const plain = (text: string) => ({ type: 'plain_text' as const, text });

function option(text: string, value: string): PlainTextOption {
  return { text: plain(truncate(text, 75)), value };
}

function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string; dispatch?: boolean } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    element: { action_id: 'value', ...element },
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
    ...(opts.dispatch ? { dispatch_action: true } : {}),
  } as KnownBlock;
}

function modal(callbackId: string, title: string, submit: string, blocks: KnownBlock[], privateMetadata = ''): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: privateMetadata,
    blocks,
  };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Slack's limit on a static select's options; longer lists are searched instead. */
export const MAX_STATIC_OPTIONS = 100;

export interface Choice {
  id: string;
  name: string;
}

/**
 * One of a list of things (rotations, services, teams): a static select while the list fits Slack's 100
 * options, an external_select beyond that, whose options Baton answers page by page as the person types
 * (`block_suggestion`, see listeners/select-search.ts). The block_id says which list it is.
 */
function pickOne(
  blockId: 'rotation' | 'service' | 'team' | 'policy',
  label: string,
  items: Choice[],
  opts: { initialId?: string; optional?: boolean; hint?: string } = {},
): KnownBlock {
  const initial = items.find((i) => i.id === opts.initialId) ?? (items.length === 1 && !opts.optional ? items[0] : undefined);
  const initialOption = initial ? { initial_option: option(initial.name, initial.id) } : {};
  if (items.length <= MAX_STATIC_OPTIONS) {
    return input(blockId, label, { type: 'static_select', options: items.map((i) => option(i.name, i.id)), ...initialOption }, opts);
  }
  return input(
    blockId,
    label,
    { type: 'external_select', min_query_length: 0, placeholder: plain('Type to search'), ...initialOption },
    { ...opts, hint: opts.hint ?? `${items.length} to choose from: type part of a name.` },
  );
}

/** Slack's limit on an option's text. */
const OPTION_TEXT = 75;

/** "now → Mon 23 Nov 09:00 GMT+1", or both times, the zone said once when both share it. */
function shiftWindow(shift: ShiftChoice, zone: string): string {
  const end = formatInZone(shift.end, zone);
  if (shift.scheduledStart < shift.start) return `now → ${end}`;
  const start = formatInZone(shift.start, zone);
  const endZone = end.slice(end.lastIndexOf(' '));
  return start.endsWith(endZone) ? `${start.slice(0, -endZone.length)} → ${end}` : `${start} → ${end}`;
}

/** A shift as an option: the rotation's name is cut to fit Slack's 75 characters, never the times. */
export function shiftLabel(shift: ShiftChoice, zone: string): string {
  const when = shiftWindow(shift, zone);
  return `${truncate(shift.rotationName, Math.max(1, OPTION_TEXT - when.length - 3))} · ${when}`;
}

// A shift is named by what does not move as time passes: rotation, holder (for a teammate's) and scheduled start.
export const shiftValue = (s: ShiftChoice) => `${s.rotationId}|${s.scheduledStart}`;
export const teammateShiftValue = (s: ShiftChoice) => `${s.rotationId}|${s.userId}|${s.scheduledStart}`;

/** Take the pager: rotation, who (default me), from (default now), to (default in an hour). */
export function overrideModal(opts: { rotations: Choice[]; rotationId?: string; userId: string; now: number }): ModalView {
  return modal(MODALS.override, 'Take the pager', 'Save override', [
    pickOne('rotation', 'Rotation', opts.rotations, opts.rotationId ? { initialId: opts.rotationId } : {}),
    input('who', 'Who holds the pager', { type: 'users_select', initial_user: opts.userId }),
    input('from', 'From', { type: 'datetimepicker', initial_date_time: seconds(opts.now) }),
    input('to', 'To', { type: 'datetimepicker', initial_date_time: seconds(opts.now + HOUR) }),
    input('reason', 'Reason', { type: 'plain_text_input', max_length: 200 }, { optional: true }),
  ]);
}

/**
 * Time off by whole days in the away person's zone; the next step shows who covers what. Members book
 * their own; an admin may pick someone else.
 */
export function timeOffModal(opts: { today: string; zone: string; userId: string }): ModalView {
  return modal(MODALS.timeOff, 'Time off', 'Next', [
    input(
      'who',
      'Who is away',
      { type: 'users_select', initial_user: opts.userId },
      { hint: 'Admins may book time off for someone else.' },
    ),
    input('from', 'First day off', { type: 'datepicker', initial_date: opts.today }),
    input(
      'to',
      'Last day off',
      { type: 'datepicker', initial_date: opts.today },
      { hint: `Whole days in the away person's time zone (yours: ${opts.zone}).` },
    ),
    input('reason', 'Note', { type: 'plain_text_input', max_length: 200 }, { optional: true }),
  ]);
}

export function timeOffConfirmModal(preview: TimeOffPreview & { actorId: string }, zone: string, metadata: string): ModalView {
  const lines = preview.coverage.map((c) => {
    const who = c.coveredBy ? `<@${c.coveredBy}> covers` : ':warning: *nobody can cover*';
    return `• *${escapeMrkdwn(c.rotationName)}* ${c.role}, ${formatInZone(c.start, zone)} → ${formatInZone(c.end, zone)}: ${who}`;
  });
  const summary = `Away ${formatInZone(preview.start, zone)} → ${formatInZone(preview.end, zone)}.`;
  const self = preview.userId === preview.actorId;
  const body =
    lines.length > 0
      ? `While ${self ? 'you are' : `<@${preview.userId}> is`} away:\n${lines.join('\n')}`
      : `${self ? 'You have' : `<@${preview.userId}> has`} no shifts in that time; nobody needs to cover.`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: summary } }];
  // Sections hold 3000 characters; long absences are cut with a count of what is not shown.
  let chunk = '';
  let shown = 0;
  for (const line of body.split('\n')) {
    if ((chunk + line).length > 2800) {
      if (blocks.length >= 20) break;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += (chunk ? '\n' : '') + line;
    shown += 1;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  const hidden = body.split('\n').length - shown;
  if (hidden > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${hidden} more.` }] });
  return modal(MODALS.timeOffConfirm, 'Confirm time off', 'Confirm', blocks, metadata);
}

/** The time off could not be saved after all (it overlaps time off booked meanwhile, say): why, and nothing to submit. */
export function timeOffRefusedModal(reason: string): ModalView {
  const text = `:warning: Nothing was booked. ${escapeMrkdwn(truncate(reason, 2500))}\nStart again with \`/oncall timeoff\`.`;
  return {
    type: 'modal',
    callback_id: MODALS.timeOffConfirm,
    title: plain('Time off'),
    close: plain('Close'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/**
 * A list for a static select: plain options up to Slack's 100; beyond that, option groups (one per rotation or
 * teammate, split into pages of 100), so nothing is cut off while staying within Block Kit limits.
 */
export function shiftOptions(
  items: { label: string; value: string; group: string }[],
): { options: PlainTextOption[] } | { option_groups: { label: { type: 'plain_text'; text: string }; options: PlainTextOption[] }[] } {
  if (items.length <= MAX_STATIC_OPTIONS) return { options: items.map((i) => option(i.label, i.value)) };
  const groups: { label: { type: 'plain_text'; text: string }; options: PlainTextOption[] }[] = [];
  const byGroup = new Map<string, typeof items>();
  for (const i of items) byGroup.set(i.group, [...(byGroup.get(i.group) ?? []), i]);
  for (const [name, list] of byGroup) {
    for (let page = 0; page * MAX_STATIC_OPTIONS < list.length; page += 1) {
      const label = page === 0 ? name : `${name} (${page + 1})`;
      groups.push({
        label: plain(truncate(label, 75)),
        options: list.slice(page * MAX_STATIC_OPTIONS, (page + 1) * MAX_STATIC_OPTIONS).map((i) => option(i.label, i.value)),
      });
    }
  }
  return { option_groups: groups.slice(0, 100) };
}

function firstOption(list: ReturnType<typeof shiftOptions>): PlainTextOption | undefined {
  return 'options' in list ? list.options[0] : list.option_groups[0]?.options[0];
}

function optionOf(list: ReturnType<typeof shiftOptions>, value: string | null | undefined): PlainTextOption | undefined {
  const all = 'options' in list ? list.options : list.option_groups.flatMap((g) => g.options);
  return all.find((o) => o.value === value);
}

/**
 * A swap: one of my shifts, a teammate of its rotations (picking one updates the form, see
 * listeners/swap-modal.ts), and optionally one of the teammate's shifts in return.
 */
export function swapModal(opts: {
  mine: ShiftChoice[];
  myShift?: string | null;
  teammates: Choice[];
  teammateId: string | null;
  theirs: ShiftChoice[];
  zone: string;
}): ModalView {
  const mine = shiftOptions(opts.mine.map((s) => ({ label: shiftLabel(s, opts.zone), value: shiftValue(s), group: s.rotationName })));
  const teammates = shiftOptions(opts.teammates.map((t) => ({ label: t.name, value: t.id, group: 'Teammates' })));
  const teammate = opts.teammates.find((t) => t.id === opts.teammateId);
  const blocks: KnownBlock[] = [
    input('my_shift', 'My shift', { type: 'static_select', ...mine, initial_option: optionOf(mine, opts.myShift) ?? firstOption(mine) }),
    input(
      'teammate',
      'Teammate who takes it',
      {
        type: 'static_select',
        action_id: SCHEDULE_ACTIONS.swapTeammate,
        ...teammates,
        ...(teammate ? { initial_option: optionOf(teammates, teammate.id) } : {}),
      },
      { dispatch: true },
    ),
  ];
  if (!teammate) blocks.push(context('Pick a teammate to see their shifts.'));
  else if (opts.theirs.length === 0)
    blocks.push(context(`${teammate.name} has no shifts in the next 4 weeks; you can still hand yours over.`));
  else {
    const theirs = shiftOptions(
      opts.theirs.map((s) => ({ label: shiftLabel(s, opts.zone), value: teammateShiftValue(s), group: s.rotationName })),
    );
    // An action_id per teammate, so a shift picked from someone else's list is not kept when the teammate changes.
    const element = { type: 'static_select', action_id: `their_shift_${teammate.id}`, ...theirs };
    blocks.push(
      input('their_shift', 'Their shift I take in return', element, { optional: true, hint: 'Leave empty to just hand your shift over.' }),
    );
  }
  return modal(MODALS.swap, 'Swap a shift', 'Ask them', blocks);
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'plain_text', text }] };
}

export function coverModal(opts: { mine: ShiftChoice[]; zone: string }): ModalView {
  const mine = shiftOptions(opts.mine.map((s) => ({ label: shiftLabel(s, opts.zone), value: shiftValue(s), group: s.rotationName })));
  return modal(MODALS.cover, 'Ask for cover', 'Post request', [
    input('my_shift', 'Shift that needs cover', { type: 'static_select', ...mine, initial_option: firstOption(mine) }),
    input('note', 'Note for the team', { type: 'plain_text_input', max_length: 300 }, { optional: true }),
  ]);
}

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

/** `/oncall me`: phone number and notification rules, one step per line. */
export function meModal(opts: {
  phone: string | null;
  phoneVerified: boolean;
  high: string;
  low: string;
  phonePaging: boolean;
}): ModalView {
  const status = opts.phone ? (opts.phoneVerified ? 'verified' : 'not verified yet') : 'none';
  return modal(MODALS.me, 'My notifications', 'Save', [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `How pages reach you. One step per line: \`slack 0\`, \`sms 2\`, \`voice 2 every 5\` (minutes after the page).${opts.phonePaging ? '' : '\n:warning: Phone paging is not configured on this Baton, so SMS and voice steps are skipped.'}`,
      },
    },
    input(
      'phone',
      `Phone number (${status})`,
      { type: 'plain_text_input', ...(opts.phone ? { initial_value: opts.phone } : {}), placeholder: plain('+15551234567') },
      { optional: true, hint: 'A new number gets a 6-digit code by SMS before Baton uses it.' },
    ),
    input('high', 'High urgency', { type: 'plain_text_input', multiline: true, initial_value: opts.high }),
    input('low', 'Low urgency', { type: 'plain_text_input', multiline: true, initial_value: opts.low }),
  ]);
}

export function phoneCodeModal(phone: string): ModalView {
  return modal(MODALS.phoneCode, 'Verify your phone', 'Verify', [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `We texted a 6-digit code to ${phone}. Your rules are saved; the number is used once you type the code.`,
      },
    },
    input('code', 'Code', { type: 'plain_text_input', min_length: 6, max_length: 6 }),
  ]);
}

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

/**
 * Several rotations: a multi-select while they fit in 100 options, a searchable one beyond (block ids ending
 * in `_rotations` are answered from the rotation list).
 */
function pickRotations(blockId: string, label: string, items: Choice[], initial: string[]): KnownBlock {
  const chosen = items.filter((i) => initial.includes(i.id)).map((i) => option(i.name, i.id));
  const initialOptions = chosen.length > 0 ? { initial_options: chosen } : {};
  if (items.length <= MAX_STATIC_OPTIONS) {
    return input(
      blockId,
      label,
      { type: 'multi_static_select', options: items.map((i) => option(i.name, i.id)), ...initialOptions },
      { optional: true },
    );
  }
  return input(blockId, label, { type: 'multi_external_select', min_query_length: 0, ...initialOptions }, { optional: true });
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
