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

/** Every rotation with its participants in order, as the pure schedule engine wants them. Treat as read-only. */
export function loadRotations(db: DB): ReadonlyMap<string, StoredRotation> {
  const generation = generations.get(db) ?? 0;
  const hit = cached.get(db);
  if (hit && hit.generation === generation) return hit.rotations;
  const rotations = readRotations(db);
  cached.set(db, { generation, rotations });
  return rotations;
}

function readRotations(db: DB): Map<string, StoredRotation> {
  const out = new Map<string, StoredRotation>();
  for (const row of statementsOf(db).rotationsWithParticipants.all()) {
    out.set(row.id, {
      ...row,
      participants: row.participants ? row.participants.split(',') : [],
      restrictions: row.restrictions ? (JSON.parse(row.restrictions) as Restriction[]) : null,
      layers: row.layers ? (JSON.parse(row.layers) as Layer[]) : [],
    });
  }
  return out;
}

export function findUser(db: Tx, id: string) {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function findServiceWithTeam(db: Tx, serviceId: string) {
  return db
    .select({ service: services, team: teams })
    .from(services)
    .innerJoin(teams, eq(teams.id, services.teamId))
    .where(eq(services.id, serviceId))
    .get();
}
