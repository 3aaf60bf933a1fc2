import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { coverRequests } from '../../db/schema.js';
import { rotationNameOf } from './shared.js';

export type CoverRequestRow = typeof coverRequests.$inferSelect;

/** A cover request and its rotation's name, as its message shows them; undefined once it is gone. */
export function coverRequestForMessage(db: DB, id: number): Promise<{ row: CoverRequestRow; rotationName: string } | undefined> {
  return db.query(async (q) => {
    const [row] = await q.select().from(coverRequests).where(eq(coverRequests.id, id)).limit(1);
    if (!row) return undefined;
    return { row, rotationName: await rotationNameOf(q, row.rotationId) };
  });
}

/** Where the cover request was posted, so its message can be updated and replied to in its thread. */
export async function recordCoverRequestPost(db: DB, id: number, posted: { channel: string; ts: string }): Promise<void> {
  await db.query(async (q) => {
    await q.update(coverRequests).set({ channel: posted.channel, ts: posted.ts }).where(eq(coverRequests.id, id));
  });
}
