import { eq } from 'drizzle-orm';
import { outbox, type incidents } from '../../db/schema.js';
import { incidentChannelName } from '../../domain/incident-channel.js';
import { attachIncidentChannel } from '../../services/incidents/incident-channel-setup.js';
import { failed, SENT, skipped, type OutboxRow, type SendResult } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { classifySlackError } from '../slack-client.js';
import { paced } from './gate.js';

type Incident = typeof incidents.$inferSelect;

/**
 * Creates the incident's channel, or finds the one a crash left behind: each name is written down before
 * it is asked for, so a `name_taken` for a name Baton itself asked for is that channel (adopted), and any
 * other taken name gets a suffix. The rest of the set-up is queued as steps of its own. Each name waits for a
 * conversations.create slot (Tier 2), taken just before it is asked for: only the note of the name comes
 * between, so a slow read cannot send the call late, close behind the next node's.
 */
export async function createChannel(ctx: SenderContext, incident: Incident, row: OutboxRow): Promise<SendResult> {
  if (incident.channelId) return skipped('the channel exists');
  // Names asked for by an earlier attempt of this row (before a crash, or a lost answer): taken means ours.
  // Names that were already someone else's when first asked: never asked again, so never adopted on a retry.
  const payload = row.payload as { asked?: string[]; taken?: string[] };
  const askedBefore = new Set((payload.asked ?? []).map(String));
  const asked = new Set(askedBefore);
  const takenByOthers = new Set((payload.taken ?? []).map(String));
  const note = () =>
    ctx.db.query(async (q) => {
      await q
        .update(outbox)
        .set({ payload: { ...row.payload, asked: [...asked], taken: [...takenByOthers] } })
        .where(eq(outbox.id, row.id));
    });
  let channelId: string | null = null;
  for (let attempt = 1; attempt <= 5 && !channelId; attempt += 1) {
    const name = incidentChannelName(incident.openedAt, incident.id, incident.title, attempt);
    if (takenByOthers.has(name)) continue;
    // In a storm, channels are made at Slack's pace; pages go first (see the outbox's priorities).
    const wait = await paced(ctx, row, 'conversations.create');
    if (wait) return wait;
    if (!asked.has(name)) {
      asked.add(name);
      await note();
    }
    try {
      const res = await ctx.slack.conversations.create({ name });
      channelId = res.channel!.id!;
    } catch (err) {
      if (!classifySlackError(err).message.includes('name_taken')) throw err;
      if (askedBefore.has(name)) channelId = await findChannelByName(ctx, name);
      else {
        takenByOthers.add(name);
        await note();
      }
    }
  }
  if (!channelId) return failed('every channel name tried was taken');
  await attachIncidentChannel(ctx.db, incident.id, channelId, ctx.clock.nowMs());
  return SENT;
}

/** A public channel by its exact name, or null; walks conversations.list a page at a time. */
async function findChannelByName(ctx: SenderContext, name: string): Promise<string | null> {
  let cursor: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const res = await ctx.slack.conversations.list({
      types: 'public_channel',
      exclude_archived: true,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const hit = res.channels?.find((c) => c.name === name);
    if (hit?.id) return hit.id;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}
