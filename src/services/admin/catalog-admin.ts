import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { escalationPolicies, services, teams } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { DEFAULT_LEVEL_DELAY_MINUTES, type EscalationLevel, type EscalationTarget } from '../../domain/escalation.js';
import type { CatalogCopy } from '../../domain/notices.js';
import { InvalidInput, PermissionDenied, throwIfAny, type FieldErrors } from '../../domain/errors.js';
import { requireAdmin, requireAdminForForm, type Actor } from '../../domain/permissions.js';
import { knownUserIds, loadActor } from './people.js';
import { writeAudit } from './audit.js';
import { loadRotations } from '../directory.js';
import { freeSlug } from '../slugs.js';

/** How many levels the Slack form offers; longer policies belong in the config file. */
export const FORM_LEVELS = 3;

export interface PolicyLevelInput {
  users: string[];
  rotations: string[];
  delayMinutes: number | null;
}

export interface PolicyInput {
  name: string | null;
  repeat: number | null;
  levels: PolicyLevelInput[];
}

export interface ServiceInput {
  name: string | null;
  teamId: string | null;
  policyId: string | null;
  incidentChannels: string | null;
}

type PolicyRow = typeof escalationPolicies.$inferSelect;
type ServiceRow = typeof services.$inferSelect;

/** A row as pickers list it. */
export interface CatalogChoice {
  id: string;
  name: string;
}

const KINDS = {
  policy: { one: 'escalation policy', many: 'escalation policies' },
  service: { one: 'service', many: 'services' },
} as const;

async function policyRow(q: Tx, id: string): Promise<PolicyRow | undefined> {
  return (await q.select().from(escalationPolicies).where(eq(escalationPolicies.id, id)).limit(1))[0];
}

async function serviceRow(q: Tx, id: string): Promise<ServiceRow | undefined> {
  return (await q.select().from(services).where(eq(services.id, id)).limit(1))[0];
}

/**
 * Escalation policies and services made by admins in Slack. Those from the config file are read-only here,
 * like rotations, so the file stays the source of truth for what it declares.
 */
export class CatalogAdminService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly configPath: string | null,
    /** The form answers that name people: Slack copy, handed in by the composition root. */
    private readonly copy: CatalogCopy,
  ) {}

  private readOnly(kind: string, row: { name: string; source: string }): string | null {
    if (row.source !== 'config') return null;
    return `*${row.name}* is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} declared in the config file${this.configPath ? ` (\`${this.configPath}\`)` : ''}; change it there and restart Baton, so the file stays the source of truth.`;
  }

  /** Every team, for pickers. */
  teams(): Promise<CatalogChoice[]> {
    return this.db.query(async (q) => await q.select({ id: teams.id, name: teams.name }).from(teams));
  }

  /** Every service, for pickers. */
  services(): Promise<CatalogChoice[]> {
    return this.db.query(async (q) => await q.select({ id: services.id, name: services.name }).from(services));
  }

  /** Every escalation policy, for pickers. */
  policies(): Promise<CatalogChoice[]> {
    return this.db.query(
      async (q) => await q.select({ id: escalationPolicies.id, name: escalationPolicies.name }).from(escalationPolicies),
    );
  }

  /** Before the policy or service form opens: admins only (PermissionDenied for anyone else). */
  async requireEditor(actorId: string, kind: keyof typeof KINDS): Promise<Actor> {
    return requireAdminForForm(await this.db.query((q) => loadActor(q, actorId)), `create or edit ${KINDS[kind].many}`);
  }

  policy(id: string): Promise<PolicyRow | undefined> {
    return this.db.query((q) => policyRow(q, id));
  }

  service(id: string): Promise<ServiceRow | undefined> {
    return this.db.query((q) => serviceRow(q, id));
  }

  /** A service with the names of its team and policy: what an admin is told after saving it. */
  serviceSummary(
    id: string,
  ): Promise<
    { id: string; name: string; teamName: string; policyName: string; incidentChannels: ServiceRow['incidentChannels'] } | undefined
  > {
    return this.db.query(async (q) => {
      const row = await serviceRow(q, id);
      if (!row) return undefined;
      const [team] = await q.select({ name: teams.name }).from(teams).where(eq(teams.id, row.teamId)).limit(1);
      const teamName = team?.name ?? row.teamId;
      const policyName = (await policyRow(q, row.escalationPolicyId))?.name ?? row.escalationPolicyId;
      return { id: row.id, name: row.name, teamName, policyName, incidentChannels: row.incidentChannels };
    });
  }

  policyReadOnlyReason(row: PolicyRow): string | null {
    return this.readOnly('escalation policy', row);
  }

  serviceReadOnlyReason(row: ServiceRow): string | null {
    return this.readOnly('service', row);
  }

  /** What the policy form shows for a stored policy: its levels as rotations, people and a wait. */
  policyFormValues(row: PolicyRow): {
    name: string;
    repeat: number;
    levels: { rotations: string[]; users: string[]; delayMinutes: number }[];
  } {
    return {
      name: row.name,
      repeat: row.repeat,
      levels: row.levels.map((l) => ({
        rotations: l.targets.flatMap((t) => (t.kind === 'rotation' ? [t.rotationId] : [])),
        users: l.targets.flatMap((t) => (t.kind === 'user' ? [t.userId] : [])),
        delayMinutes: l.delayMinutes,
      })),
    };
  }

  /**
   * Who may save, and the row being edited: an admin, and (when editing) a row that still exists and was
   * made in Slack.
   */
  private async editable<Row extends { name: string; source: string }>(
    q: Tx,
    actorId: string,
    kind: (typeof KINDS)[keyof typeof KINDS],
    id: string | undefined,
    find: (q: Tx, id: string) => Promise<Row | undefined>,
  ) {
    const actor = requireAdmin(await loadActor(q, actorId), `create or edit ${kind.many}`);
    const existing = id ? await find(q, id) : undefined;
    if (id && !existing) throw new InvalidInput({ name: `That ${kind.one} no longer exists.` });
    const readOnly = existing && this.readOnly(kind.one, existing);
    if (readOnly) throw new PermissionDenied(readOnly);
    return { actor, existing };
  }

  async savePolicy(actorId: string, input: PolicyInput, policyId?: string): Promise<{ policyId: string; created: boolean }> {
    const { actor, existing, known, takenIds } = await this.db.query(async (q) => {
      const { actor, existing } = await this.editable(q, actorId, KINDS.policy, policyId, policyRow);
      const known = await knownUserIds(q);
      const takenIds = (await q.select({ id: escalationPolicies.id }).from(escalationPolicies)).map((p) => p.id);
      return { actor, existing, known, takenIds };
    });

    const errors: FieldErrors = {};
    if (!input.name?.trim()) errors.name = 'Give the policy a name.';
    if (input.repeat !== null && (!Number.isInteger(input.repeat) || input.repeat < 0 || input.repeat > 10))
      errors.repeat = 'Repeat 0 to 10 times.';
    const rotations = await loadRotations(this.db);
    const levels: EscalationLevel[] = [];
    input.levels.forEach((level, i) => {
      const n = i + 1;
      if (level.users.length === 0 && level.rotations.length === 0) return;
      const unknown = level.users.filter((u) => !known.has(u));
      if (unknown.length > 0) errors[`level${n}_users`] = this.copy.notBatonUsers(unknown);
      const missing = level.rotations.filter((r) => !rotations.has(r));
      if (missing.length > 0) errors[`level${n}_rotations`] = `No rotation ${missing.map((r) => `\`${r}\``).join(', ')}.`;
      const delay = level.delayMinutes ?? DEFAULT_LEVEL_DELAY_MINUTES;
      if (!Number.isInteger(delay) || delay < 1 || delay > 24 * 60)
        errors[`level${n}_delay`] = 'Wait 1 to 1440 minutes before the next level.';
      const targets: EscalationTarget[] = [
        ...level.rotations.map((rotationId): EscalationTarget => ({ kind: 'rotation', rotationId, role: 'primary' })),
        ...level.users.map((userId): EscalationTarget => ({ kind: 'user', userId })),
      ];
      levels.push({ delayMinutes: delay, targets });
    });
    if (levels.length === 0 && !errors.level1_users) errors.level1_rotations = 'Level 1 needs at least one rotation or person to page.';
    throwIfAny(errors);

    const now = this.clock.nowMs();
    const taken = new Set(takenIds);
    const id = existing?.id ?? freeSlug(input.name!, 'policy', taken);
    const row = { id, name: input.name!.trim(), repeat: input.repeat ?? 0, levels, source: 'slack' as const, updatedAt: now };
    await this.db.transaction(async (tx) => {
      if (existing) await tx.update(escalationPolicies).set(row).where(eq(escalationPolicies.id, id));
      else await tx.insert(escalationPolicies).values(row);
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: existing ? 'escalation_policy.update' : 'escalation_policy.create',
        target: `escalation_policy:${id}`,
        before: existing ?? null,
        after: row,
      });
    });
    return { policyId: id, created: !existing };
  }

  async saveService(actorId: string, input: ServiceInput, serviceId?: string): Promise<{ serviceId: string; created: boolean }> {
    const { actor, existing, teamFound, policyFound, takenIds } = await this.db.query(async (q) => {
      const { actor, existing } = await this.editable(q, actorId, KINDS.service, serviceId, serviceRow);
      const teamFound =
        !!input.teamId && (await q.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId)).limit(1)).length > 0;
      const policyFound = !!input.policyId && !!(await policyRow(q, input.policyId));
      const takenIds = (await q.select({ id: services.id }).from(services)).map((s) => s.id);
      return { actor, existing, teamFound, policyFound, takenIds };
    });

    const errors: FieldErrors = {};
    if (!input.name?.trim()) errors.name = 'Give the service a name.';
    if (!teamFound) errors.team = 'Pick a team.';
    if (!policyFound) errors.policy = 'Pick an escalation policy.';
    const channels = input.incidentChannels ?? 'high';
    if (!['high', 'all', 'none'].includes(channels)) errors.incident_channels = 'Pick high, all or none.';
    throwIfAny(errors);

    const now = this.clock.nowMs();
    const taken = new Set(takenIds);
    const id = existing?.id ?? freeSlug(input.name!, 'service', taken);
    const row = {
      id,
      name: input.name!.trim(),
      teamId: input.teamId!,
      escalationPolicyId: input.policyId!,
      incidentChannels: channels as 'high' | 'all' | 'none',
      routing: existing?.routing ?? null,
      recurringMaintenance: existing?.recurringMaintenance ?? null,
      channelArchiveAfterHours: existing?.channelArchiveAfterHours ?? 24,
      source: 'slack' as const,
      updatedAt: now,
    };
    await this.db.transaction(async (tx) => {
      if (existing) await tx.update(services).set(row).where(eq(services.id, id));
      else await tx.insert(services).values(row);
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: existing ? 'service.update' : 'service.create',
        target: `service:${id}`,
        before: existing ?? null,
        after: row,
      });
    });
    return { serviceId: id, created: !existing };
  }
}
