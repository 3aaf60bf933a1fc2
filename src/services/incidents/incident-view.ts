import { and, count, eq, inArray } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { alerts, incidents, services } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { HandOpener, IncidentSummary, IncidentView } from '../../domain/read-models.js';
import type { Incident } from './paging.js';

const USER_ID = /^[UW][A-Z0-9]+$/;

// The read model lives in the domain, so views need not import this service.
export type { HandOpener, IncidentSummary, IncidentView };

/**
 * Who opened the incident by hand (`/oncall declare`, "Page someone"), or null. Only Baton opens incidents
 * with these sources, so only then is the label Baton's own: the same label on an alert is the sender's text.
 */
export function openedByHand(incident: Pick<Incident, 'source' | 'labels'>): HandOpener | null {
  const opener =
    incident.source === 'declared'
      ? ({ how: 'declared', label: 'declared_by' } as const)
      : incident.source === 'slack_page'
        ? ({ how: 'paged', label: 'paged_by' } as const)
        : null;
  const userId = opener ? incident.labels[opener.label] : undefined;
  return opener && userId && USER_ID.test(userId) ? { ...opener, userId } : null;
}

/** The people the latest page of the incident's current level went to. */
async function pagedAtCurrentLevel(db: Tx, incident: Incident): Promise<string[]> {
  const row = await statementsOf(db).pagedUsers.get({
    incidentId: incident.id,
    level: incident.escalationLevel + 1,
    loop: incident.escalationLoop,
  });
  const users: unknown = row?.users ? JSON.parse(row.users) : [];
  return Array.isArray(users) ? users.filter((u): u is string => typeof u === 'string' && USER_ID.test(u)) : [];
}

export function loadIncidentView(db: DB, incidentId: number): Promise<IncidentView | null> {
  return db.query(async (q) => {
    const [row] = await q
      .select({ incident: incidents, serviceName: services.name })
      .from(incidents)
      .innerJoin(services, eq(services.id, incidents.serviceId))
      .where(eq(incidents.id, incidentId))
      .limit(1);
    if (!row) return null;
    const total = (await q.select({ n: count() }).from(alerts).where(eq(alerts.incidentId, incidentId)).limit(1))[0]?.n ?? 0;
    const firing =
      (
        await q
          .select({ n: count() })
          .from(alerts)
          .where(and(eq(alerts.incidentId, incidentId), eq(alerts.status, 'firing')))
          .limit(1)
      )[0]?.n ?? 0;
    return {
      incident: row.incident,
      serviceName: row.serviceName,
      firingAlerts: firing,
      totalAlerts: total,
      pagingNow: await pagedAtCurrentLevel(q, row.incident),
      openedBy: openedByHand(row.incident),
    };
  });
}

/** Incidents as a list shows them, in the order of `ids`; ids of incidents that no longer exist are left out. */
export function loadIncidentSummaries(db: DB, ids: number[]): Promise<IncidentSummary[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.query(async (q) => {
    const rows = await q
      .select({ incident: incidents, serviceName: services.name })
      .from(incidents)
      .innerJoin(services, eq(services.id, incidents.serviceId))
      .where(inArray(incidents.id, ids));
    const byId = new Map(rows.map((r) => [r.incident.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  });
}
