import { and, count, eq } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { alerts, incidents, services } from '../db/schema.js';
import type { Incident } from './paging.js';

/** What a rendering of an incident needs, read in one place. */
export interface IncidentView {
  incident: Incident;
  serviceName: string;
  firingAlerts: number;
  totalAlerts: number;
}

export function loadIncidentView(db: DB, incidentId: number): IncidentView | null {
  const row = db
    .select({ incident: incidents, serviceName: services.name })
    .from(incidents)
    .innerJoin(services, eq(services.id, incidents.serviceId))
    .where(eq(incidents.id, incidentId))
    .get();
  if (!row) return null;
  const total = db.select({ n: count() }).from(alerts).where(eq(alerts.incidentId, incidentId)).get()?.n ?? 0;
  const firing =
    db.select({ n: count() }).from(alerts).where(and(eq(alerts.incidentId, incidentId), eq(alerts.status, 'firing'))).get()?.n ?? 0;
  return { incident: row.incident, serviceName: row.serviceName, firingAlerts: firing, totalAlerts: total };
}
