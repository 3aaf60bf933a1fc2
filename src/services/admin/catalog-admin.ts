import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
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
  teams(): CatalogChoice[] {
    return this.db.select({ id: teams.id, name: teams.name }).from(teams).all();
  }

  /** Every service, for pickers. */
  services(): CatalogChoice[] {
    return this.db.select({ id: services.id, name: services.name }).from(services).all();
  }

  /** Every escalation policy, for pickers. */
  policies(): CatalogChoice[] {
    return this.db.select({ id: escalationPolicies.id, name: escalationPolicies.name }).from(escalationPolicies).all();
  }

  /** Before the policy or service form opens: admins only (PermissionDenied for anyone else). */
  requireEditor(actorId: string, kind: keyof typeof KINDS): Actor {
    return requireAdminForForm(loadActor(this.db, actorId), `create or edit ${KINDS[kind].many}`);
  }

  policy(id: string): PolicyRow | undefined {
    return this.db.select().from(escalationPolicies).where(eq(escalationPolicies.id, id)).get();
  }

  service(id: string): ServiceRow | undefined {
    return this.db.select().from(services).where(eq(services.id, id)).get();
  }

  /** A service with the names of its team and policy: what an admin is told after saving it. */
  serviceSummary(
    id: string,
  ): { id: string; name: string; teamName: string; policyName: string; incidentChannels: ServiceRow['incidentChannels'] } | undefined {
    const row = this.service(id);
    if (!row) return undefined;
    const teamName = this.db.select({ name: teams.name }).from(teams).where(eq(teams.id, row.teamId)).get()?.name ?? row.teamId;
    const policyName = this.policy(row.escalationPolicyId)?.name ?? row.escalationPolicyId;
    return { id: row.id, name: row.name, teamName, policyName, incidentChannels: row.incidentChannels };
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
  private editable<Row extends { name: string; source: string }>(
    actorId: string,
    kind: (typeof KINDS)[keyof typeof KINDS],
    id: string | undefined,
    find: (id: string) => Row | undefined,
  ) {
    const actor = requireAdmin(loadActor(this.db, actorId), `create or edit ${kind.many}`);
    const existing = id ? find(id) : undefined;
    if (id && !existing) throw new InvalidInput({ name: `That ${kind.one} no longer exists.` });
    const readOnly = existing && this.readOnly(kind.one, existing);
    if (readOnly) throw new PermissionDenied(readOnly);
    return { actor, existing };
  }

  savePolicy(actorId: string, input: PolicyInput, policyId?: string): { policyId: string; created: boolean } {
    const { actor, existing } = this.editable(actorId, KINDS.policy, policyId, (id) => this.policy(id));

    const errors: FieldErrors = {};
    if (!input.name?.trim()) errors.name = 'Give the policy a name.';
    if (input.repeat !== null && (!Number.isInteger(input.repeat) || input.repeat < 0 || input.repeat > 10))
      errors.repeat = 'Repeat 0 to 10 times.';
    const known = knownUserIds(this.db);
    const rotations = loadRotations(this.db);
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
    const taken = new Set(
      this.db
        .select({ id: escalationPolicies.id })
        .from(escalationPolicies)
        .all()
        .map((p) => p.id),
    );
    const id = existing?.id ?? freeSlug(input.name!, 'policy', taken);
    const row = { id, name: input.name!.trim(), repeat: input.repeat ?? 0, levels, source: 'slack' as const, updatedAt: now };
    this.db.transaction(() => {
      if (existing) this.db.update(escalationPolicies).set(row).where(eq(escalationPolicies.id, id)).run();
      else this.db.insert(escalationPolicies).values(row).run();
      writeAudit(this.db, {
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

  saveService(actorId: string, input: ServiceInput, serviceId?: string): { serviceId: string; created: boolean } {
    const { actor, existing } = this.editable(actorId, KINDS.service, serviceId, (id) => this.service(id));

    const errors: FieldErrors = {};
    if (!input.name?.trim()) errors.name = 'Give the service a name.';
    if (!input.teamId || !this.db.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId)).get())
      errors.team = 'Pick a team.';
    if (!input.policyId || !this.policy(input.policyId)) errors.policy = 'Pick an escalation policy.';
    const channels = input.incidentChannels ?? 'high';
    if (!['high', 'all', 'none'].includes(channels)) errors.incident_channels = 'Pick high, all or none.';
    throwIfAny(errors);

    const now = this.clock.nowMs();
    const taken = new Set(
      this.db
        .select({ id: services.id })
        .from(services)
        .all()
        .map((s) => s.id),
    );
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
    this.db.transaction(() => {
      if (existing) this.db.update(services).set(row).where(eq(services.id, id)).run();
      else this.db.insert(services).values(row).run();
      writeAudit(this.db, {
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
