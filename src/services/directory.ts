import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { services, teams, users } from '../db/schema.js';
import { statementsOf } from '../db/statements.js';
import type { StoredRotation } from '../domain/read-models.js';
import type { Layer, Restriction } from '../domain/rotation.js';

export type { StoredRotation };

// Every page and every who-is-on-call reads all rotations, which change only through config apply and the
// rotation modal in this process: those call rotationsChanged, and reads in between share one copy.
const generations = new WeakMap<DB, number>();
const cached = new WeakMap<DB, { generation: number; rotations: ReadonlyMap<string, StoredRotation> }>();

export function rotationsChanged(db: DB): void {
  generations.set(db, (generations.get(db) ?? 0) + 1);
}

/**
 * Every rotation with its participants in order, as the pure schedule engine wants them. Treat as read-only.
 * Takes the database, not a unit's handle, since the copy is kept per database; called inside a unit, the
 * read joins it.
 */
export async function loadRotations(db: DB): Promise<ReadonlyMap<string, StoredRotation>> {
  const generation = generations.get(db) ?? 0;
  const hit = cached.get(db);
  if (hit && hit.generation === generation) return hit.rotations;
  // Kept under the generation read before the rotations: a change made while they are read is read next time.
  const rotations = await db.query(readRotations);
  cached.set(db, { generation, rotations });
  return rotations;
}

async function readRotations(q: Tx): Promise<Map<string, StoredRotation>> {
  const out = new Map<string, StoredRotation>();
  for (const row of await statementsOf(q).rotationsWithParticipants.all()) {
    out.set(row.id, {
      ...row,
      participants: row.participants ? row.participants.split(',') : [],
      restrictions: row.restrictions ? (JSON.parse(row.restrictions) as Restriction[]) : null,
      layers: row.layers ? (JSON.parse(row.layers) as Layer[]) : [],
    });
  }
  return out;
}

export async function findUser(db: Tx, id: string) {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1))[0];
}

export async function findServiceWithTeam(db: Tx, serviceId: string) {
  return (
    await db
      .select({ service: services, team: teams })
      .from(services)
      .innerJoin(teams, eq(teams.id, services.teamId))
      .where(eq(services.id, serviceId))
      .limit(1)
  )[0];
}
