import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { heartbeats, integrationKeys, services } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { heartbeatBackGroup, heartbeatMissedGroup } from '../../domain/sources.js';
import { MINUTE } from '../../domain/time-units.js';
import type { IngestService } from './ingest.js';

type Key = Parameters<IngestService['ingest']>[0];

/**
 * Heartbeats: a sender pings every N minutes; the loop opens an incident when a ping is overdue, and the
 * next ping resolves it. Watching starts with the first ping, so setting one up does not page.
 */
export class HeartbeatService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly ingest: IngestService,
  ) {}

  private serviceName(serviceId: string): string {
    return this.db.select({ name: services.name }).from(services).where(eq(services.id, serviceId)).get()?.name ?? serviceId;
  }

  /** Records a ping; resolves the heartbeat's incident if one is open. */
  async ping(key: Key): Promise<'recorded' | 'recovered'> {
    const now = this.clock.nowMs();
    this.db
      .insert(heartbeats)
      .values({ keyHash: key.keyHash, lastPingAt: now })
      .onConflictDoUpdate({ target: heartbeats.keyHash, set: { lastPingAt: now } })
      .run();
    const back = heartbeatBackGroup(key.keyHash, this.serviceName(key.serviceId), now);
    if (this.ingest.openIncidentId(key.serviceId, back.dedupKey) === null) return 'recorded';
    await this.ingest.ingest(key, JSON.stringify({ heartbeat: 'ping', at: new Date(now).toISOString() }), back);
    return 'recovered';
  }

  /** One pass of the loop: an incident for each heartbeat whose ping is overdue and not already open. */
  async check(): Promise<number> {
    const now = this.clock.nowMs();
    const rows = this.db
      .select({ key: integrationKeys, lastPingAt: heartbeats.lastPingAt })
      .from(integrationKeys)
      .innerJoin(heartbeats, eq(heartbeats.keyHash, integrationKeys.keyHash))
      .where(eq(integrationKeys.kind, 'heartbeat'))
      .all();
    let opened = 0;
    for (const { key, lastPingAt } of rows) {
      const interval = key.heartbeatIntervalMinutes ?? 0;
      if (interval <= 0 || now <= lastPingAt + interval * MINUTE) continue;
      const missed = heartbeatMissedGroup(key.keyHash, this.serviceName(key.serviceId), interval, lastPingAt, now);
      if (this.ingest.openIncidentId(key.serviceId, missed.dedupKey) !== null) continue;
      await this.ingest.ingest(key, JSON.stringify({ heartbeat: 'missed', lastPingAt: new Date(lastPingAt).toISOString() }), missed);
      opened += 1;
    }
    return opened;
  }
}
