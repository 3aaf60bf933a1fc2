import { and, eq, sql } from 'drizzle-orm';
import type { ConfigFile } from '../../config/file.js';
import { ConfigError } from '../../config/file.js';
import { toBaseRestrictions, toEscalationLevels, toLayers, toNotificationRules } from '../../config/to-domain.js';
import { lockKey, type DB, type Tx } from '../../db/client.js';
import { settings, users } from '../../db/schema.js';
import { sha256Hex } from '../../security/hash.js';
import { parseHHMM } from '../../domain/zoned-time.js';
import { adminUserGroup, setAdminUserGroup } from './admins.js';
import { writeAudit } from './audit.js';
import { danglingReferences } from './config-references.js';
import { type ApplySummary, policyKind, prune, rotationKind, serviceKind, sync, teamKind, userKind } from './config-entities.js';
import type { EmergencyLine, OutboundWebhook } from './settings.js';
import { catalogChanged } from '../catalog-version.js';
import { rotationsChanged } from '../directory.js';

export type { ApplySummary };

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
