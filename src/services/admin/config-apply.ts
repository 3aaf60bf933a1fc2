import { and, eq, sql } from 'drizzle-orm';
import type { ConfigFile } from '../../config/file.js';
import { ConfigError, toBaseRestrictions, toEscalationLevels, toLayers, toNotificationRules } from '../../config/file.js';
import { isForeignKeyViolation, lockKey, savepoint, type DB, type Tx } from '../../db/client.js';
import {
  escalationPolicies,
  incidents,
  integrationKeys,
  rotationParticipants,
  rotations,
  services,
  settings,
  type IntegrationKind,
  teams,
  users,
} from '../../db/schema.js';
import { sha256Hex } from '../../security/hash.js';
import { parseHHMM } from '../../domain/zoned-time.js';
import { adminUserGroup, setAdminUserGroup } from './admins.js';
import { writeAudit } from './audit.js';
import { danglingReferences } from './config-references.js';
import type { EmergencyLine, OutboundWebhook } from './settings.js';
import { enqueueNotice } from '../outbox.js';
import { catalogChanged } from '../catalog-version.js';
import { rotationsChanged } from '../directory.js';

export interface ApplySummary {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Things the file removed that could not be deleted because history still points at them. */
  kept: string[];
}

interface EntityKind<Row extends { id: string }> {
  name: string;
  list(tx: Tx): Promise<Row[]>;
  insert(tx: Tx, row: Row): Promise<void>;
  update(tx: Tx, row: Row): Promise<void>;
  /** Removes the row, or keeps it (answering 'kept') when history still needs it. */
  remove(tx: Tx, id: string): Promise<'removed' | 'kept'>;
}

/** Compares rows the way a person would: ignoring bookkeeping columns. */
function comparable(row: object): string {
  const { updatedAt: _u, ...rest } = row as Record<string, unknown>;
  // Key order differs between rows read back and rows built from the file; compare by sorted keys.
  return JSON.stringify(rest, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

async function sync<Row extends { id: string }>(
  tx: Tx,
  kind: EntityKind<Row>,
  desired: Row[],
  ctx: { actor: string; now: number; summary: ApplySummary },
): Promise<void> {
  const existing = new Map((await kind.list(tx)).map((row) => [row.id, row]));
  for (const row of desired) {
    const before = existing.get(row.id);
    existing.delete(row.id);
    if (!before) {
      await kind.insert(tx, row);
      ctx.summary.created.push(`${kind.name} ${row.id}`);
      await writeAudit(tx, { at: ctx.now, actor: ctx.actor, action: `${kind.name}.create`, target: `${kind.name}:${row.id}`, after: row });
    } else if (comparable(before) !== comparable(row)) {
      await kind.update(tx, row);
      ctx.summary.updated.push(`${kind.name} ${row.id}`);
      await writeAudit(tx, {
        at: ctx.now,
        actor: ctx.actor,
        action: `${kind.name}.update`,
        target: `${kind.name}:${row.id}`,
        before,
        after: row,
      });
    }
  }
}

async function prune<Row extends { id: string; source: string }>(
  tx: Tx,
  kind: EntityKind<Row>,
  keepIds: Set<string>,
  ctx: { actor: string; now: number; summary: ApplySummary },
): Promise<void> {
  for (const row of await kind.list(tx)) {
    if (row.source !== 'config' || keepIds.has(row.id)) continue;
    // Under a savepoint: a delete refused because incidents or Slack-made rotations still refer to the row
    // is undone alone, and the rest of the file still applies (on PostgreSQL too).
    const outcome = await savepoint(tx, () => kind.remove(tx, row.id)).catch((err: unknown) => {
      if (!isForeignKeyViolation(err)) throw err;
      return 'kept' as const;
    });
    if (outcome === 'removed') {
      ctx.summary.deleted.push(`${kind.name} ${row.id}`);
      await writeAudit(tx, { at: ctx.now, actor: ctx.actor, action: `${kind.name}.delete`, target: `${kind.name}:${row.id}`, before: row });
    } else {
      ctx.summary.kept.push(`${kind.name} ${row.id}`);
      await writeAudit(tx, {
        at: ctx.now,
        actor: ctx.actor,
        action: `${kind.name}.keep`,
        target: `${kind.name}:${row.id}`,
        before: row,
        after: { kept: 'removed from the file, but history still refers to it' },
      });
    }
  }
}

type RotationRow = typeof rotations.$inferSelect & { participants: string[] };
type KeyRow = {
  kind: IntegrationKind;
  keyHash: string;
  bearerHash: string | null;
  hmacSecret: string | null;
  hmacHeader: string | null;
  hmacTimestampHeader: string | null;
  heartbeatIntervalMinutes: number | null;
};
type ServiceRow = typeof services.$inferSelect & { keys: KeyRow[] };

// Only what the file declares: opt-outs and verifications happen at run time and survive a re-apply.
const configUserColumns = {
  id: users.id,
  name: users.name,
  timeZone: users.timeZone,
  phone: users.phone,
  role: users.role,
  notificationRules: users.notificationRules,
  source: users.source,
  updatedAt: users.updatedAt,
};
type ConfigUserRow = { [K in keyof typeof configUserColumns]: (typeof users.$inferSelect)[K] };

const userKind: EntityKind<ConfigUserRow> = {
  name: 'user',
  list: async (tx) => await tx.select(configUserColumns).from(users),
  insert: async (tx, row) => void (await tx.insert(users).values(row)),
  update: async (tx, row) => void (await tx.update(users).set(row).where(eq(users.id, row.id))),
  remove: async (tx, id) => {
    await tx.delete(users).where(eq(users.id, id));
    return 'removed';
  },
};

const teamKind: EntityKind<typeof teams.$inferSelect> = {
  name: 'team',
  list: async (tx) => await tx.select().from(teams),
  insert: async (tx, row) => void (await tx.insert(teams).values(row)),
  update: async (tx, row) => void (await tx.update(teams).set(row).where(eq(teams.id, row.id))),
  remove: async (tx, id) => {
    await tx.delete(teams).where(eq(teams.id, id));
    return 'removed';
  },
};

async function writeParticipants(tx: Tx, rotationId: string, participants: string[]): Promise<void> {
  await tx.delete(rotationParticipants).where(eq(rotationParticipants.rotationId, rotationId));
  if (participants.length > 0) {
    await tx.insert(rotationParticipants).values(participants.map((userId, position) => ({ rotationId, position, userId })));
  }
}

const rotationKind: EntityKind<RotationRow> = {
  name: 'rotation',
  list: async (tx) => {
    const members = await tx.select().from(rotationParticipants).orderBy(rotationParticipants.position);
    return (await tx.select().from(rotations)).map((r) => ({
      ...r,
      participants: members.filter((m) => m.rotationId === r.id).map((m) => m.userId),
    }));
  },
  insert: async (tx, { participants, ...row }) => {
    await tx.insert(rotations).values(row);
    await writeParticipants(tx, row.id, participants);
  },
  update: async (tx, { participants, ...row }) => {
    await tx.update(rotations).set(row).where(eq(rotations.id, row.id));
    await writeParticipants(tx, row.id, participants);
  },
  remove: async (tx, id) => {
    await tx.delete(rotations).where(eq(rotations.id, id));
    return 'removed';
  },
};

const policyKind: EntityKind<typeof escalationPolicies.$inferSelect> = {
  name: 'escalation_policy',
  list: async (tx) => await tx.select().from(escalationPolicies),
  insert: async (tx, row) => void (await tx.insert(escalationPolicies).values(row)),
  update: async (tx, row) => void (await tx.update(escalationPolicies).set(row).where(eq(escalationPolicies.id, row.id))),
  remove: async (tx, id) => {
    await tx.delete(escalationPolicies).where(eq(escalationPolicies.id, id));
    return 'removed';
  },
};

async function writeKeys(tx: Tx, serviceId: string, keys: ServiceRow['keys'], now: number): Promise<void> {
  // Keys made in Slack (/oncall integration) are not the file's to remove.
  await tx.delete(integrationKeys).where(and(eq(integrationKeys.serviceId, serviceId), eq(integrationKeys.source, 'config')));
  for (const key of keys) {
    await tx.insert(integrationKeys).values({ serviceId, ...key, source: 'config', createdAt: now });
  }
}

function serviceKind(now: number, file: string): EntityKind<ServiceRow> {
  return {
    name: 'service',
    list: async (tx) => {
      const keys = await tx.select().from(integrationKeys).where(eq(integrationKeys.source, 'config')).orderBy(integrationKeys.id);
      return (await tx.select().from(services)).map((s) => ({
        ...s,
        keys: keys
          .filter((k) => k.serviceId === s.id)
          .map((k) => ({
            kind: k.kind,
            keyHash: k.keyHash,
            bearerHash: k.bearerHash,
            hmacSecret: k.hmacSecret,
            hmacHeader: k.hmacHeader,
            hmacTimestampHeader: k.hmacTimestampHeader,
            heartbeatIntervalMinutes: k.heartbeatIntervalMinutes,
          })),
      }));
    },
    insert: async (tx, { keys, ...row }) => {
      await tx.insert(services).values(row);
      await writeKeys(tx, row.id, keys, now);
    },
    update: async (tx, { keys, ...row }) => {
      await tx.update(services).set(row).where(eq(services.id, row.id));
      await writeKeys(tx, row.id, keys, now);
    },
    remove: async (tx, id) => {
      const used = await tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.serviceId, id)).limit(1);
      if (used.length > 0) {
        // Kept for its incidents' history, but the file took its keys away: it accepts no more alerts. Its team
        // is told once, in its channel, so nobody wonders why alerts to it are refused.
        await tx.delete(integrationKeys).where(and(eq(integrationKeys.serviceId, id), eq(integrationKeys.source, 'config')));
        const [kept] = await tx
          .select({ name: services.name, channel: teams.slackChannel })
          .from(services)
          .innerJoin(teams, eq(teams.id, services.teamId))
          .where(eq(services.id, id))
          .limit(1);
        // On the transaction's handle, so inside this transaction.
        if (kept)
          await enqueueNotice(
            tx,
            { kind: 'slack.message', channel: kept.channel, notice: { type: 'service_kept', serviceName: kept.name, file } },
            `service-kept:${id}`,
            now,
          );
        return 'kept';
      }
      await tx.delete(services).where(eq(services.id, id));
      return 'removed';
    },
  };
}

/**
 * Makes the database match the config file, in one transaction. Applying the same file twice changes
 * nothing and writes no audit entries. Rows created in Slack are left alone.
 */
export async function applyConfig(db: DB, cfg: ConfigFile, opts: { actor: string; now: number }): Promise<ApplySummary> {
  const summary = await db.transaction(async (tx) => {
    // Nodes starting together: one applies, the others wait for it, then find nothing left to change.
    await lockKey(tx, 'config-apply');
    const applied = await applyWhole(db, cfg, opts);
    // Every node forgets its copies of rotations and keys at its next loop (services/catalog-version.ts).
    await catalogChanged(tx);
    return applied;
  });
  // After the commit: a read before it would cache what is being replaced.
  await rotationsChanged(db);
  return summary;
}

/** The whole apply; its units join the caller's transaction. */
async function applyWhole(db: DB, cfg: ConfigFile, opts: { actor: string; now: number }): Promise<ApplySummary> {
  const stored = await db.query(async (q) => {
    const dangling = await danglingReferences(q, cfg);
    if (dangling.length > 0) {
      const file = opts.actor.replace(/^config:/, '');
      throw new ConfigError(dangling.map((d) => `${file}: ${d.path}: ${d.message}`).join('\n'));
    }
    // A phone number or rules the file leaves out may have been set in Slack (/oncall me): keep them.
    return new Map(
      (await q.select({ id: users.id, phone: users.phone, rules: users.notificationRules }).from(users)).map((u) => [u.id, u]),
    );
  });
  const summary: ApplySummary = { created: [], updated: [], deleted: [], kept: [] };
  const ctx = { actor: opts.actor, now: opts.now, summary };
  const base = { source: 'config' as const, updatedAt: opts.now };
  const services_ = serviceKind(opts.now, opts.actor.replace(/^config:/, ''));

  const desiredUsers = cfg.users.map((u) => ({
    id: u.id,
    name: u.name,
    timeZone: u.time_zone,
    phone: u.phone ?? stored.get(u.id)?.phone ?? null,
    role: u.role,
    notificationRules: toNotificationRules(u.notification_rules) ?? stored.get(u.id)?.rules ?? null,
    ...base,
  }));
  const desiredTeams = cfg.teams.map((t) => ({
    id: t.id,
    name: t.name,
    slackChannel: t.slack_channel,
    stakeholdersChannel: t.stakeholders_channel ?? null,
    workingHours: t.working_hours
      ? { timeZone: t.working_hours.time_zone, days: t.working_hours.days, start: t.working_hours.start, end: t.working_hours.end }
      : null,
    ...base,
  }));
  const desiredRotations = cfg.rotations.map((r) => ({
    id: r.id,
    name: r.name,
    teamId: r.team,
    timeZone: r.time_zone,
    shiftLength: r.shift.length,
    shiftUnit: r.shift.unit,
    handoffTime: r.handoff_time,
    startDate: r.start_date,
    restrictions: toBaseRestrictions(r),
    layers: r.layers.length > 0 ? toLayers(r) : null,
    slackUserGroup: r.slack_user_group ?? null,
    dailyDigestTime: r.daily_digest_time ?? null,
    ...base,
    participants: r.participants,
  }));
  const desiredPolicies = cfg.escalation_policies.map((p) => ({
    id: p.id,
    name: p.name,
    repeat: p.repeat,
    levels: toEscalationLevels(p.levels),
    ...base,
  }));
  const desiredServices = cfg.services.map((s) => ({
    id: s.id,
    name: s.name,
    teamId: s.team,
    escalationPolicyId: s.escalation_policy,
    incidentChannels: s.incident_channels,
    channelArchiveAfterHours: s.incident_channel_archive_after_hours,
    recurringMaintenance:
      s.maintenance_windows.length > 0
        ? s.maintenance_windows.map((w) => ({
            rrule: w.rrule,
            start: parseHHMM(w.start),
            durationMinutes: w.duration_minutes,
            timeZone: w.time_zone,
          }))
        : null,
    routing:
      s.routing.length > 0
        ? s.routing.map((r) => ({
            match: r.match,
            ...(r.urgency ? { urgency: r.urgency } : {}),
            ...(r.service ? { service: r.service } : {}),
          }))
        : null,
    ...base,
    keys: s.integrations.map((i) => ({
      kind: i.type,
      keyHash: i.key_sha256 ?? sha256Hex(i.key!),
      bearerHash: i.bearer_token_sha256 ?? (i.bearer_token ? sha256Hex(i.bearer_token) : null),
      hmacSecret: i.hmac_secret ?? null,
      hmacHeader: i.hmac_header ?? null,
      hmacTimestampHeader: i.hmac_timestamp_header ?? null,
      heartbeatIntervalMinutes: i.interval_minutes ?? null,
    })),
  }));

  await db.transaction(async (tx) => {
    await sync(tx, userKind, desiredUsers, ctx);
    await sync(tx, teamKind, desiredTeams, ctx);
    await sync(tx, rotationKind, desiredRotations, ctx);
    await sync(tx, policyKind, desiredPolicies, ctx);
    await sync(tx, services_, desiredServices, ctx);
    const ids = <T extends { id: string }>(rows: T[]) => new Set(rows.map((r) => r.id));
    await prune(tx, services_, ids(desiredServices), ctx);
    await prune(tx, policyKind, ids(desiredPolicies), ctx);
    await prune(tx, rotationKind, ids(desiredRotations), ctx);
    await prune(tx, teamKind, ids(desiredTeams), ctx);
    await prune(tx, userKind, ids(desiredUsers), ctx);
    await syncEmergencyLine(tx, cfg.emergency_line ?? null, ctx);
    const before = await adminUserGroup(tx);
    if (await setAdminUserGroup(tx, cfg.admin_user_group ?? null)) {
      ctx.summary[before ? (cfg.admin_user_group ? 'updated' : 'deleted') : 'created'].push('admin_user_group');
      await writeAudit(tx, {
        at: ctx.now,
        actor: ctx.actor,
        action: 'admin_user_group.update',
        target: 'admin_user_group',
        before,
        after: cfg.admin_user_group ?? null,
      });
    }
    await syncWebhooks(tx, cfg.webhooks, ctx);
    // A number written in the file is vouched for by its author; numbers set in Slack are verified by SMS code.
    for (const u of cfg.users) {
      if (u.phone) {
        await tx
          .update(users)
          .set({ phoneVerifiedAt: sql`coalesce(${users.phoneVerifiedAt}, ${opts.now})` })
          .where(and(eq(users.id, u.id), eq(users.phone, u.phone)));
      }
    }
  });
  return summary;
}

/** The emergency line lives in settings: one value, audited like everything the file changes. */
async function syncEmergencyLine(
  tx: Tx,
  desired: EmergencyLine | null,
  ctx: { actor: string; now: number; summary: ApplySummary },
): Promise<void> {
  const [row] = await tx.select().from(settings).where(eq(settings.key, 'emergency_line')).limit(1);
  const before = row ? (JSON.parse(row.value) as EmergencyLine) : null;
  if (JSON.stringify(before) === JSON.stringify(desired)) return;
  if (desired)
    await tx
      .insert(settings)
      .values({ key: 'emergency_line', value: JSON.stringify(desired) })
      .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(desired) } });
  else await tx.delete(settings).where(eq(settings.key, 'emergency_line'));
  ctx.summary[before ? (desired ? 'updated' : 'deleted') : 'created'].push('emergency_line');
  await writeAudit(tx, {
    at: ctx.now,
    actor: ctx.actor,
    action: 'emergency_line.update',
    target: 'emergency_line',
    before,
    after: desired,
  });
}

/** Outbound webhooks live in settings (their secrets are needed to sign, so they are kept as given). */
async function syncWebhooks(tx: Tx, desired: OutboundWebhook[], ctx: { actor: string; now: number; summary: ApplySummary }): Promise<void> {
  const [row] = await tx.select().from(settings).where(eq(settings.key, 'webhooks')).limit(1);
  const before = row ? (JSON.parse(row.value) as OutboundWebhook[]) : [];
  if (JSON.stringify(before) === JSON.stringify(desired)) return;
  const value = JSON.stringify(desired);
  await tx.insert(settings).values({ key: 'webhooks', value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  ctx.summary.updated.push('webhooks');
  const redact = (hooks: OutboundWebhook[]) => hooks.map(({ secret: _secret, ...rest }) => rest);
  await writeAudit(tx, {
    at: ctx.now,
    actor: ctx.actor,
    action: 'webhooks.update',
    target: 'webhooks',
    before: redact(before),
    after: redact(desired),
  });
}
