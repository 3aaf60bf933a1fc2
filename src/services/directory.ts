import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { services, teams, users } from '../db/schema.js';
import { statementsOf } from './statements.js';
import type { Layer, Restriction, Rotation } from '../domain/rotation.js';

type Reader = DB | Tx;

export type StoredRotation = Rotation & { teamId: string; slackUserGroup: string | null; source: 'config' | 'slack' };

/** Every rotation with its participants in order, as the pure schedule engine wants them. */
export function loadRotations(db: DB): Map<string, StoredRotation> {
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

export function findUser(db: Reader, id: string) {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function findServiceWithTeam(db: Reader, serviceId: string) {
  return db
    .select({ service: services, team: teams })
    .from(services)
    .innerJoin(teams, eq(teams.id, services.teamId))
    .where(eq(services.id, serviceId))
    .get();
}
