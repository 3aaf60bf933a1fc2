import { randomBytes } from 'node:crypto';
import { loadActor } from './people.js';
import { and, eq, isNull } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { integrationKeys, services, type IntegrationKind } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput } from '../../domain/errors.js';
import { requireAdmin } from '../../domain/permissions.js';
import { DAY } from '../../domain/time-units.js';
import { sha256Hex } from '../../security/hash.js';
import { writeAudit } from './audit.js';
import { catalogChanged } from '../catalog-version.js';

export const KINDS: IntegrationKind[] = ['alertmanager', 'grafana', 'pagerduty', 'generic', 'heartbeat'];
/** How long a rotated-out key keeps working. */
export const ROTATION_GRACE_MS = DAY;

export interface CreatedKey {
  serviceName: string;
  kind: IntegrationKind;
  key: string;
  /** Where the sender points: the URL, and for PagerDuty senders the routing key. */
  url: string;
  expiring: number;
}

/**
 * Integration keys made by admins in Slack. The plain key is returned once and only its SHA-256 is kept;
 * rotating adds a new key and lets the old ones work for another day, so senders move without downtime.
 */
export class IntegrationService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly baseUrl: () => string,
    private readonly keysChanged: () => void,
  ) {}

  private async prepare(q: Tx, actorId: string, serviceRef: string, kind: string, intervalMinutes?: number) {
    const actor = requireAdmin(await loadActor(q, actorId), 'create or rotate integration keys');
    const service = (await q.select().from(services)).find(
      (s) => s.id === serviceRef.toLowerCase() || s.name.toLowerCase() === serviceRef.toLowerCase(),
    );
    if (!service) throw new InvalidInput({ service: `No service \`${serviceRef}\`.` });
    if (!KINDS.includes(kind as IntegrationKind)) throw new InvalidInput({ kind: `Expected one of ${KINDS.join(', ')}.` });
    if (kind === 'heartbeat' && !(intervalMinutes && intervalMinutes > 0 && intervalMinutes <= 7 * 24 * 60)) {
      throw new InvalidInput({ interval: 'A heartbeat needs its interval in minutes, e.g. `/oncall integration checkout heartbeat 5`.' });
    }
    return { actor, service, kind: kind as IntegrationKind };
  }

  private url(kind: IntegrationKind, key: string): string {
    const base = this.baseUrl();
    if (kind === 'pagerduty') return `${base}/v2/enqueue (routing_key ${key})`;
    if (kind === 'heartbeat') return `${base}/heartbeats/${key}`;
    return `${base}/integrations/${kind}/${key}`;
  }

  async create(actorId: string, serviceRef: string, kind: string, intervalMinutes?: number): Promise<CreatedKey> {
    const { actor, service, kind: k } = await this.db.query((q) => this.prepare(q, actorId, serviceRef, kind, intervalMinutes));
    const created = await this.db.transaction((tx) => this.insert(tx, actor.id, service, k, intervalMinutes ?? null, 0));
    this.keysChanged();
    return created;
  }

  async rotate(actorId: string, serviceRef: string, kind: string): Promise<CreatedKey> {
    const { actor, service, k, current } = await this.db.query(async (q) => {
      const { actor, service, kind: k } = await this.prepare(q, actorId, serviceRef, kind, kind === 'heartbeat' ? 1 : undefined);
      const current = await q
        .select()
        .from(integrationKeys)
        .where(
          and(
            eq(integrationKeys.serviceId, service.id),
            eq(integrationKeys.kind, k),
            eq(integrationKeys.source, 'slack'),
            isNull(integrationKeys.expiresAt),
          ),
        );
      return { actor, service, k, current };
    });
    if (current.length === 0)
      throw new InvalidInput({
        kind: `*${service.name}* has no ${k} key made in Slack to rotate (keys from the config file are rotated there).`,
      });
    const now = this.clock.nowMs();
    const expiresAt = now + ROTATION_GRACE_MS;
    const interval = current[0]!.heartbeatIntervalMinutes;
    const created = await this.db.transaction(async (tx) => {
      for (const old of current) await tx.update(integrationKeys).set({ expiresAt }).where(eq(integrationKeys.id, old.id));
      return this.insert(tx, actor.id, service, k, interval, current.length);
    });
    this.keysChanged();
    return created;
  }

  /** Adds the key, with its audit entry, in the caller's transaction; the caller drops the key cache after it commits. */
  private async insert(
    tx: Tx,
    actorId: string,
    service: typeof services.$inferSelect,
    kind: IntegrationKind,
    interval: number | null,
    expiring: number,
  ): Promise<CreatedKey> {
    const key = randomBytes(16).toString('hex');
    const now = this.clock.nowMs();
    const [row] = await tx
      .insert(integrationKeys)
      .values({
        serviceId: service.id,
        kind,
        keyHash: sha256Hex(key),
        bearerHash: null,
        hmacSecret: null,
        hmacHeader: null,
        hmacTimestampHeader: null,
        heartbeatIntervalMinutes: interval,
        source: 'slack',
        createdAt: now,
      })
      .returning({ id: integrationKeys.id });
    // The audit records that a key exists, never the key.
    await writeAudit(tx, {
      at: now,
      actor: actorId,
      action: expiring > 0 ? 'integration.rotate' : 'integration.create',
      target: `service:${service.id}`,
      after: { keyId: row!.id, kind, rotatedOut: expiring },
    });
    // Rotated-out keys expire: other nodes drop their cached copies at their next loop.
    await catalogChanged(tx);
    return { serviceName: service.name, kind, key, url: this.url(kind, key), expiring };
  }
}
