import { hasPending } from '../../services/outbox.js';
import { incidentCard } from '../../slack/views/incident-card.js';
import { CHANNEL_MENTION, incidentNoteText } from '../../slack/views/notices/incident.js';
import { classifySlackError } from '../slack-client.js';
import { deferUntil, SENT, WAIT_FOR_EARLIER, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { paced, yieldToPages } from './gate.js';
import { withIncident } from './incident.js';

type IncidentMessageKinds = 'slack.team_post' | 'slack.incident_note' | 'slack.refresh';

/** The incident's card: posts and notes in channels, and updates of every copy (pages are page.ts's). */
export function incidentMessageSenders(ctx: SenderContext): Pick<SenderTable, IncidentMessageKinds> {
  return {
    'slack.team_post': {
      send: async (message, row) => {
        const pages = await yieldToPages(ctx);
        if (pages) return pages;
        // The incident is read before the slot is taken, not between the slot and the call: a slow read there
        // (a busy database) would send the post late, close behind the next one, which Slack counts.
        return withIncident(ctx, message.incidentId, async (view) => {
          const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.channel });
          if (wait) return wait;
          const card = incidentCard(view);
          // `mention`: a row queued by an older version, with the mention already written.
          const mention = message.broadcast ? CHANNEL_MENTION : message.mention;
          const text = mention ? `${mention} ${card.text}` : card.text;
          const posted = await ctx.poster.postOnce(row, { channel: message.channel, text, blocks: card.blocks, unfurl_links: false });
          await ctx.poster.remember(message.incidentId, posted, 'team', null);
          return SENT;
        });
      },
    },
    'slack.incident_note': {
      send: async (message, row) => {
        // A note goes in the card's thread: it waits while the card is still to be posted.
        const { thread, waiting } = await ctx.db.query(async () => {
          const thread = await ctx.poster.teamMessage(message.incidentId, message.channel);
          return { thread, waiting: !thread && (await hasPending(ctx.db, message.incidentId, 'slack.team_post')) };
        });
        if (waiting) return WAIT_FOR_EARLIER;
        const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.channel });
        if (wait) return wait;
        // A note is worded when sent; one queued by an older version carries its text.
        const text = 'note' in message ? incidentNoteText(message.note) : message.text;
        await ctx.poster.postOnce(row, {
          channel: message.channel,
          text,
          ...(thread ? { thread_ts: thread.ts } : {}),
          unfurl_links: false,
        });
        return SENT;
      },
    },
    'slack.refresh': {
      send: async (message, row) => {
        const pages = await yieldToPages(ctx);
        if (pages) return pages;
        const copies = await ctx.poster.messagesOf(message.incidentId);
        // Read before the slots are taken, so the updates follow them at once (see slack.team_post).
        return withIncident(ctx, message.incidentId, async (view) => {
          const slot = await ctx.pacing.cardUpdateSlot(
            copies.map((m) => m.channel),
            message.incidentId,
          );
          if (slot) return deferUntil(slot, 'spacing updates in a busy channel');
          const wait = copies.length > 0 ? await paced(ctx, row, 'chat.update', { calls: copies.length }) : null;
          if (wait) return wait;
          const card = incidentCard(view);
          for (const copy of copies) {
            try {
              await ctx.slack.chat.update({ channel: copy.channel, ts: copy.ts, text: card.text, blocks: card.blocks });
            } catch (err) {
              // A deleted message cannot be updated; the others still should be.
              if (classifySlackError(err).retryable) throw err;
              ctx.logger.warn(
                { incidentId: message.incidentId, channel: copy.channel, err: classifySlackError(err).message },
                'message not updated',
              );
            }
          }
          return SENT;
        });
      },
    },
  };
}
