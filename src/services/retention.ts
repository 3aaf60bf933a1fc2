import type { DB } from '../db/client.js';

/** Rows deleted per table per pass: small enough that a pass never holds up ingest for long. */
const BATCH = 500;
const DAY_MS = 86_400_000;

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
  private readonly statements;

  constructor(
    db: DB,
    /** Days to keep; 0 keeps everything. */
    private readonly days: number,
  ) {
    const sqlite = db.$client;
    this.statements = {
      rawPayloads: sqlite.prepare(
        `delete from raw_payloads where id in (
           select r.id from raw_payloads r left join incidents i on i.id = r.incident_id
           where r.received_at < @cutoff and (r.incident_id is null or i.status = 'resolved') order by r.received_at limit ${BATCH})`,
      ),
      alerts: sqlite.prepare(
        `delete from alerts where id in (
           select a.id from alerts a join incidents i on i.id = a.incident_id
           where i.status = 'resolved' and i.resolved_at < @cutoff limit ${BATCH})`,
      ),
      outbox: sqlite.prepare(
        `delete from outbox where id in (
           select o.id from outbox o left join incidents i on i.id = o.incident_id
           where o.status in ('sent', 'skipped', 'failed') and o.created_at < @cutoff
             and (o.incident_id is null or i.status = 'resolved') order by o.created_at limit ${BATCH})`,
      ),
    };
  }

  /** One batch per table; returns how many rows went. */
  prune(now: number): PruneCounts {
    if (this.days <= 0) return { rawPayloads: 0, alerts: 0, outbox: 0 };
    const cutoff = now - this.days * DAY_MS;
    return {
      rawPayloads: this.statements.rawPayloads.run({ cutoff }).changes,
      alerts: this.statements.alerts.run({ cutoff }).changes,
      outbox: this.statements.outbox.run({ cutoff }).changes,
    };
  }
}
