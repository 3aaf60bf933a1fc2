import { and, eq, ne } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { alerts, escalationPolicies, incidents, integrationKeys, rawPayloads, services } from '../db/schema.js';
import type { NormalizedGroup } from '../domain/alertmanager.js';
import type { Clock } from '../domain/clock.js';
import { matchesHash, sha256Hex } from '../security/hash.js';
import { findServiceWithTeam } from './directory.js';
import { enqueueRefresh, enqueueTeamPost } from './outbox.js';
import { pageLevel, type Incident } from './paging.js';
import { recordEvent } from './timeline.js';

export type IntegrationKey = typeof integrationKeys.$inferSelect;

export type AuthResult = { ok: true; key: IntegrationKey } | { ok: false; message: string };

export interface IngestResult {
  payloadId: number;
  incidentId: number | null;
  outcome: 'opened' | 'updated' | 'resolved' | 'ignored';
}

export class IngestService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    /** Wakes the outbox dispatcher once a transaction that queued messages has committed. */
    private readonly onQueued: () => void,
  ) {}

  /** Checks an integration key (stored hashed) and, when the key requires one, the bearer token. */
  authenticate(kind: IntegrationKey['kind'], presentedKey: string, authorization: string | undefined): AuthResult {
    const key = this.db.select().from(integrationKeys).where(eq(integrationKeys.keyHash, sha256Hex(presentedKey))).get();
    if (!key || key.kind !== kind || !matchesHash(presentedKey, key.keyHash)) {
      return { ok: false, message: 'unknown integration key' };
    }
    if (key.bearerHash) {
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
      if (!bearer) return { ok: false, message: 'this integration requires Authorization: Bearer <token>' };
      if (!matchesHash(bearer, key.bearerHash)) return { ok: false, message: 'wrong bearer token' };
    }
    return { ok: true, key };
  }

  /**
   * Stores the raw payload and its effect in one transaction. Throws if storing fails, so the route can
   * answer 5xx and the sender retries.
   */
  ingest(key: IntegrationKey, rawBody: string, group: NormalizedGroup): IngestResult {
    const now = this.clock.now().getTime();
    const result = this.db.transaction((tx) => {
      const payloadId = Number(
        tx.insert(rawPayloads).values({ integrationKeyId: key.id, source: group.source, receivedAt: now, body: rawBody }).run()
          .lastInsertRowid,
      );
      const open = tx
        .select()
        .from(incidents)
        .where(and(eq(incidents.serviceId, key.serviceId), eq(incidents.dedupKey, group.dedupKey), ne(incidents.status, 'resolved')))
        .get();
      const outcome = open ? this.update(tx, open, group, now) : this.open(tx, key.serviceId, group, now);
      if (outcome.incidentId !== null) {
        tx.update(rawPayloads).set({ incidentId: outcome.incidentId }).where(eq(rawPayloads.id, payloadId)).run();
      }
      return { payloadId, ...outcome };
    });
    if (result.outcome !== 'ignored') this.onQueued();
    return result;
  }

  private open(tx: Tx, serviceId: string, group: NormalizedGroup, now: number): Omit<IngestResult, 'payloadId'> {
    // A group that arrives already resolved (or resolves a closed incident) has nothing left to page for.
    if (group.alerts.every((a) => a.status === 'resolved')) return { incidentId: null, outcome: 'ignored' };
    const service = tx.select().from(services).where(eq(services.id, serviceId)).get();
    const policy = service && tx.select().from(escalationPolicies).where(eq(escalationPolicies.id, service.escalationPolicyId)).get();
    if (!service || !policy) throw new Error(`service ${serviceId} or its escalation policy is missing`);
    const incident = tx
      .insert(incidents)
      .values({
        serviceId,
        dedupKey: group.dedupKey,
        status: 'triggered',
        title: group.title,
        severity: group.severity,
        source: group.source,
        labels: group.labels,
        links: group.links,
        policy: { id: policy.id, name: policy.name, repeat: policy.repeat, levels: policy.levels },
        escalationLevel: 0,
        escalationLoop: 0,
        nextEscalationAt: null,
        openedAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    this.upsertAlerts(tx, incident.id, group, now);
    recordEvent(tx, incident.id, now, 'opened', group.source, { alerts: group.alerts.length, severity: group.severity });
    const team = findServiceWithTeam(tx, serviceId)?.team;
    if (team) enqueueTeamPost(tx, incident.id, team.slackChannel, now);
    pageLevel(tx, incident, { level: 0, loop: 0 }, now, 'New incident.');
    return { incidentId: incident.id, outcome: 'opened' };
  }

  private update(tx: Tx, incident: Incident, group: NormalizedGroup, now: number): Omit<IngestResult, 'payloadId'> {
    const changed = this.upsertAlerts(tx, incident.id, group, now);
    const stillFiring = tx
      .select({ id: alerts.id })
      .from(alerts)
      .where(and(eq(alerts.incidentId, incident.id), eq(alerts.status, 'firing')))
      .get();
    if (!stillFiring) {
      tx.update(incidents)
        .set({ status: 'resolved', resolvedAt: now, resolvedBy: null, nextEscalationAt: null, updatedAt: now })
        .where(eq(incidents.id, incident.id))
        .run();
      recordEvent(tx, incident.id, now, 'resolved', group.source, { reason: 'every alert of the group resolved' });
      enqueueRefresh(tx, incident.id, now);
      return { incidentId: incident.id, outcome: 'resolved' };
    }
    // A re-send of the same group pages nobody again; only changes to the alert set are worth a refresh.
    if (changed) {
      recordEvent(tx, incident.id, now, 'alerts_updated', group.source, { alerts: group.alerts.length });
      enqueueRefresh(tx, incident.id, now);
    }
    return { incidentId: incident.id, outcome: 'updated' };
  }

  /** Returns whether any alert was added or changed status. */
  private upsertAlerts(tx: Tx, incidentId: number, group: NormalizedGroup, now: number): boolean {
    let changed = false;
    for (const alert of group.alerts) {
      const existing = tx
        .select({ id: alerts.id, status: alerts.status })
        .from(alerts)
        .where(and(eq(alerts.incidentId, incidentId), eq(alerts.fingerprint, alert.fingerprint)))
        .get();
      if (!existing) {
        tx.insert(alerts)
          .values({ incidentId, ...alert, firstSeenAt: now, lastSeenAt: now })
          .run();
        changed = true;
      } else {
        tx.update(alerts)
          .set({ status: alert.status, labels: alert.labels, annotations: alert.annotations, endsAt: alert.endsAt, lastSeenAt: now })
          .where(eq(alerts.id, existing.id))
          .run();
        changed ||= existing.status !== alert.status;
      }
    }
    return changed;
  }
}
