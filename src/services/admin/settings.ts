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

export function readEmergencyLine(db: DB): EmergencyLine | null {
  const row = db.select().from(settings).where(eq(settings.key, 'emergency_line')).get();
  return row ? (JSON.parse(row.value) as EmergencyLine) : null;
}

export interface OutboundWebhook {
  id: string;
  url: string;
  secret: string;
  events: ('opened' | 'acknowledged' | 'resolved')[];
  services?: string[];
}

export function readWebhooks(db: Tx): OutboundWebhook[] {
  const row = db.select().from(settings).where(eq(settings.key, 'webhooks')).get();
  return row ? (JSON.parse(row.value) as OutboundWebhook[]) : [];
}
