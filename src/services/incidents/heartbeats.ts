import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
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

  private async serviceName(q: Tx, serviceId: string): Promise<string> {
    return (await q.select({ name: services.name }).from(services).where(eq(services.id, serviceId)).limit(1))[0]?.name ?? serviceId;
  }

  /** Records a ping; resolves the heartbeat's incident if one is open. */
  async ping(key: Key): Promise<'recorded' | 'recovered'> {
    const now = this.clock.nowMs();
    // The ingest waits for a transaction of its own, so it runs after this unit, never inside it.
    const { back, open } = await this.db.query(async (q) => {
      await q
        .insert(heartbeats)
        .values({ keyHash: key.keyHash, lastPingAt: now })
        .onConflictDoUpdate({ target: heartbeats.keyHash, set: { lastPingAt: now } });
      const back = heartbeatBackGroup(key.keyHash, await this.serviceName(q, key.serviceId), now);
      return { back, open: await this.ingest.openIncidentId(key.serviceId, back.dedupKey) };
    });
    if (open === null) return 'recorded';
    await this.ingest.ingest(key, JSON.stringify({ heartbeat: 'ping', at: new Date(now).toISOString() }), back);
    return 'recovered';
  }

  /** One pass of the loop: an incident for each heartbeat whose ping is overdue and not already open. */
  async check(): Promise<number> {
    const now = this.clock.nowMs();
    const rows = await this.db.query(
      async (q) =>
        await q
          .select({ key: integrationKeys, lastPingAt: heartbeats.lastPingAt })
          .from(integrationKeys)
          .innerJoin(heartbeats, eq(heartbeats.keyHash, integrationKeys.keyHash))
          .where(eq(integrationKeys.kind, 'heartbeat')),
    );
    let opened = 0;
    for (const { key, lastPingAt } of rows) {
      const interval = key.heartbeatIntervalMinutes ?? 0;
      if (interval <= 0 || now <= lastPingAt + interval * MINUTE) continue;
      // Read after the previous ingest committed; the ingest runs after this unit, never inside it.
      const { missed, open } = await this.db.query(async (q) => {
        const missed = heartbeatMissedGroup(key.keyHash, await this.serviceName(q, key.serviceId), interval, lastPingAt, now);
        return { missed, open: await this.ingest.openIncidentId(key.serviceId, missed.dedupKey) };
      });
      if (open !== null) continue;
      await this.ingest.ingest(key, JSON.stringify({ heartbeat: 'missed', lastPingAt: new Date(lastPingAt).toISOString() }), missed);
      opened += 1;
    }
    return opened;
  }
}
