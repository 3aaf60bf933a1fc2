import { activeRecurringWindow } from '../../domain/recurring-maintenance.js';
import type { EscalationPolicySnapshot } from '../../domain/escalation.js';
import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { escalationPolicies, incidents, type integrationKeys } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { NormalizedGroup } from '../../domain/alertmanager.js';
import type { Clock } from '../../domain/clock.js';
import { urgencyOf } from '../../domain/notification-rules.js';
import { nextWorkingStart, route, type IncidentUrgency, type RoutingRule } from '../../domain/routing.js';
import { matchesHash, sameDigest, sha256Hex } from '../../security/hash.js';
import { findServiceWithTeam } from '../directory.js';
import {
  enqueueChannelWrapUp,
  enqueueIncidentChannel,
  enqueueIncidentWebhooks,
  enqueuePageListRefreshes,
  enqueueRefresh,
  enqueueTeamPost,
} from '../outbox.js';
import { loadPagingContext, pageLevel, type Incident, type PagingContext, type PagingSettings } from './paging.js';
import { readWebhooks, type OutboundWebhook } from '../admin/settings.js';
import { recordEvent } from './timeline.js';

export type IntegrationKey = typeof integrationKeys.$inferSelect;

/**
 * The key a payload that came with none is stored under (id 0): a voicemail on the emergency line, an
 * incident declared or a page sent from Slack.
 */
export function pseudoKey(serviceId: string, kind: IntegrationKey['kind'], source: IntegrationKey['source']): IntegrationKey {
  return {
    id: 0,
    serviceId,
    kind,
    keyHash: '',
    bearerHash: null,
    hmacSecret: null,
    hmacHeader: null,
    hmacTimestampHeader: null,
    heartbeatIntervalMinutes: null,
    expiresAt: null,
    source,
    createdAt: 0,
  };
}

export type AuthResult = { ok: true; key: IntegrationKey } | { ok: false; message: string };

export interface IngestResult {
  payloadId: number;
  incidentId: number | null;
  outcome: 'opened' | 'updated' | 'unchanged' | 'resolved' | 'ignored';
}

type Outcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };
/** A batch committed: each payload's outcome, whether it queued a message due now, and when it is on disk. */
interface Applied {
  outcomes: Outcome[];
  wake: boolean;
  durable: Promise<void>;
}

/** What the payloads of one batch share, inside its transaction. */
interface BatchState {
  /** Routing rules by service, read once a batch: a storm sends one service's alerts together. */
  routing: Map<string, RoutingRule[] | null>;
  /** What opening an incident reads, once a batch: a storm opens many incidents of a few services. */
  services: Map<string, OpeningService | undefined>;
  paging?: PagingContext;
  webhooks?: OutboundWebhook[];
  /** A message was queued that is due now: the outbox is woken after the commit. */
  wake: boolean;
}

const newBatchState = (): BatchState => ({ routing: new Map(), services: new Map(), wake: false });

/** A service as opening an incident needs it: with its escalation policy and its team. */
type OpeningService = NonNullable<Awaited<ReturnType<typeof findServiceWithTeam>>> & {
  policy: typeof escalationPolicies.$inferSelect;
};

interface Pending {
  key: IntegrationKey;
  rawBody: string;
  group: NormalizedGroup;
  /** Pages this chain instead of the service's policy (a direct page from Slack). */
  policy?: EscalationPolicySnapshot;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

const groupOrder = (item: Pending) => `${item.key.serviceId}\u0000${item.group.dedupKey}`;
/** FNV-1a: spreads groups over the lanes. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
/** Ingest lanes on PostgreSQL (each holds a connection while it commits; the pool has ten). */
const POSTGRES_LANES = 4;
const byGroup = (a: Pending, b: Pending) => {
  const [x, y] = [groupOrder(a), groupOrder(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** How long a verified integration key is trusted without reading it again. */
const KEY_CACHE_MS = 30_000;
/** Payloads committed together at most; the rest wait for the next batch. */
const MAX_BATCH = 256;
/** Alert-only changes refresh an incident's Slack messages at most this often, so a storm cannot flood Slack. */
export const ALERT_REFRESH_INTERVAL_MS = 10_000;

export class IngestService {
  /**
   * Payloads waiting, in lanes by alert group: each lane commits its batches one after another, so one group's
   * payloads are applied in order. SQLite has one connection and one lane; on PostgreSQL each round trip
   * waits on the network, so several lanes commit side by side on connections of their own.
   */
  private readonly lanes: { queue: Pending[]; scheduled: boolean }[];
  /** Keys by digest, read through for KEY_CACHE_MS: every request of a sender presents the same key. */
  private readonly keyCache = new Map<string, { key: IntegrationKey | undefined; at: number }>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    /** Wakes the outbox dispatcher once a transaction that queued messages has committed. */
    private readonly wakeOutbox: () => void,
    private readonly paging: PagingSettings,
    /** Told of every stored payload's source and outcome (for metrics). */
    private readonly onIngested: (source: string, outcome: string) => void = () => {},
  ) {
    this.lanes = Array.from({ length: db.engine === 'sqlite' ? 1 : POSTGRES_LANES }, () => ({ queue: [], scheduled: false }));
  }

  /** Checks an integration key (stored hashed) and, when the key requires one, the bearer token. */
  async authenticate(kind: IntegrationKey['kind'], presentedKey: string, authorization: string | undefined): Promise<AuthResult> {
    const presentedHash = sha256Hex(presentedKey);
    const key = await this.keyByHash(presentedHash);
    if (!key || key.kind !== kind || !sameDigest(presentedHash, key.keyHash)) {
      return { ok: false, message: 'unknown integration key' };
    }
    if (key.expiresAt !== null && key.expiresAt <= this.clock.nowMs())
      return { ok: false, message: 'this integration key was rotated out and has expired' };
    if (key.bearerHash) {
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
      if (!bearer) return { ok: false, message: 'this integration requires Authorization: Bearer <token>' };
      if (!matchesHash(bearer, key.bearerHash)) return { ok: false, message: 'wrong bearer token' };
    }
    return { ok: true, key };
  }

  /** Forgets cached keys: call after keys change (config applied, key rotated). */
  forgetKeys(): void {
    this.keyCache.clear();
  }

  private async keyByHash(hash: string): Promise<IntegrationKey | undefined> {
    const now = performance.now();
    const hit = this.keyCache.get(hash);
    if (hit && now - hit.at < KEY_CACHE_MS) return hit.key;
    const key = await this.db.query((q) => statementsOf(q).keyByHash.get({ hash }));
    // Only known keys are cached, so random guesses cannot fill memory.
    if (key) {
      if (this.keyCache.size >= 1000) this.keyCache.clear();
      this.keyCache.set(hash, { key, at: now });
    }
    return key;
  }

  /** The open incident a sender's dedup key names, if any (PagerDuty and generic acknowledge events). */
  async openIncidentId(serviceId: string, dedupKey: string): Promise<number | null> {
    return (await this.db.query((q) => statementsOf(q).openIncident.get({ serviceId, dedupKey })))?.id ?? null;
  }

  /** Stores an accepted request that opens nothing itself (an acknowledge event, a heartbeat ping). */
  async storePayload(key: IntegrationKey, source: string, rawBody: string, incidentId: number | null): Promise<void> {
    await this.db.query((q) =>
      statementsOf(q).insertPayload.run({ keyId: key.id, source, now: this.clock.nowMs(), body: rawBody, incidentId }),
    );
  }

  /**
   * A voicemail left on the emergency line: stored and turned into a high-urgency incident for the
   * configured service like any alert, under a pseudo-key (id 0) since the caller holds no integration key.
   */
  ingestVoicemail(
    serviceId: string,
    rawBody: string,
    voicemail: { callSid: string; from: string; recordingUrl: string; durationSeconds: number; at: string },
  ): Promise<IngestResult> {
    const key = pseudoKey(serviceId, 'alertmanager', 'config');
    const labels = { alertname: 'EmergencyLine', caller: voicemail.from, severity: 'critical' };
    return this.ingest(key, rawBody, {
      source: 'emergency_line',
      dedupKey: `emergency_line:${voicemail.callSid}`,
      status: 'firing',
      title: `Emergency line: voicemail from ${voicemail.from} (${voicemail.durationSeconds} s)`,
      severity: 'critical',
      labels,
      links: { runbook: null, source: voicemail.recordingUrl, externalUrl: null },
      alerts: [
        {
          fingerprint: voicemail.callSid,
          status: 'firing',
          labels,
          annotations: { recording: voicemail.recordingUrl },
          startsAt: voicemail.at,
          endsAt: null,
          sourceUrl: voicemail.recordingUrl,
        },
      ],
      truncatedAlerts: 0,
    });
  }

  /**
   * Stores the raw payload and its effect, then resolves. Payloads arriving together are committed in one
   * transaction (group commit), each in its own savepoint: the promise resolves only after the commit, and
   * rejects if storing failed, so the route can answer 5xx and the sender retries.
   */
  ingest(
    key: IntegrationKey,
    rawBody: string,
    group: NormalizedGroup,
    opts: { policy?: EscalationPolicySnapshot } = {},
  ): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      const item: Pending = { key, rawBody, group, ...(opts.policy ? { policy: opts.policy } : {}), resolve, reject };
      const lane = this.lanes[this.lanes.length === 1 ? 0 : hash(groupOrder(item)) % this.lanes.length]!;
      lane.queue.push(item);
      if (!lane.scheduled) {
        lane.scheduled = true;
        setImmediate(() => this.flush(lane));
      }
    });
  }

  /**
   * The fast path: the whole batch in one transaction, with no savepoint per payload. Null when a payload
   * threw: the batch was rolled back whole, to be applied again one savepoint each (applyEach).
   */
  private async applyAll(batch: Pending[], now: number): Promise<Applied | null> {
    const results: IngestResult[] = [];
    const state = newBatchState();
    let durable: Promise<void>;
    try {
      ({ durable } = await this.db.transactionThenSync(async (tx) => {
        for (const item of batch) results.push(await this.apply(tx, item, now, state));
      }));
    } catch (error) {
      if (results.length === batch.length) throw error; // every payload applied: it was the commit that failed
      return null;
    }
    return { outcomes: results.map((result) => ({ ok: true, result })), wake: state.wake, durable };
  }

  /** Each payload in its own savepoint, so one that throws is refused alone and the others are stored. */
  private async applyEach(batch: Pending[], now: number): Promise<Applied> {
    const outcomes: Outcome[] = [];
    // A payload rolled back may have marked the batch for a wake-up: a needless wake-up costs one query.
    const state = newBatchState();
    const { durable } = await this.db.transactionThenSync(async () => {
      for (const item of batch) {
        try {
          // A transaction opened inside the batch's is a savepoint around this one payload.
          outcomes.push({ ok: true, result: await this.db.transaction((tx) => this.apply(tx, item, now, state)) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    return { outcomes, wake: state.wake, durable };
  }

  private async flush(lane: { queue: Pending[]; scheduled: boolean }): Promise<void> {
    // In one order on every node (by group, arrival order kept within a group): two nodes' batches that touch
    // the same incidents then take their rows in the same order, and cannot deadlock on PostgreSQL.
    const batch = lane.queue.splice(0, MAX_BATCH).sort(byGroup);
    const fail = (error: unknown) => {
      for (const item of batch) item.reject(error);
    };
    let applied: Applied;
    try {
      const now = this.clock.nowMs();
      applied = (await this.applyAll(batch, now)) ?? (await this.applyEach(batch, now));
    } catch (error) {
      // The commit itself failed: nothing of the batch is stored.
      fail(error);
      return;
    } finally {
      // The next batch (payloads that came in meanwhile, or beyond MAX_BATCH) is applied while this one's commit
      // reaches the disk: the embedded engine syncs the WAL on another thread.
      if (lane.queue.length > 0) setImmediate(() => this.flush(lane));
      else lane.scheduled = false;
    }
    try {
      await applied.durable;
    } catch (error) {
      // Committed but perhaps not on disk: the senders are told to retry, and a retry finds its alerts stored.
      fail(error);
      return;
    }
    const { outcomes, wake } = applied;
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        this.onIngested(item.group.source, outcome.result.outcome);
        item.resolve(outcome.result);
      } else item.reject(outcome.error);
    });
    // A re-send of an unchanged group, or a change whose card refresh waits its turn, must not wake the dispatcher.
    if (wake) this.wakeOutbox();
  }

  private async apply(tx: Tx, { key, rawBody, group, policy }: Pending, now: number, batch: BatchState): Promise<IngestResult> {
    // The statements run for every payload (statementsOf): building their queries each time would dominate.
    const statements = statementsOf(tx);
    // Routing rules of the key's service may send the group to another service, with its own urgency.
    let rules = batch.routing.get(key.serviceId);
    if (rules === undefined) {
      const routing = (await statements.serviceRouting.get({ id: key.serviceId }))?.routing;
      rules = routing ? (JSON.parse(routing) as RoutingRule[]) : null;
      batch.routing.set(key.serviceId, rules);
    }
    const routed = route(rules, group.labels, group.severity);
    const serviceId = routed.service ?? key.serviceId;
    const open = await statements.openIncident.get({ serviceId, dedupKey: group.dedupKey });
    let outcome = open
      ? await this.update(tx, open, group, now, batch)
      : await this.open(tx, serviceId, group, now, batch, routed.urgency, policy);
    if (outcome === 'taken') {
      // Another node opened this group's incident a moment ago: this payload updates it.
      const winner = (await statements.openIncident.get({ serviceId, dedupKey: group.dedupKey }))!;
      outcome = await this.update(tx, winner, group, now, batch);
    }
    const payloadId = (await statements.insertPayloadReturningId.get({
      keyId: key.id,
      source: group.source,
      now,
      body: rawBody,
      incidentId: outcome.incidentId,
    }))!.id;
    if (outcome.outcome === 'opened' || outcome.outcome === 'resolved') batch.wake = true;
    return { payloadId, ...outcome };
  }

  private async open(
    tx: Tx,
    serviceId: string,
    group: NormalizedGroup,
    now: number,
    batch: BatchState,
    urgency: IncidentUrgency = urgencyOf(group.severity),
    policyOverride?: EscalationPolicySnapshot,
  ): Promise<Omit<IngestResult, 'payloadId'> | 'taken'> {
    // A group that arrives already resolved (or resolves a closed incident) has nothing left to page for.
    if (group.alerts.every((a) => a.status === 'resolved')) return { incidentId: null, outcome: 'ignored' };
    if (!batch.services.has(serviceId)) batch.services.set(serviceId, await readOpeningService(tx, serviceId));
    const opening = batch.services.get(serviceId);
    if (!opening) throw new Error(`service ${serviceId} or its escalation policy is missing`);
    const { service, policy, team } = opening;
    const inMaintenance =
      (await statementsOf(tx).activeMaintenance.get({ serviceId, now })) !== undefined ||
      (service.recurringMaintenance !== null && activeRecurringWindow(service.recurringMaintenance, now) !== null);
    // One open incident per group, by a unique key rather than the check above: two nodes may receive the
    // group at once, and the second insert then does nothing ('taken').
    const snapshot = policyOverride ?? { id: policy.id, name: policy.name, repeat: policy.repeat, levels: policy.levels };
    const inserted = await statementsOf(tx).insertIncident.get({
      serviceId,
      dedupKey: group.dedupKey,
      title: group.title,
      severity: group.severity,
      urgency,
      suppressed: inMaintenance ? 1 : 0,
      source: group.source,
      labelsJson: JSON.stringify(group.labels),
      linksJson: JSON.stringify(group.links),
      policyJson: JSON.stringify(snapshot),
      now,
    });
    // The row as stored: what was written, and the columns' defaults.
    const incident: Incident | undefined = inserted && {
      id: inserted.id,
      serviceId,
      dedupKey: group.dedupKey,
      status: 'triggered',
      title: group.title,
      severity: group.severity,
      urgency,
      source: group.source,
      labels: group.labels,
      links: group.links,
      policy: snapshot,
      escalationLevel: 0,
      escalationLoop: 0,
      nextEscalationAt: null,
      deferredUntil: null,
      channelId: null,
      commanderId: null,
      commsLeadId: null,
      suppressed: inMaintenance,
      openedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      updatedAt: now,
    };
    if (!incident) return 'taken';
    await this.upsertAlerts(tx, incident.id, group, now);
    await recordEvent(tx, incident.id, now, 'opened', group.source, { alerts: group.alerts.length, severity: group.severity });
    batch.webhooks ??= await readWebhooks(tx);
    await enqueueIncidentWebhooks(tx, incident, 'opened', now, batch.webhooks);
    // Maintenance and info: recorded and visible, nobody disturbed.
    if (inMaintenance || urgency === 'info') {
      await recordEvent(tx, incident.id, now, 'suppressed', null, { reason: inMaintenance ? 'maintenance window' : 'info urgency' });
      return { incidentId: incident.id, outcome: 'opened' };
    }
    await enqueueTeamPost(tx, incident.id, team.slackChannel, now);
    // Low urgency outside the team's working hours waits for them to start.
    const wait = urgency === 'low' && team.workingHours ? nextWorkingStart(team.workingHours, now) : now;
    if (wait !== null && wait > now) {
      await tx.update(incidents).set({ deferredUntil: wait, nextEscalationAt: wait }).where(eq(incidents.id, incident.id));
      await recordEvent(tx, incident.id, now, 'deferred', null, { until: wait, reason: 'low urgency outside working hours' });
      return { incidentId: incident.id, outcome: 'opened' };
    }
    batch.paging ??= await loadPagingContext(this.db, now, this.paging);
    await pageLevel(tx, incident, { level: 0, loop: 0 }, now, { type: 'new_incident' }, batch.paging);
    if (service.incidentChannels === 'all' || (service.incidentChannels === 'high' && urgency === 'high'))
      await enqueueIncidentChannel(tx, incident.id, now);
    return { incidentId: incident.id, outcome: 'opened' };
  }

  private async update(
    tx: Tx,
    incident: Pick<Incident, 'id'>,
    group: NormalizedGroup,
    now: number,
    batch: BatchState,
  ): Promise<Omit<IngestResult, 'payloadId'>> {
    const statements = statementsOf(tx);
    const changed = await this.upsertAlerts(tx, incident.id, group, now);
    if (!changed) return { incidentId: incident.id, outcome: 'unchanged' };
    // An alert of this payload that fires is stored firing: only a payload of resolved alerts can end the incident.
    const firing = group.alerts.some((a) => a.status === 'firing') || (await statements.firingAlert.get({ incidentId: incident.id }));
    if (!firing) {
      await tx
        .update(incidents)
        .set({ status: 'resolved', resolvedAt: now, resolvedBy: null, nextEscalationAt: null, updatedAt: now })
        .where(eq(incidents.id, incident.id));
      await recordEvent(tx, incident.id, now, 'resolved', group.source, { reason: 'every alert of the group resolved' });
      await enqueueRefresh(tx, incident.id, now);
      await enqueuePageListRefreshes(tx, incident.id, now);
      await enqueueIncidentWebhooks(
        tx,
        { id: incident.id, serviceId: (await statements.serviceOf.get({ id: incident.id }))!.serviceId },
        'resolved',
        now,
      );
      await enqueueChannelWrapUp(tx, incident.id, now);
      return { incidentId: incident.id, outcome: 'resolved' };
    }
    // A re-send of the same group pages nobody again; a changed alert set is worth a (throttled) refresh.
    const refresh = await enqueueRefresh(tx, incident.id, now, { minIntervalMs: ALERT_REFRESH_INTERVAL_MS });
    if (refresh === 'now') batch.wake = true;
    // A timeline entry when the change is queued for the cards, not one per payload: changes that join a refresh
    // already queued are shown by it. In a storm the timeline would otherwise hold thousands of these in a row,
    // each a write on the path that answers the sender.
    if (refresh !== 'joined') await recordEvent(tx, incident.id, now, 'alerts_updated', group.source, { alerts: group.alerts.length });
    return { incidentId: incident.id, outcome: 'updated' };
  }

  /** Returns whether any alert was added or changed status. */
  private async upsertAlerts(tx: Tx, incidentId: number, group: NormalizedGroup, now: number): Promise<boolean> {
    const statements = statementsOf(tx);
    let changed = false;
    for (const alert of group.alerts) {
      const existing = await statements.alertByFingerprint.get({ incidentId, fingerprint: alert.fingerprint });
      const annotationsJson = JSON.stringify(alert.annotations);
      // Alertmanager re-sends the whole group every interval; an alert that did not change is not rewritten.
      // (Its labels cannot differ: the fingerprint is a hash of them.)
      if (existing && existing.status === alert.status && existing.endsAt === alert.endsAt && existing.annotationsJson === annotationsJson)
        continue;
      if (!existing) {
        await statements.insertAlert.run({
          status: alert.status,
          labelsJson: JSON.stringify(alert.labels),
          annotationsJson,
          endsAt: alert.endsAt,
          now,
          incidentId,
          fingerprint: alert.fingerprint,
          startsAt: alert.startsAt,
          sourceUrl: alert.sourceUrl,
        });
        changed = true;
      } else {
        await statements.updateAlert.run({
          status: alert.status,
          labelsJson: JSON.stringify(alert.labels),
          annotationsJson,
          endsAt: alert.endsAt,
          now,
          id: existing.id,
        });
        changed ||= existing.status !== alert.status;
      }
    }
    return changed;
  }
}

async function readOpeningService(tx: Tx, serviceId: string): Promise<OpeningService | undefined> {
  const found = await findServiceWithTeam(tx, serviceId);
  const [policy] = found
    ? await tx.select().from(escalationPolicies).where(eq(escalationPolicies.id, found.service.escalationPolicyId)).limit(1)
    : [];
  return found && policy ? { ...found, policy } : undefined;
}
