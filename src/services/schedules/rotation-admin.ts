import { eq } from 'drizzle-orm';
import { knownUserIds, loadActor } from '../admin/people.js';
import { shiftSchema } from '../../config/schema.js';
import type { DB } from '../../db/client.js';
import { rotationParticipants, rotations, teams } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { InvalidInput, PermissionDenied, throwIfAny, type FieldErrors } from '../../domain/errors.js';
import { requireAdmin, requireAdminForForm, type Actor } from '../../domain/permissions.js';
import { isValidTimeZone, parseHHMM, parseISODate } from '../../domain/zoned-time.js';
import { writeAudit } from '../admin/audit.js';
import { freeSlug } from '../slugs.js';
import { catalogChanged } from '../catalog-version.js';
import { loadRotations, rotationsChanged, type StoredRotation } from '../directory.js';

export interface RotationInput {
  name: string | null;
  teamId: string | null;
  participants: string[];
  timeZone: string | null;
  shift: string | null;
  handoffTime: string | null;
  startDate: string | null;
}

const EDIT = 'create or edit rotations';

/** Creating and editing rotations from Slack. Rotations from the config file are read-only here. */
export class RotationAdminService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly configPath: string | null,
  ) {}

  /** Why a rotation cannot be edited in Slack, or null when it can. */
  readOnlyReason(rotation: StoredRotation): string | null {
    if (rotation.source !== 'config') return null;
    return `*${rotation.name}* is declared in the config file${this.configPath ? ` (\`${this.configPath}\`)` : ''}; change it there and restart Baton, so the file stays the source of truth.`;
  }

  async find(rotationId: string): Promise<StoredRotation | undefined> {
    return (await loadRotations(this.db)).get(rotationId);
  }

  /** Before the rotation form opens: admins only (PermissionDenied for anyone else). */
  async requireEditor(actorId: string): Promise<Actor> {
    return requireAdminForForm(await this.db.query((q) => loadActor(q, actorId)), EDIT);
  }

  async save(actorId: string, input: RotationInput, rotationId?: string): Promise<{ rotationId: string; created: boolean }> {
    const { actor, existing, shift, now, id } = await this.db.query(async (q) => {
      const actor = requireAdmin(await loadActor(q, actorId), EDIT);
      const existing = rotationId ? await this.find(rotationId) : undefined;
      if (rotationId && !existing) throw new InvalidInput({ name: 'That rotation no longer exists.' });
      if (existing) {
        const reason = this.readOnlyReason(existing);
        if (reason) throw new PermissionDenied(reason);
      }
      const errors: FieldErrors = {};
      if (!input.name) errors.name = 'Give the rotation a name.';
      if (!input.teamId || (await q.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId)).limit(1)).length === 0)
        errors.team = 'Pick a team.';
      if (input.participants.length === 0) errors.participants = 'A rotation needs at least one participant.';
      else {
        const known = await knownUserIds(q);
        const unknown = input.participants.filter((p) => !known.has(p));
        if (unknown.length > 0)
          // A modal's error is plain text (no mentions): the IDs are shown as they are, to add under users.
          errors.participants = `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not Baton users yet; add them under users in the config file.`;
      }
      if (!input.timeZone || !isValidTimeZone(input.timeZone)) errors.time_zone = 'Expected an IANA time zone such as Europe/Berlin.';
      const shift = shiftSchema.safeParse(input.shift ?? '');
      if (!shift.success) errors.shift = 'Expected a shift length such as 12h, 1d or 1w.';
      if (!input.handoffTime || !safe(() => parseHHMM(input.handoffTime!))) errors.handoff_time = 'Pick a handoff time.';
      if (!input.startDate || !safe(() => parseISODate(input.startDate!))) errors.start_date = 'Pick the date of the first shift.';
      throwIfAny(errors);

      const now = this.clock.nowMs();
      const id =
        existing?.id ?? freeSlug(input.name!, 'rotation', new Set((await q.select({ id: rotations.id }).from(rotations)).map((r) => r.id)));
      return { actor, existing, shift, now, id };
    });
    const row = {
      id,
      name: input.name!,
      teamId: input.teamId!,
      timeZone: input.timeZone!,
      shiftLength: shift.data!.length,
      shiftUnit: shift.data!.unit,
      handoffTime: input.handoffTime!,
      startDate: input.startDate!,
      restrictions: existing?.restrictions ?? null,
      layers: existing?.layers?.length ? existing.layers : null,
      slackUserGroup: existing?.slackUserGroup ?? null,
      dailyDigestTime: existing?.dailyDigestTime ?? null,
      source: 'slack' as const,
      updatedAt: now,
    };
    await this.db.transaction(async (tx) => {
      if (existing) await tx.update(rotations).set(row).where(eq(rotations.id, id));
      else await tx.insert(rotations).values(row);
      await tx.delete(rotationParticipants).where(eq(rotationParticipants.rotationId, id));
      await tx.insert(rotationParticipants).values(input.participants.map((userId, position) => ({ rotationId: id, position, userId })));
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: existing ? 'rotation.update' : 'rotation.create',
        target: `rotation:${id}`,
        before: existing ?? null,
        after: { ...row, participants: input.participants },
      });
      await catalogChanged(tx);
    });
    await rotationsChanged(this.db);
    return { rotationId: id, created: !existing };
  }
}

function safe(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
