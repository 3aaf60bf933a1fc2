/**
 * Reads the schedule services share. Each runs on the handle of the caller's unit, so also inside a transaction.
 */

import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { overrides, rotations, swapRequests, teams, users } from '../../db/schema.js';

export type SwapRequest = typeof swapRequests.$inferSelect;

/** A person's zone from the config file, UTC when Baton does not list them. */
export async function zoneOf(q: Tx, userId: string): Promise<string> {
  return (await q.select({ tz: users.timeZone }).from(users).where(eq(users.id, userId)).limit(1))[0]?.tz ?? 'UTC';
}

/** A person's name for plain-text refusals (form field errors); their user id when Baton does not list them. */
export async function nameOf(q: Tx, userId: string): Promise<string> {
  return (await q.select({ name: users.name }).from(users).where(eq(users.id, userId)).limit(1))[0]?.name ?? userId;
}

/** A rotation's name for messages about it; its id when it is gone. */
export async function rotationNameOf(q: Tx, rotationId: string): Promise<string> {
  return (await q.select({ name: rotations.name }).from(rotations).where(eq(rotations.id, rotationId)).limit(1))[0]?.name ?? rotationId;
}

export async function teamChannel(q: Tx, teamId: string): Promise<string | null> {
  return (await q.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, teamId)).limit(1))[0]?.channel ?? null;
}

export async function findSwap(q: Tx, swapId: number): Promise<SwapRequest | undefined> {
  return (await q.select().from(swapRequests).where(eq(swapRequests.id, swapId)).limit(1))[0];
}

/** The overrides an accepted swap made, cancelled or not. */
export async function swapHalves(q: Tx, swapId: number) {
  return q
    .select()
    .from(overrides)
    .where(and(eq(overrides.kind, 'swap'), eq(overrides.reason, swapReason(swapId))))
    .orderBy(asc(overrides.startAt));
}

/** The reason a swap's overrides carry: Baton writes it, and it is what ties the two halves to their swap. */
export function swapReason(swapId: number): string {
  return `swap #${swapId}`;
}

export function swapIdOf(reason: string | null): number | null {
  const match = /^swap #(\d+)$/.exec(reason ?? '');
  return match ? Number(match[1]) : null;
}
