import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../db/client.js';
import { services, teams, users } from '../db/schema.js';
import { statementsOf } from './statements.js';
import type { Rotation } from '../domain/rotation.js';

type Reader = DB | Tx;

/** Every rotation with its participants in order, as the pure schedule engine wants them. */
export function loadRotations(db: DB): Map<string, Rotation & { teamId: string }> {
  const statements = statementsOf(db);
  const byRotation = new Map<string, string[]>();
  for (const m of statements.allParticipants.all()) {
    const list = byRotation.get(m.rotationId);
    if (list) list.push(m.userId);
    else byRotation.set(m.rotationId, [m.userId]);
  }
  const out = new Map<string, Rotation & { teamId: string }>();
  for (const r of statements.allRotations.all()) {
    out.set(r.id, {
      id: r.id,
      name: r.name,
      teamId: r.teamId,
      timeZone: r.timeZone,
      participants: byRotation.get(r.id) ?? [],
      shiftLength: r.shiftLength,
      shiftUnit: r.shiftUnit,
      handoffTime: r.handoffTime,
      startDate: r.startDate,
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
