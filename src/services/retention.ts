import type { DB } from '../db/client.js';
import { statementsOf } from '../db/statements.js';
import { DAY } from '../domain/time-units.js';

/** Rows deleted per table per pass: small enough that a pass never holds up ingest for long. */
const BATCH = 500;

export interface PruneCounts {
  rawPayloads: number;
  alerts: number;
  outbox: number;
}

/**
 * Forgets what is only kept for a while: the raw bodies senders posted, the alerts of incidents resolved
 * long ago and messages long sent. Incidents, their timelines and the audit log are kept (statistics and
 * postmortems read them). Nothing of an incident still open is touched. Run by the loop, a batch at a time.
 */
export class RetentionService {
  constructor(
    private readonly db: DB,
    /** Days to keep; 0 keeps everything. */
    private readonly days: number,
  ) {}

  /** One batch per table, each committed on its own; returns how many rows went. */
  async prune(now: number): Promise<PruneCounts> {
    if (this.days <= 0) return { rawPayloads: 0, alerts: 0, outbox: 0 };
    const cutoff = now - this.days * DAY;
    return this.db.query(async (q) => {
      const statements = statementsOf(q);
      return {
        rawPayloads: (await statements.pruneRawPayloads.run({ cutoff, limit: BATCH })).changes,
        alerts: (await statements.pruneAlerts.run({ cutoff, limit: BATCH })).changes,
        outbox: (await statements.pruneOutbox.run({ cutoff, limit: BATCH })).changes,
      };
    });
  }
}
