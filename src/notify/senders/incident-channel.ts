import { eq } from 'drizzle-orm';
import type { KnownBlock } from '@slack/types';
import { alerts, incidentEvents, outbox } from '../../db/schema.js';
import { resolutionSummary } from '../../domain/incident-channel.js';
import { findServiceWithTeam } from '../../services/directory.js';
import type { IncidentView } from '../../services/incidents/incident-view.js';
import { channelStepKey, enqueueIncidentNote, hasPending, isPending, openerConfirmKey } from '../../services/outbox.js';
import { recordPinnedText } from '../../services/incidents/timeline.js';
import { incidentCard } from '../../slack/views/incident-card.js';
import { openerChannelLink, openerConfirmation, channelWelcome, wrapUpMessage } from '../../slack/views/incident-channel.js';
import { classifySlackError } from '../slack-client.js';
import { SENT, skipped, WAIT_FOR_EARLIER, type OutboxRow, type SendResult, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { paced, yieldToPages } from './gate.js';
import { createChannel } from './channel-creation.js';
import { withIncident } from './incident.js';

type ChannelKinds =
  | 'slack.incident_channel'
  | 'slack.channel_card'
  | 'slack.channel_welcome'
  | 'slack.incident_wrapup'
  | 'slack.archive'
  | 'slack.pin_text'
  | 'slack.opener_confirm'
  | 'slack.opener_link'
  | 'slack.invite';

/**
 * The incident's own channel, set up in steps that each survive a crash (see incident-channel-setup.ts):
 * made, joined by who was paged, card posted and pinned, welcome, summary on resolve, archived later.
 */
export function incidentChannelSenders(ctx: SenderContext): Pick<SenderTable, ChannelKinds> {
  const noChannel = skipped('the incident has no channel');
  return {
    'slack.incident_channel': {
      // Pages first: a channel can be made a second later, a person should be woken now. The incident is read
      // before the conversations.create slot is taken (createChannel), so the call follows its slot at once.
      send: async (message, row) =>
        (await yieldToPages(ctx)) ?? withIncident(ctx, message.incidentId, (view) => createChannel(ctx, view.incident, row)),
    },
    'slack.channel_card': { send: (message, row) => withIncident(ctx, message.incidentId, (view) => postCard(ctx, view, row)) },
    'slack.channel_welcome': {
      send: (message, row) =>
        withIncident(ctx, message.incidentId, async ({ incident }) => {
          if (!incident.channelId) return noChannel;
          // The card comes first in the channel, so it is the message people see at the top.
          if (await isPending(ctx.db, channelStepKey('slack.channel_card', incident.id))) return WAIT_FOR_EARLIER;
          const wait = await paced(ctx, row, 'chat.postMessage', { channel: incident.channelId });
          if (wait) return wait;
          const welcome = channelWelcome(incident.id);
          await ctx.poster.postOnce(row, {
            channel: incident.channelId,
            text: welcome.text,
            blocks: welcome.blocks as KnownBlock[],
            unfurl_links: false,
          });
          return SENT;
        }),
    },
    'slack.incident_wrapup': {
      send: (message, row) =>
        withIncident(ctx, message.incidentId, async ({ incident }) => {
          if (!incident.channelId) return (await isPending(ctx.db, `channel:${incident.id}`)) ? WAIT_FOR_EARLIER : noChannel;
          // The summary follows the card and the welcome, and takes in pinned messages still being read.
          const before = [channelStepKey('slack.channel_card', incident.id), channelStepKey('slack.channel_welcome', incident.id)];
          const waiting = await ctx.db.query(async () => {
            for (const key of before) if (await isPending(ctx.db, key)) return true;
            return hasPending(ctx.db, incident.id, 'slack.pin_text');
          });
          if (waiting) return WAIT_FOR_EARLIER;
          const wait = await paced(ctx, row, 'chat.postMessage', { channel: incident.channelId });
          if (wait) return wait;
          const { events, archiveAfterHours, starts } = await ctx.db.query(async (q) => ({
            events: await q.select().from(incidentEvents).where(eq(incidentEvents.incidentId, incident.id)),
            archiveAfterHours: (await findServiceWithTeam(q, incident.serviceId))?.service.channelArchiveAfterHours ?? 24,
            starts: (await q.select({ startsAt: alerts.startsAt }).from(alerts).where(eq(alerts.incidentId, incident.id)))
              .map((a) => Date.parse(a.startsAt))
              .filter(Number.isFinite),
          }));
          const problemStartedAt = starts.length > 0 ? Math.min(...starts) : null;
          const rendered = wrapUpMessage(
            incident,
            resolutionSummary(incident, events, problemStartedAt),
            incident.commanderId,
            archiveAfterHours,
          );
          await ctx.poster.postOnce(row, {
            channel: incident.channelId,
            text: rendered.text,
            blocks: rendered.blocks as KnownBlock[],
            unfurl_links: false,
          });
          return SENT;
        }),
    },
    'slack.archive': {
      send: (message, row) =>
        withIncident(ctx, message.incidentId, async ({ incident }) => {
          if (!incident.channelId) return noChannel;
          // The summary goes in first, even when the channel is archived right after it.
          if (await isPending(ctx.db, `wrapup:${incident.id}`)) return WAIT_FOR_EARLIER;
          const wait = await paced(ctx, row, 'conversations.archive');
          if (wait) return wait;
          try {
            await ctx.slack.conversations.archive({ channel: incident.channelId });
          } catch (err) {
            if (classifySlackError(err).message.includes('already_archived')) return skipped('already archived');
            throw err;
          }
          return SENT;
        }),
    },
    'slack.pin_text': { send: (message) => readPinnedText(ctx, message) },
    'slack.opener_confirm': {
      send: (message, row) =>
        withIncident(ctx, message.incidentId, async (view) => {
          // Noted before posting: a channel never goes away, so a retry carries the link too. After a crash the
          // copy found in Slack may be an older one without it; then the link is sent anyway (a duplicate at worst).
          const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.userId });
          if (wait) return wait;
          if (view.incident.channelId && !row.interrupted)
            await ctx.db.query(async (q) => {
              await q
                .update(outbox)
                .set({ payload: { ...row.payload, linked: true } })
                .where(eq(outbox.id, row.id));
            });
          await ctx.poster.postOnce(row, { channel: message.userId, text: openerConfirmation(view), unfurl_links: false });
          return SENT;
        }),
    },
    'slack.opener_link': {
      send: (message, row) =>
        withIncident(ctx, message.incidentId, async ({ incident }) => {
          if (!incident.channelId) return noChannel;
          // Sent only when the confirmation went out without the link.
          const [confirmation] = await ctx.db.query(async (q) =>
            q
              .select()
              .from(outbox)
              .where(eq(outbox.dedupeKey, openerConfirmKey(incident.id)))
              .limit(1),
          );
          if (confirmation && (confirmation.status === 'pending' || confirmation.status === 'sending')) return WAIT_FOR_EARLIER;
          if ((confirmation?.payload as { linked?: boolean } | undefined)?.linked) return skipped('the confirmation carried the link');
          const wait = await paced(ctx, row, 'chat.postMessage', { channel: message.userId });
          if (wait) return wait;
          await ctx.poster.postOnce(row, {
            channel: message.userId,
            text: openerChannelLink(incident.id, incident.channelId),
            unfurl_links: false,
          });
          return SENT;
        }),
    },
    'slack.invite': {
      send: async (message, row) => {
        const wait = await paced(ctx, row, 'conversations.invite');
        if (wait) return wait;
        try {
          await ctx.slack.conversations.invite({ channel: message.channel, users: message.users.join(',') });
        } catch (err) {
          // Someone who cannot be invited (a guest, or already in) must not hold the channel up or fail it.
          const failure = classifySlackError(err);
          if (failure.retryable) throw err;
          return skipped(failure.message);
        }
        return SENT;
      },
    },
  };
}

/** The card in the incident's channel, pinned; then the channel is linked from the team channel. */
async function postCard(ctx: SenderContext, view: IncidentView, row: OutboxRow): Promise<SendResult> {
  const { incident } = view;
  if (!incident.channelId) return skipped('the incident has no channel');
  // Posted on an earlier attempt (the pin failed after it): pin that one rather than post another.
  let posted = await ctx.poster.teamMessage(incident.id, incident.channelId);
  if (!posted) {
    const wait = await paced(ctx, row, 'chat.postMessage', { channel: incident.channelId });
    if (wait) return wait;
    const card = incidentCard(view);
    posted = await ctx.poster.postOnce(row, { channel: incident.channelId, text: card.text, blocks: card.blocks, unfurl_links: false });
    await ctx.poster.remember(incident.id, posted, 'team', null);
  }
  const wait = await paced(ctx, row, 'pins.add');
  if (wait) return wait;
  try {
    await ctx.slack.pins.add({ channel: posted.channel, timestamp: posted.ts });
  } catch (err) {
    if (!classifySlackError(err).message.includes('already_pinned')) throw err;
  }
  const channelId = incident.channelId;
  await ctx.db.query(async (q) => {
    const team = (await findServiceWithTeam(q, incident.serviceId))?.team;
    if (team)
      await enqueueIncidentNote(
        q,
        incident.id,
        team.slackChannel,
        { type: 'channel_link', channelId },
        `channel-note:${incident.id}`,
        ctx.clock.nowMs(),
      );
  });
  return SENT;
}

/** Copies a pinned message's text (the first 500 characters) into its timeline entry. */
async function readPinnedText(ctx: SenderContext, message: { incidentId: number; channel: string; ts: string }): Promise<SendResult> {
  const found = async () => {
    const top = await ctx.slack.conversations.history({ channel: message.channel, latest: message.ts, inclusive: true, limit: 1 });
    const hit = top.messages?.find((m) => m.ts === message.ts);
    if (hit) return hit;
    // A reply in a thread is not in the channel's history, only in its thread.
    const thread = await ctx.slack.conversations.replies({ channel: message.channel, ts: message.ts, limit: 200 });
    return thread.messages?.find((m) => m.ts === message.ts);
  };
  let hit: Awaited<ReturnType<typeof found>>;
  try {
    hit = await found();
  } catch (err) {
    const failure = classifySlackError(err);
    if (failure.retryable) throw err;
    // Without channels:history (an app installed before it was asked for) the entry keeps who pinned and when.
    return skipped(failure.message);
  }
  if (!hit) return skipped('the pinned message is gone');
  await recordPinnedText(ctx.db, message.incidentId, { ts: message.ts, text: (hit.text ?? '').slice(0, 500), author: hit.user ?? null });
  return SENT;
}
