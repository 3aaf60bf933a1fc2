/**
 * Settings of the config file that the rest of Baton reads: the emergency line and the outbound webhooks,
 * kept in `settings`. Only the config applier (config-apply.ts) writes them; readers import this module, not the applier.
 */

import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { settings } from '../../db/schema.js';

export interface EmergencyLine {
  service: string;
  greeting: string;
}

export function readEmergencyLine(db: DB): Promise<EmergencyLine | null> {
  return db.query(async (q) => {
    const [row] = await q.select().from(settings).where(eq(settings.key, 'emergency_line')).limit(1);
    return row ? (JSON.parse(row.value) as EmergencyLine) : null;
  });
}

export interface OutboundWebhook {
  id: string;
  url: string;
  secret: string;
  events: ('opened' | 'acknowledged' | 'resolved')[];
  services?: string[];
}

export async function readWebhooks(db: Tx): Promise<OutboundWebhook[]> {
  const [row] = await db.select().from(settings).where(eq(settings.key, 'webhooks')).limit(1);
  return row ? (JSON.parse(row.value) as OutboundWebhook[]) : [];
}
