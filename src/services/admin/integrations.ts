import { randomBytes } from 'node:crypto';
import { loadActor } from './people.js';
import { and, eq, isNull } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { integrationKeys, services, type IntegrationKind } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput } from '../../domain/errors.js';
import { requireAdmin } from '../../domain/permissions.js';
import { DAY } from '../../domain/time-units.js';
import { sha256Hex } from '../../security/hash.js';
import { writeAudit } from './audit.js';

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

  private prepare(actorId: string, serviceRef: string, kind: string, intervalMinutes?: number) {
    const actor = requireAdmin(loadActor(this.db, actorId), 'create or rotate integration keys');
    const service = this.db
      .select()
      .from(services)
      .all()
      .find((s) => s.id === serviceRef.toLowerCase() || s.name.toLowerCase() === serviceRef.toLowerCase());
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

  create(actorId: string, serviceRef: string, kind: string, intervalMinutes?: number): CreatedKey {
    const { actor, service, kind: k } = this.prepare(actorId, serviceRef, kind, intervalMinutes);
    return this.insert(actor.id, service, k, intervalMinutes ?? null, 0);
  }

  rotate(actorId: string, serviceRef: string, kind: string): CreatedKey {
    const { actor, service, kind: k } = this.prepare(actorId, serviceRef, kind, kind === 'heartbeat' ? 1 : undefined);
    const current = this.db
      .select()
      .from(integrationKeys)
      .where(
        and(
          eq(integrationKeys.serviceId, service.id),
          eq(integrationKeys.kind, k),
          eq(integrationKeys.source, 'slack'),
          isNull(integrationKeys.expiresAt),
        ),
      )
      .all();
    if (current.length === 0)
      throw new InvalidInput({
        kind: `*${service.name}* has no ${k} key made in Slack to rotate (keys from the config file are rotated there).`,
      });
    const now = this.clock.nowMs();
    const expiresAt = now + ROTATION_GRACE_MS;
    const interval = current[0]!.heartbeatIntervalMinutes;
    let created!: CreatedKey;
    this.db.transaction(() => {
      for (const old of current) this.db.update(integrationKeys).set({ expiresAt }).where(eq(integrationKeys.id, old.id)).run();
      created = this.insert(actor.id, service, k, interval, current.length);
    });
    return created;
  }

  private insert(
    actorId: string,
    service: typeof services.$inferSelect,
    kind: IntegrationKind,
    interval: number | null,
    expiring: number,
  ): CreatedKey {
    const key = randomBytes(16).toString('hex');
    const now = this.clock.nowMs();
    this.db.transaction(() => {
      const row = this.db
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
        .returning({ id: integrationKeys.id })
        .get();
      // The audit records that a key exists, never the key.
      writeAudit(this.db, {
        at: now,
        actor: actorId,
        action: expiring > 0 ? 'integration.rotate' : 'integration.create',
        target: `service:${service.id}`,
        after: { keyId: row.id, kind, rotatedOut: expiring },
      });
    });
    this.keysChanged();
    return { serviceName: service.name, kind, key, url: this.url(kind, key), expiring };
  }
}
