import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { coverRequests, rotations } from '../../db/schema.js';

export type CoverRequestRow = typeof coverRequests.$inferSelect;

/** A cover request and its rotation's name, as its message shows them; undefined once it is gone. */
export function coverRequestForMessage(db: DB, id: number): { row: CoverRequestRow; rotationName: string } | undefined {
  const row = db.select().from(coverRequests).where(eq(coverRequests.id, id)).get();
  if (!row) return undefined;
  const rotationName =
    db.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, row.rotationId)).get()?.name ?? row.rotationId;
  return { row, rotationName };
}

/** Where the cover request was posted, so its message can be updated and replied to in its thread. */
export function recordCoverRequestPost(db: DB, id: number, posted: { channel: string; ts: string }): void {
  db.update(coverRequests).set({ channel: posted.channel, ts: posted.ts }).where(eq(coverRequests.id, id)).run();
}
