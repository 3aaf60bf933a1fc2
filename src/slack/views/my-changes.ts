import type { KnownBlock, ModalView } from '@slack/types';
import { formatInZone } from '../../domain/zoned-time.js';
import type { SwapAsk, SwapChange } from '../../domain/read-models.js';
import { MODALS, SCHEDULE_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, truncate } from './format.js';

interface Item {
  id: number;
  userId: string;
  startAt: number;
  endAt: number;
  reason: string | null;
}

/** Slack allows 100 blocks in a modal: the first 40 swap requests, swaps and overrides, and the first 40 time off, are listed. */
const MAX_ITEMS = 40;

const cancelButton = (
  actionId: string,
  id: number,
  what: string,
  consequence = 'The schedule applies again for that time.',
  verb: 'Cancel' | 'Withdraw' = 'Cancel',
) => ({
  type: 'button' as const,
  action_id: actionId,
  value: String(id),
  text: { type: 'plain_text' as const, text: verb },
  style: 'danger' as const,
  confirm: {
    title: { type: 'plain_text' as const, text: `${verb} ${what}?` },
    text: { type: 'mrkdwn' as const, text: consequence },
    confirm: { type: 'plain_text' as const, text: `${verb} it` },
    deny: { type: 'plain_text' as const, text: 'Keep it' },
  },
});

/** A swap asked for and not yet answered: it changes nothing yet, and may be withdrawn. */
function askBlock(ask: SwapAsk, when: (start: number, end: number) => string): KnownBlock {
  const back = ask.take ? `; you take theirs, ${when(ask.take.start, ask.take.end)}` : '';
  const text = truncate(
    `*${escapeMrkdwn(ask.rotationName)}*: you asked <@${ask.teammateId}> to take ${when(ask.give.start, ask.give.end)}${back}\n_Waiting for their answer._`,
    2900,
  );
  const consequence = `<@${ask.teammateId}> can no longer accept it; their message says you withdrew it.`;
  return {
    type: 'section',
    block_id: `swap_ask_${ask.swapId}`,
    text: { type: 'mrkdwn', text },
    accessory: cancelButton(SCHEDULE_ACTIONS.withdrawSwap, ask.swapId, 'this swap request', consequence, 'Withdraw'),
  };
}

/** A swap is one change, with both halves: cancelling any half cancels it whole (see cancelSwap). */
function swapBlock(swap: SwapChange, viewerId: string, when: (start: number, end: number) => string): KnownBlock {
  const other = swap.requesterId === viewerId ? swap.teammateId : swap.teammateId === viewerId ? swap.requesterId : null;
  const title = other ? `Swap with <@${other}>` : `Swap of <@${swap.requesterId}> and <@${swap.teammateId}>`;
  const halves = swap.halves.map((h) => `<@${h.userId}> holds ${when(h.start, h.end)}`).join('; ');
  const stands = swap.cancellable ? '' : '\n_Half of it is over, so it stands._';
  const text = truncate(`*${escapeMrkdwn(swap.rotationName)}*: ${title}: ${halves}${stands}`, 2900);
  const first = swap.halves[0];
  const consequence = `Both halves are cancelled and the schedule applies again; ${other ? `<@${other}>` : 'both of them'} and the team are told.`;
  const accessory =
    swap.cancellable && first
      ? { accessory: cancelButton(SCHEDULE_ACTIONS.cancelOverride, first.overrideId, 'this swap', consequence) }
      : {};
  return { type: 'section', block_id: `swap_${swap.swapId}`, text: { type: 'mrkdwn', text }, ...accessory };
}

/** "My changes": the overrides, swaps and time off a person holds or set and may still cancel, and the swaps they asked for. */
export function myChangesModal(input: {
  overrides: (Item & { rotationName: string; kind: string })[];
  swaps: SwapChange[];
  asks: SwapAsk[];
  timeOff: Item[];
  zone: string;
  viewerId: string;
  notice?: string;
}): ModalView {
  const when = (i: Item) => `${formatInZone(i.startAt, input.zone)} → ${formatInZone(i.endAt, input.zone)}`;
  const who = (i: Item) => (i.userId === input.viewerId ? '' : ` for <@${i.userId}>`);
  const blocks: KnownBlock[] = [];
  if (input.notice) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(input.notice, 2900) }] });
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Overrides' } });
  if (input.overrides.length === 0 && input.swaps.length === 0 && input.asks.length === 0)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'None coming up.' } });
  const between = (start: number, end: number) => `${formatInZone(start, input.zone)} → ${formatInZone(end, input.zone)}`;
  const asks = input.asks.slice(0, MAX_ITEMS);
  for (const ask of asks) blocks.push(askBlock(ask, between));
  const swaps = input.swaps.slice(0, MAX_ITEMS - asks.length);
  for (const swap of swaps) blocks.push(swapBlock(swap, input.viewerId, between));
  for (const o of input.overrides.slice(0, MAX_ITEMS - asks.length - swaps.length)) {
    const text = `*${escapeMrkdwn(o.rotationName)}*${who(o)} (${o.kind}): ${when(o)}${o.reason ? `\n_${escapeMrkdwn(o.reason)}_` : ''}`;
    blocks.push({
      type: 'section',
      block_id: `override_${o.id}`,
      text: { type: 'mrkdwn', text: truncate(text, 2900) },
      accessory: cancelButton(SCHEDULE_ACTIONS.cancelOverride, o.id, 'this override'),
    });
  }
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Time off' } });
  if (input.timeOff.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'None coming up.' } });
  for (const t of input.timeOff.slice(0, MAX_ITEMS)) {
    const text = `Away${who(t)}: ${when(t)}${t.reason ? `\n_${escapeMrkdwn(t.reason)}_` : ''}`;
    blocks.push({
      type: 'section',
      block_id: `time_off_${t.id}`,
      text: { type: 'mrkdwn', text: truncate(text, 2900) },
      accessory: cancelButton(SCHEDULE_ACTIONS.cancelTimeOff, t.id, 'this time off'),
    });
  }
  const hidden =
    Math.max(0, input.asks.length + input.overrides.length + input.swaps.length - MAX_ITEMS) +
    Math.max(0, input.timeOff.length - MAX_ITEMS);
  if (hidden > 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${hidden} more, shown once these are over or cancelled.` }] });
  // private_metadata names whose list this is, so a refresh after any click shows the same person's list.
  return {
    type: 'modal',
    callback_id: MODALS.myChanges,
    private_metadata: input.viewerId,
    title: { type: 'plain_text', text: 'My changes' },
    close: { type: 'plain_text', text: 'Done' },
    blocks,
  };
}
