import { eq } from 'drizzle-orm';
import type { KnownBlock } from '@slack/types';
import { rotations, swapRequests, users } from '../../db/schema.js';
import { coverRequestForMessage, recordCoverRequestPost } from '../../services/cover-requests.js';
import { coverRequestMessage, swapAskMessage } from '../../slack/views/schedule-notices.js';
import { deferUntil, failed, SENT, skipped, WAIT_FOR_EARLIER, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';

type NoticeKinds = 'slack.message' | 'slack.swap_ask' | 'slack.cover_post' | 'slack.cover_refresh' | 'slack.cover_thread' | 'slack.usergroup';

/**
 * Schedule notices: DMs and posts about swaps, cover requests and time off, and user group updates. Their
 * text was rendered when queued (they describe a change already made); swap and cover messages are rendered
 * from their request as it is now.
 */
export function scheduleNoticeSenders(ctx: SenderContext): Pick<SenderTable, NoticeKinds> {
  return {
    'slack.message': {
      send: async (message, row) => {
        const slot = ctx.pacing.postSlot(message.channel, row.id);
        if (slot) return deferUntil(slot, 'pacing posts in a busy channel');
        await ctx.poster.postOnce(row, { channel: message.channel, text: message.text, ...(message.blocks ? { blocks: message.blocks as KnownBlock[] } : {}), unfurl_links: false });
        return SENT;
      },
    },
    'slack.swap_ask': {
      send: async (message, row) => {
        const swap = ctx.db.select().from(swapRequests).where(eq(swapRequests.id, message.swapId)).get();
        if (!swap) return failed(`swap request ${message.swapId} no longer exists`);
        if (swap.status !== 'pending') return skipped(`swap already ${swap.status}`);
        const rotation = ctx.db.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, swap.rotationId)).get();
        const zone = ctx.db.select({ tz: users.timeZone }).from(users).where(eq(users.id, swap.teammateId)).get()?.tz ?? 'UTC';
        const rendered = swapAskMessage(swap, rotation?.name ?? swap.rotationId, zone);
        await ctx.poster.postOnce(row, { channel: message.channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
        return SENT;
      },
    },
    'slack.cover_post': {
      send: async (message, row) => {
        const request = coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        const rendered = coverRequestMessage(request.row, request.rotationName);
        const posted = await ctx.poster.postOnce(row, { channel: message.channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false });
        recordCoverRequestPost(ctx.db, request.row.id, posted);
        return SENT;
      },
    },
    'slack.cover_refresh': {
      send: async (message) => {
        const request = coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        // Updates wait for the request's own post.
        if (!request.row.ts || !request.row.channel) return WAIT_FOR_EARLIER;
        const rendered = coverRequestMessage(request.row, request.rotationName);
        await ctx.slack.chat.update({ channel: request.row.channel, ts: request.row.ts, text: rendered.text, blocks: rendered.blocks });
        return SENT;
      },
    },
    'slack.cover_thread': {
      send: async (message, row) => {
        const request = coverRequestForMessage(ctx.db, message.coverRequestId);
        if (!request) return failed(`cover request ${message.coverRequestId} no longer exists`);
        if (!request.row.ts || !request.row.channel) return WAIT_FOR_EARLIER;
        await ctx.poster.postOnce(row, { channel: request.row.channel, thread_ts: request.row.ts, text: message.text, unfurl_links: false });
        return SENT;
      },
    },
    'slack.usergroup': {
      send: async (message) => {
        await ctx.slack.usergroups.users.update({ usergroup: message.usergroup, users: message.users.join(',') });
        return SENT;
      },
    },
  };
}
