import { and, eq, isNull } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { incidentEvents, incidents } from '../db/schema.js';
import { enqueueChannelStep, enqueueNotice } from './outbox.js';
import { recordEvent } from './timeline.js';

/**
 * Setting up an incident channel is several Slack calls, and a crash can come between any two. So it is
 * split into steps that are each one outbox row: creating the channel (`slack.incident_channel`), then,
 * queued in the same transaction that records the channel on the incident, inviting who was paged, posting
 * and pinning the card (`slack.channel_card`, which then links the channel from the team channel) and the
 * welcome (`slack.channel_welcome`). Each step can run again after a crash without doing its work twice.
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
    const paged = new Set<string>();
    for (const e of db.select().from(incidentEvents).where(and(eq(incidentEvents.incidentId, incidentId), eq(incidentEvents.kind, 'paged'))).all()) {
      for (const u of (e.detail.users as string[] | undefined) ?? []) paged.add(u);
    }
    if (paged.size > 0) enqueueNotice(db, { kind: 'slack.invite', channel: channelId, users: [...paged] }, `channel-invite:${incidentId}`, now);
    enqueueChannelStep(db, 'slack.channel_card', incidentId, now);
    enqueueChannelStep(db, 'slack.channel_welcome', incidentId, now);
  });
}
