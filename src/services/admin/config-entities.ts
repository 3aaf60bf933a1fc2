import { and, eq } from 'drizzle-orm';
import { isForeignKeyViolation, savepoint, type Tx } from '../../db/client.js';
import {
  escalationPolicies,
  incidents,
  integrationKeys,
  rotationParticipants,
  rotations,
  services,
  type IntegrationKind,
  teams,
  users,
} from '../../db/schema.js';
import { writeAudit } from './audit.js';
import { enqueueNotice } from '../outbox.js';

// What the config file declares, kind by kind (users, teams, rotations, policies, services): how each is read,
// written and removed, and the one sync and prune every kind goes through (config-apply.ts runs them in order).

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

export async function sync<Row extends { id: string }>(
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

export async function prune<Row extends { id: string; source: string }>(
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

export const userKind: EntityKind<ConfigUserRow> = {
  name: 'user',
  list: async (tx) => await tx.select(configUserColumns).from(users),
  insert: async (tx, row) => void (await tx.insert(users).values(row)),
  update: async (tx, row) => void (await tx.update(users).set(row).where(eq(users.id, row.id))),
  remove: async (tx, id) => {
    await tx.delete(users).where(eq(users.id, id));
    return 'removed';
  },
};

export const teamKind: EntityKind<typeof teams.$inferSelect> = {
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

export const rotationKind: EntityKind<RotationRow> = {
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

export const policyKind: EntityKind<typeof escalationPolicies.$inferSelect> = {
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

export function serviceKind(now: number, file: string): EntityKind<ServiceRow> {
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
