import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { incidentMessages, incidents, outbox } from '../db/schema.js';

/** An open incident as the App Home lists it. */
export interface PagingIncident {
  id: number;
  title: string;
  severity: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  level: number;
  openedAt: number;
  /** Where to follow it: its own channel, else the team channel its card was posted to; null if neither is known. */
  channelId: string | null;
}

/** The open incidents that paged this person (a page was queued for them), for their App Home. */
export function incidentsPaging(db: DB, userId: string): PagingIncident[] {
  const ids = [
    ...new Set(
      db
        .select({ incidentId: outbox.incidentId })
        .from(outbox)
        .where(and(eq(outbox.kind, 'slack.page'), sql`json_extract(${outbox.payload}, '$.userId') = ${userId}`))
        .all()
        .flatMap((r) => (r.incidentId === null ? [] : [r.incidentId])),
    ),
  ];
  if (ids.length === 0) return [];
  const rows = db
    .select({ id: incidents.id, title: incidents.title, severity: incidents.severity, status: incidents.status, level: incidents.escalationLevel, openedAt: incidents.openedAt, channelId: incidents.channelId })
    .from(incidents)
    .where(and(inArray(incidents.id, ids), ne(incidents.status, 'resolved')))
    .all();
  const teamChannel = new Map(
    db
      .select({ incidentId: incidentMessages.incidentId, channel: incidentMessages.channel })
      .from(incidentMessages)
      .where(and(inArray(incidentMessages.incidentId, ids), eq(incidentMessages.audience, 'team')))
      .all()
      .map((m) => [m.incidentId, m.channel]),
  );
  return rows.map((r) => ({ ...r, channelId: r.channelId ?? teamChannel.get(r.id) ?? null }));
}
