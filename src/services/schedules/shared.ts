/**
 * Reads the schedule services share. Each runs on the one connection, so also inside a transaction.
 */

import { and, asc, eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { overrides, swapRequests, teams, users } from '../../db/schema.js';

export type SwapRequest = typeof swapRequests.$inferSelect;

/** A person's zone from the config file, UTC when Baton does not list them. */
export function zoneOf(db: DB, userId: string): string {
  return db.select({ tz: users.timeZone }).from(users).where(eq(users.id, userId)).get()?.tz ?? 'UTC';
}

/** A person's name for plain-text refusals (form field errors); their user id when Baton does not list them. */
export function nameOf(db: DB, userId: string): string {
  return db.select({ name: users.name }).from(users).where(eq(users.id, userId)).get()?.name ?? userId;
}

export function teamChannel(db: DB, teamId: string): string | null {
  return db.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, teamId)).get()?.channel ?? null;
}

export function findSwap(db: DB, swapId: number): SwapRequest | undefined {
  return db.select().from(swapRequests).where(eq(swapRequests.id, swapId)).get();
}

/** The overrides an accepted swap made, cancelled or not. */
export function swapHalves(db: DB, swapId: number) {
  return db
    .select()
    .from(overrides)
    .where(and(eq(overrides.kind, 'swap'), eq(overrides.reason, swapReason(swapId))))
    .orderBy(asc(overrides.startAt))
    .all();
}

/** The reason a swap's overrides carry: Baton writes it, and it is what ties the two halves to their swap. */
export function swapReason(swapId: number): string {
  return `swap #${swapId}`;
}

export function swapIdOf(reason: string | null): number | null {
  const match = /^swap #(\d+)$/.exec(reason ?? '');
  return match ? Number(match[1]) : null;
}
