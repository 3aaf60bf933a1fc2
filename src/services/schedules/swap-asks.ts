import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { swapRequests } from '../../db/schema.js';
import { isPending } from '../outbox.js';
import { findSwap, rotationNameOf, zoneOf, type SwapRequest } from './shared.js';

/** A swap request as its DM to the teammate shows it: the rotation's name, in the teammate's zone. */
export function swapRequestForMessage(db: DB, id: number): Promise<{ swap: SwapRequest; rotationName: string; zone: string } | undefined> {
  return db.query(async (q) => {
    const swap = await findSwap(q, id);
    if (!swap) return undefined;
    return { swap, rotationName: await rotationNameOf(q, swap.rotationId), zone: await zoneOf(q, swap.teammateId) };
  });
}

/** Where the ask was posted, so it can be updated when the request is withdrawn or the swap cancelled. */
export async function recordSwapAskPost(db: DB, id: number, posted: { channel: string; ts: string }): Promise<void> {
  await db.query(async (q) => {
    await q.update(swapRequests).set({ askChannel: posted.channel, askTs: posted.ts }).where(eq(swapRequests.id, id));
  });
}

/** The dedupe key of a swap request's ask DM (swaps.ts queues it): whether it is still on its way. */
export const swapAskKey = (swapId: number) => `swap:${swapId}:ask`;

/** Whether the ask DM of the swap request is still to be sent (queued, or being sent). */
export function swapAskPending(db: DB, swapId: number): Promise<boolean> {
  return isPending(db, swapAskKey(swapId));
}
