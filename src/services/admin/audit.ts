import { desc, eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';
import { NOT_A_USER_FOR_AUDIT, requireKnown } from '../../domain/permissions.js';
import { loadActor } from './people.js';

/** Writes one audit entry; call it inside the transaction that makes the change. */
export async function writeAudit(
  tx: Tx,
  entry: { at: number; actor: string; action: string; target: string; before?: unknown; after?: unknown },
): Promise<void> {
  await tx.insert(auditLog).values({
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}

/** How many entries `/oncall audit` shows. */
const RECENT = 20;

/** Reading the audit log: for people Baton knows. */
export class AuditService {
  constructor(private readonly db: DB) {}

  /** The latest entries, newest first: of one rotation, or of everything. PermissionDenied for strangers. */
  recent(actorId: string, rotationId: string | null) {
    return this.db.query(async (q) => {
      requireKnown(await loadActor(q, actorId), NOT_A_USER_FOR_AUDIT);
      return await q
        .select()
        .from(auditLog)
        .where(rotationId ? eq(auditLog.target, `rotation:${rotationId}`) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(RECENT);
    });
  }
}
