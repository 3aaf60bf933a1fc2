import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { requireKnown, type Actor } from '../../domain/permissions.js';
import { adminGroupMembers } from './admins.js';
import { findUser } from '../directory.js';

/**
 * Who is acting, and with what role: an admin when the config file says `role: admin` or they are in the
 * admin user group; a member when the config file lists them; null when Baton does not know them. A
 * group member Baton does not otherwise know is an admin (they administer; they need not be on call).
 */
export async function loadActor(db: Tx, userId: string): Promise<Actor | null> {
  const [row] = await db.select({ id: users.id, role: users.role }).from(users).where(eq(users.id, userId)).limit(1);
  if ((await adminGroupMembers(db)).has(userId)) return { id: userId, role: 'admin' };
  return row ?? null;
}

/** Everyone Baton knows (the config file's users): forms check the people picked in them against it. */
export async function knownUserIds(db: Tx): Promise<Set<string>> {
  return new Set((await db.select({ id: users.id }).from(users)).map((u) => u.id));
}

/** Who someone is, as Baton knows them: their role, time zone and name. */
export class PeopleService {
  constructor(private readonly db: DB) {}

  /** The person acting and their role; null when Baton does not know them. */
  actor(userId: string): Promise<Actor | null> {
    return this.db.query((q) => loadActor(q, userId));
  }

  /** The person acting, or PermissionDenied when Baton does not know them (before a form only users may fill in). */
  async requireKnown(userId: string): Promise<Actor> {
    return requireKnown(await this.actor(userId));
  }

  /** Their IANA zone from the config file; null when Baton does not list them. */
  zone(userId: string): Promise<string | null> {
    return this.db.query(async (q) => (await findUser(q, userId))?.timeZone ?? null);
  }

  /** Their name from the config file; null when Baton does not list them. */
  name(userId: string): Promise<string | null> {
    return this.db.query(async (q) => (await findUser(q, userId))?.name ?? null);
  }
}
