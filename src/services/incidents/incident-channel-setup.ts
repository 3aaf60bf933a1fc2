import { and, eq, isNull } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
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
export function attachIncidentChannel(db: DB, incidentId: number, channelId: string, now: number): void {
  db.transaction(() => {
    const changed = db
      .update(incidents)
      .set({ channelId })
      .where(and(eq(incidents.id, incidentId), isNull(incidents.channelId)))
      .run().changes;
    if (changed === 0) return;
    recordEvent(db, incidentId, now, 'channel_created', null, { channel: channelId });
    const opener = openedByHand(db.select().from(incidents).where(eq(incidents.id, incidentId)).get()!);
    const invited = new Set(pagedUsers(db, incidentId));
    if (opener) invited.add(opener.userId);
    if (invited.size > 0)
      enqueueNotice(db, { kind: 'slack.invite', channel: channelId, users: [...invited] }, `channel-invite:${incidentId}`, now);
    enqueueChannelStep(db, 'slack.channel_card', incidentId, now);
    enqueueChannelStep(db, 'slack.channel_welcome', incidentId, now);
    if (opener) enqueueOpenerLink(db, incidentId, opener.userId, now);
  });
}

/** Everyone any level of the incident has paged so far. */
function pagedUsers(db: DB, incidentId: number): string[] {
  const events = db
    .select()
    .from(incidentEvents)
    .where(and(eq(incidentEvents.incidentId, incidentId), eq(incidentEvents.kind, 'paged')))
    .all();
  return events.flatMap((e) => (e.detail.users as string[] | undefined) ?? []);
}
