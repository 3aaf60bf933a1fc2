import type { DB } from '../../db/client.js';
import type { integrationKeys } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { NormalizedGroup } from '../../domain/alertmanager.js';
import type { Clock } from '../../domain/clock.js';
import type { EscalationPolicySnapshot } from '../../domain/escalation.js';
import { matchesHash, sameDigest, sha256Hex } from '../../security/hash.js';
import { AlertGroupApplier, newBatchState, type GroupPayload } from './alert-groups.js';
import type { PagingSettings } from './paging.js';

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

interface Pending extends GroupPayload {
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

export class IngestService {
  /**
   * Payloads waiting, in lanes by alert group: each lane commits its batches one after another, so one group's
   * payloads are applied in order. SQLite has one connection and one lane; on PostgreSQL each round trip
   * waits on the network, so several lanes commit side by side on connections of their own.
   */
  private readonly lanes: { queue: Pending[]; scheduled: boolean }[];
  /** Keys by digest, read through for KEY_CACHE_MS: every request of a sender presents the same key. */
  private readonly keyCache = new Map<string, { key: IntegrationKey | undefined; at: number }>();
  private readonly applier: AlertGroupApplier;

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    /** Wakes the outbox dispatcher once a transaction that queued messages has committed. */
    private readonly wakeOutbox: () => void,
    paging: PagingSettings,
    /** Told of every stored payload's source and outcome (for metrics). */
    private readonly onIngested: (source: string, outcome: string) => void = () => {},
  ) {
    this.applier = new AlertGroupApplier(db, paging);
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
   * Stores the raw payload and its effect (alert-groups.ts), then resolves. Payloads arriving together are
   * committed in one transaction (group commit; a savepoint each only when one of them fails): the promise
   * resolves only after the commit, and rejects if storing failed, so the route can answer 5xx and the sender
   * retries.
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
        for (const item of batch) results.push(await this.applier.apply(tx, item, now, state));
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
          outcomes.push({ ok: true, result: await this.db.transaction((tx) => this.applier.apply(tx, item, now, state)) });
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
}
