import type { DB } from '../db/client.js';
import { auditLog } from '../db/schema.js';

type Tx = Pick<DB, 'insert'>;

/** Writes one audit entry; call it inside the transaction that makes the change. */
export function writeAudit(
  tx: Tx,
  entry: { at: number; actor: string; action: string; target: string; before?: unknown; after?: unknown },
): void {
  tx.insert(auditLog)
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })
    .run();
}
