import { and, eq, isNull } from 'drizzle-orm';
import { changedRows, type DB, type Tx } from '../../db/client.js';
import { incidentEvents, incidents } from '../../db/schema.js';
import { openedByHand } from './incident-view.js';
import { enqueueChannelStep, enqueueNotice, enqueueOpenerLink } from '../outbox.js';
import { recordEvent } from './timeline.js';

/**
 * Setting up an incident channel is several Slack calls, and a crash can come between any two. So it is
 * split into steps that are each one outbox row: creating the channel (`slack.incident_channel`), then,
 * queued in the same transaction that records the channel on the incident, inviting who was paged and
 * whoever opened the incident by hand, posting and pinning the card (`slack.channel_card`, which then links
 * the channel from the team channel), the welcome (`slack.channel_welcome`), and the channel's link for the
 * person who opened it (`slack.opener_link`). Each step can run again after a crash without doing its work twice.
 */
export async function attachIncidentChannel(db: DB, incidentId: number, channelId: string, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    const changed = changedRows(
      await tx
        .update(incidents)
        .set({ channelId })
        .where(and(eq(incidents.id, incidentId), isNull(incidents.channelId))),
    );
    if (changed === 0) return;
    await recordEvent(tx, incidentId, now, 'channel_created', null, { channel: channelId });
    const opener = openedByHand((await tx.select().from(incidents).where(eq(incidents.id, incidentId)).limit(1))[0]!);
    const invited = new Set(await pagedUsers(tx, incidentId));
    if (opener) invited.add(opener.userId);
    if (invited.size > 0)
      await enqueueNotice(tx, { kind: 'slack.invite', channel: channelId, users: [...invited] }, `channel-invite:${incidentId}`, now);
    await enqueueChannelStep(tx, 'slack.channel_card', incidentId, now);
    await enqueueChannelStep(tx, 'slack.channel_welcome', incidentId, now);
    if (opener) await enqueueOpenerLink(tx, incidentId, opener.userId, now);
  });
}

/** Everyone any level of the incident has paged so far. */
async function pagedUsers(db: Tx, incidentId: number): Promise<string[]> {
  const events = await db
    .select()
    .from(incidentEvents)
    .where(and(eq(incidentEvents.incidentId, incidentId), eq(incidentEvents.kind, 'paged')));
  return events.flatMap((e) => (e.detail.users as string[] | undefined) ?? []);
}
