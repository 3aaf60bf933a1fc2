import type { KnownBlock } from '@slack/types';
import { coverRequestForMessage, recordCoverRequestPost } from '../../services/schedules/cover-requests.js';
import { recordSwapAskPost, swapAskPending, swapRequestForMessage } from '../../services/schedules/swap-asks.js';
import { noticeMessage } from '../../slack/views/notices/index.js';
import { coverRequestMessage, swapAskMessage } from '../../slack/views/schedule-notices.js';
import { failed, SENT, skipped, WAIT_FOR_EARLIER, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { paced } from './gate.js';

type NoticeKinds =
  | 'slack.message'
  | 'slack.swap_ask'
  | 'slack.swap_ask_refresh'
  | 'slack.cover_post'
  | 'slack.cover_refresh'
  | 'slack.cover_thread'
  | 'slack.usergroup';

/**
 * Schedule notices: DMs and posts about swaps, cover requests and time off, and user group updates. Their
 * text was rendered when queued (they describe a change already made); swap and cover messages are rendered
 * from their request as it is now.
 */
export function scheduleNoticeSenders(ctx: SenderContext): Pick<SenderTable, NoticeKinds> {
  return {
    'slack.message': {
      send: async (message, row) => {
        const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.channel });
        if (wait) return wait;
        // A notice is worded when sent; schedule changes (and rows queued by older versions) carry their text.
        const { text, blocks } =
          'notice' in message ? noticeMessage(message.notice) : { text: message.text, blocks: message.blocks as KnownBlock[] | undefined };
        await ctx.poster.postOnce(row, { channel: message.channel, text, ...(blocks ? { blocks } : {}), unfurl_links: false });
        return SENT;
      },
    },
    'slack.swap_ask': {
      send: async (message, row) => {
        const read = await swapRequestForMessage(ctx.db, message.swapId);
        if (!read) return failed(`swap request ${message.swapId} no longer exists`);
        if (read.swap.status !== 'pending') return skipped(`swap already ${read.swap.status}`);
        const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.channel });
        if (wait) return wait;
        const rendered = swapAskMessage(read.swap, read.rotationName, read.zone);
        const posted = await ctx.poster.postOnce(row, {
          channel: message.channel,
          text: rendered.text,
          blocks: rendered.blocks,
          unfurl_links: false,
        });
        await recordSwapAskPost(ctx.db, message.swapId, posted);
        return SENT;
      },
    },
    // The ask shows what became of the request (withdrawn, cancelled), without buttons that no longer work.
    'slack.swap_ask_refresh': {
      send: async (message, row) => {
        const read = await swapRequestForMessage(ctx.db, message.swapId);
        if (!read) return failed(`swap request ${message.swapId} no longer exists`);
        const { swap } = read;
        if (!swap.askChannel || !swap.askTs) {
          // The ask is still on its way (it will be sent as the request now stands), or was never sent.
          return (await swapAskPending(ctx.db, swap.id)) ? WAIT_FOR_EARLIER : skipped('the ask was never sent');
        }
        const wait = await paced(ctx, row, 'chat.update');
        if (wait) return wait;
        const rendered = swapAskMessage(swap, read.rotationName, read.zone);
        await ctx.slack.chat.update({ channel: swap.askChannel, ts: swap.askTs, text: rendered.text, blocks: rendered.blocks });
        return SENT;
      },
    },
    'slack.cover_post': {
      send: async (message, row) => {
        const request = await coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.channel });
        if (wait) return wait;
        const rendered = coverRequestMessage(request.row, request.rotationName);
        const posted = await ctx.poster.postOnce(row, {
          channel: message.channel,
          text: rendered.text,
          blocks: rendered.blocks,
          unfurl_links: false,
        });
        await recordCoverRequestPost(ctx.db, request.row.id, posted);
        return SENT;
      },
    },
    'slack.cover_refresh': {
      send: async (message, row) => {
        const request = await coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        // Updates wait for the request's own post.
        if (!request.row.ts || !request.row.channel) return WAIT_FOR_EARLIER;
        const wait = await paced(ctx, row, 'chat.update');
        if (wait) return wait;
        const rendered = coverRequestMessage(request.row, request.rotationName);
        await ctx.slack.chat.update({ channel: request.row.channel, ts: request.row.ts, text: rendered.text, blocks: rendered.blocks });
        return SENT;
      },
    },
    'slack.cover_thread': {
      send: async (message, row) => {
        const request = await coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        if (!request.row.ts || !request.row.channel) return WAIT_FOR_EARLIER;
        const wait = await paced(ctx, row, 'chat.postMessage', { channel: request.row.channel });
        if (wait) return wait;
        await ctx.poster.postOnce(row, {
          channel: request.row.channel,
          thread_ts: request.row.ts,
          text: message.text,
          unfurl_links: false,
        });
        return SENT;
      },
    },
    'slack.usergroup': {
      send: async (message, row) => {
        const wait = await paced(ctx, row, 'usergroups.users.update');
        if (wait) return wait;
        await ctx.slack.usergroups.users.update({ usergroup: message.usergroup, users: message.users.join(',') });
        return SENT;
      },
    },
  };
}
