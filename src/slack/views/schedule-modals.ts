import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';

import { formatInZone } from '../../domain/zoned-time.js';
import type { ShiftChoice, TimeOffPreview } from '../../domain/read-models.js';
import { HOUR } from '../../domain/time-units.js';
import { MODALS, SCHEDULE_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, truncate } from './format.js';
import { type Choice, context, input, MAX_STATIC_OPTIONS, modal, option, pickOne, plain } from './modal-kit.js';

// The schedule's forms: take the pager, time off, swap a shift, ask for cover.

const seconds = (ms: number) => Math.floor(ms / 1000);

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

export function coverModal(opts: { mine: ShiftChoice[]; zone: string }): ModalView {
  const mine = shiftOptions(opts.mine.map((s) => ({ label: shiftLabel(s, opts.zone), value: shiftValue(s), group: s.rotationName })));
  return modal(MODALS.cover, 'Ask for cover', 'Post request', [
    input('my_shift', 'Shift that needs cover', { type: 'static_select', ...mine, initial_option: firstOption(mine) }),
    input('note', 'Note for the team', { type: 'plain_text_input', max_length: 300 }, { optional: true }),
  ]);
}
