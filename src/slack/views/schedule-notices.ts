import type { KnownBlock } from '@slack/types';
import { formatInZone } from '../../domain/zoned-time.js';
import type { CoverRequest } from '../../services/schedules/cover.js';
import type {
  CoverTaken,
  NoticeText,
  OverrideCancelled,
  OverrideMade,
  ScheduleNoticeViews,
  SwapCancelled,
  SwapDecided,
  TimeOffCover,
} from '../../services/schedules/notices.js';
import type { SwapRequest } from '../../services/schedules/swaps.js';
import { SCHEDULE_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, slackDate } from './format.js';
import type { RenderedMessage } from './incident-card.js';

const button = (actionId: string, text: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  action_id: actionId,
  text: { type: 'plain_text' as const, text },
  value,
  ...(style ? { style } : {}),
});

/** The teammate's DM: the proposed swap, in their zone, with Accept and Decline while it is pending. */
/** What became of the request, as the teammate's ask reads it; null while it waits for their answer. */
function swapAskState(swap: SwapRequest): string | null {
  switch (swap.status) {
    case 'pending':
      return null;
    case 'accepted':
      return ':white_check_mark: You accepted.';
    case 'withdrawn':
      return `:leftwards_arrow_with_hook: <@${swap.requesterId}> withdrew this request.`;
    case 'cancelled':
      return ':x: You accepted, then the swap was cancelled: the schedule applies again.';
    default:
      return `Swap ${swap.status}.`;
  }
}

export function swapAskMessage(swap: SwapRequest, rotationName: string, zone: string): RenderedMessage {
  const give = `${formatInZone(swap.giveStart, zone)} → ${formatInZone(swap.giveEnd, zone)}`;
  const back =
    swap.takeStart !== null && swap.takeEnd !== null
      ? ` In return they take yours: ${formatInZone(swap.takeStart, zone)} → ${formatInZone(swap.takeEnd, zone)}.`
      : '';
  const ask = `<@${swap.requesterId}> asks you to take their *${escapeMrkdwn(rotationName)}* shift ${give}.${back}`;
  const state = swapAskState(swap);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `:arrows_counterclockwise: ${ask}` } }];
  if (state) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: state }] });
  else {
    blocks.push({
      type: 'actions',
      block_id: `swap_${swap.id}`,
      elements: [
        button(SCHEDULE_ACTIONS.swapAccept, 'Accept', String(swap.id), 'primary'),
        button(SCHEDULE_ACTIONS.swapDecline, 'Decline', String(swap.id)),
      ],
    });
  }
  return { text: state ? `${ask} ${state}` : ask, blocks };
}

/** The team channel post: who needs cover and when, with "Take it" while it is open. */
export function coverRequestMessage(request: CoverRequest, rotationName: string): RenderedMessage {
  const when = `${slackDate(request.startAt)} → ${slackDate(request.endAt)}`;
  const ask = `:sos: <@${request.requesterId}> needs someone to cover *${escapeMrkdwn(rotationName)}* ${when}.`;
  // Cut before escaping, so the cut never splits an escape (`&amp;` into `&am`).
  const note = request.note ? `\n> ${escapeMrkdwn(request.note.slice(0, 500))}` : '';
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${ask}${note}` } }];
  let text = ask;
  if (request.status === 'open') {
    blocks.push({
      type: 'actions',
      block_id: `cover_${request.id}`,
      elements: [button(SCHEDULE_ACTIONS.coverTake, 'Take it', String(request.id), 'primary')],
    });
  } else {
    const state = request.status === 'taken' ? `:white_check_mark: Taken by <@${request.takenBy}>.` : `This request is ${request.status}.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: state }] });
    text = `${ask} ${state}`;
  }
  return { text, blocks };
}

const noticeOf = (text: string): NoticeText => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

/** A window in a shared channel: each reader sees it in their own zone. */
const inChannel = (start: number, end: number) => `${slackDate(start)} → ${slackDate(end)}`;

function overrideMade(n: OverrideMade): NoticeText {
  const what = n.role === 'secondary' ? 'secondary role' : 'pager';
  const setBy = n.setBy !== n.userId ? ` (set by <@${n.setBy}>)` : '';
  return noticeOf(
    `:arrows_counterclockwise: <@${n.userId}> takes the ${what} for *${escapeMrkdwn(n.rotationName)}* ${inChannel(n.start, n.end)}${setBy}.`,
  );
}

function overrideCancelled(n: OverrideCancelled): NoticeText {
  return noticeOf(
    `:x: <@${n.actorId}> cancelled <@${n.userId}>'s ${n.kind} on *${escapeMrkdwn(n.rotationName)}* (${inChannel(n.start, n.end)}); the schedule applies again.`,
  );
}

function swapHalves(n: SwapCancelled, when: (start: number, end: number) => string): string {
  return n.halves.map((h) => `<@${h.userId}>: ${when(h.start, h.end)}`).join('; ');
}

function swapCancelledDM(n: SwapCancelled, recipientId: string, zone: string): NoticeText {
  const other = recipientId === n.requesterId ? n.teammateId : n.requesterId;
  const who =
    n.actorId === recipientId
      ? `You cancelled your swap with <@${other}>`
      : `<@${n.actorId}> cancelled your swap${n.actorId === other ? '' : ` with <@${other}>`}`;
  const when = (start: number, end: number) => `${formatInZone(start, zone)} → ${formatInZone(end, zone)}`;
  return noticeOf(`:x: ${who} on *${escapeMrkdwn(n.rotationName)}* (${swapHalves(n, when)}): each of you holds your own shifts again.`);
}

function swapCancelledPost(n: SwapCancelled): NoticeText {
  return noticeOf(
    `:x: <@${n.actorId}> cancelled the swap of <@${n.requesterId}> and <@${n.teammateId}> on *${escapeMrkdwn(n.rotationName)}* (${swapHalves(n, inChannel)}); the schedule applies again.`,
  );
}

/** A window in one reader's zone (a DM). */
const inZone = (zone: string) => (start: number, end: number) => `${formatInZone(start, zone)} → ${formatInZone(end, zone)}`;

// The DMs and the thread reply below are text only, as Slack shows a message without blocks.
const textOnly = (text: string): NoticeText => ({ text });

function swapDeclinedDM(n: SwapDecided, zone: string): NoticeText {
  return textOnly(
    `<@${n.teammateId}> declined to swap your *${escapeMrkdwn(n.rotationName)}* shift ${inZone(zone)(n.give.start, n.give.end)}.`,
  );
}

function swapAcceptedDM(n: SwapDecided, zone: string): NoticeText {
  const when = inZone(zone);
  const back = n.take ? `, and you take theirs ${when(n.take.start, n.take.end)}` : '';
  return textOnly(
    `:white_check_mark: <@${n.teammateId}> accepted: they take your *${escapeMrkdwn(n.rotationName)}* shift ${when(n.give.start, n.give.end)}${back}.`,
  );
}

function swapDoneDM(n: SwapDecided, zone: string): NoticeText {
  const when = inZone(zone);
  const back = n.take ? `; <@${n.requesterId}> holds ${when(n.take.start, n.take.end)}` : '';
  return textOnly(`:white_check_mark: Swap done: you hold *${escapeMrkdwn(n.rotationName)}* ${when(n.give.start, n.give.end)}${back}.`);
}

function swapAcceptedPost(n: SwapDecided): NoticeText {
  const covers = (who: string, whom: string, w: { start: number; end: number }) =>
    `<@${who}> covers <@${whom}> from ${slackDate(w.start)} to ${slackDate(w.end)}`;
  const back = n.take ? `; ${covers(n.requesterId, n.teammateId, n.take)}` : '';
  return textOnly(
    `:arrows_counterclockwise: Swap in *${escapeMrkdwn(n.rotationName)}*: ${covers(n.teammateId, n.requesterId, n.give)}${back}.`,
  );
}

function timeOffCoverDM(n: TimeOffCover, zone: string): NoticeText {
  const lines = n.shifts.map((c) => `• *${escapeMrkdwn(c.rotationName)}* ${c.role}: ${inZone(zone)(c.start, c.end)}`);
  return textOnly(`:palm_tree: <@${n.awayId}> is away, so you cover:\n${lines.join('\n')}`);
}

function coverTakenReply(n: CoverTaken): NoticeText {
  return textOnly(`<@${n.requesterId}>: <@${n.takerId}> takes your shift from ${slackDate(n.start)} to ${slackDate(n.end)}.`);
}

/** The schedule notices the schedule services queue, handed to them by the composition root. */
export const scheduleNoticeViews: ScheduleNoticeViews = {
  overrideMade,
  overrideCancelled,
  swapCancelledDM,
  swapCancelledPost,
  swapDeclinedDM,
  swapAcceptedDM,
  swapDoneDM,
  swapAcceptedPost,
  timeOffCoverDM,
  coverTakenReply,
};
