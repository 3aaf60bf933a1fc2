import { eq, inArray, like } from 'drizzle-orm';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB, Tx } from '../../db/client.js';
import { escalationPolicies, settings } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { MINUTE } from '../../domain/time-units.js';

/** The Slack user group whose members are admins (`admin_user_group` in the config file). */
const GROUP_KEY = 'admin_user_group';
/** A user group's members as last read from Slack: `user_group_members:<group ID>` holds `{ members, fetchedAt }`. */
const MEMBERS_PREFIX = 'user_group_members:';

/** Membership is read again this often (and at start-up), so a change in Slack applies within a minute. */
export const USER_GROUP_REFRESH_MS = MINUTE;
/** Groups read in one run at most: usergroups.users.list allows 20 calls a minute, and others share the tier. */
const GROUPS_PER_RUN = 10;

interface GroupMembers {
  members: string[];
  fetchedAt: number;
}

async function readSetting<T>(db: Tx, key: string): Promise<T | null> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).limit(1);
  return row ? (JSON.parse(row.value) as T) : null;
}

export function adminUserGroup(db: Tx): Promise<string | null> {
  return readSetting<string>(db, GROUP_KEY);
}

/** Written by config apply, in its transaction. The group's members are read by UserGroupSync. */
export async function setAdminUserGroup(db: Tx, group: string | null): Promise<boolean> {
  if ((await adminUserGroup(db)) === group) return false;
  if (group)
    await db
      .insert(settings)
      .values({ key: GROUP_KEY, value: JSON.stringify(group) })
      .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(group) } });
  else await db.delete(settings).where(eq(settings.key, GROUP_KEY));
  return true;
}

/** A Slack user group's members as last read from Slack; empty when Baton does not keep that group. */
export async function userGroupMembers(db: Tx, group: string): Promise<Set<string>> {
  return new Set((await readSetting<GroupMembers>(db, MEMBERS_PREFIX + group))?.members ?? []);
}

/** The admin user group's members as last read from Slack; empty without a group (who is an admin: people.ts). */
export async function adminGroupMembers(db: Tx): Promise<Set<string>> {
  const group = await adminUserGroup(db);
  return group ? userGroupMembers(db, group) : new Set();
}

/**
 * The user groups whose members Baton must know: the admin group, and every group an escalation policy pages
 * (whoever is in a group when it is paged may act on the incident, permissions.ts).
 */
async function groupsToKeep(db: Tx): Promise<string[]> {
  const groups = new Set<string>();
  const admins = await adminUserGroup(db);
  if (admins) groups.add(admins);
  for (const { levels } of await db.select({ levels: escalationPolicies.levels }).from(escalationPolicies)) {
    for (const level of levels) for (const target of level.targets) if (target.kind === 'user_group') groups.add(target.groupId);
  }
  return [...groups].sort();
}

/**
 * Keeps the members of the user groups Baton gives rights to in the database, read from Slack
 * (usergroups.users.list): every node and every permission check reads them there, never from Slack.
 */
export class UserGroupSync {
  /** When each group was last asked for, so a failing Slack is asked again at most once a minute a group. */
  private readonly lastAttempt = new Map<string, number>();

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly slack: WebClient,
    private readonly logger: Logger,
    /** Says in words why a Slack call failed; the sender's classifier, handed in by the composition root. */
    private readonly describeError: (err: unknown) => string,
  ) {}

  /**
   * Reads again the groups never read or read longer ago than the refresh interval (all of them when forced).
   * Never throws: it also runs unawaited (at start-up, after a config reload), and a failure leaves the last
   * known members in force until the next run.
   */
  async refresh(opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.refreshDue(opts);
    } catch (err) {
      this.logger.warn({ err }, 'could not refresh the Slack user groups');
    }
  }

  private async refreshDue(opts: { force?: boolean }): Promise<void> {
    const now = this.clock.nowMs();
    const due = await this.db.query(async (q) => {
      const groups = new Set(await groupsToKeep(q));
      const known = new Map<string, GroupMembers>();
      const forgotten: string[] = [];
      const stored = await q
        .select()
        .from(settings)
        .where(like(settings.key, `${MEMBERS_PREFIX}%`));
      for (const row of stored) {
        const group = row.key.slice(MEMBERS_PREFIX.length);
        if (groups.has(group)) known.set(group, JSON.parse(row.value) as GroupMembers);
        else forgotten.push(row.key);
      }
      // Groups no longer kept are forgotten, so a group named again later starts from Slack, not a stale copy.
      if (forgotten.length > 0) await q.delete(settings).where(inArray(settings.key, forgotten));
      const stale = (g: string) => now - (known.get(g)?.fetchedAt ?? Number.NEGATIVE_INFINITY) >= USER_GROUP_REFRESH_MS;
      const asked = (g: string) => now - (this.lastAttempt.get(g) ?? Number.NEGATIVE_INFINITY) < MINUTE;
      return [...groups]
        .filter((g) => opts.force || (stale(g) && !asked(g)))
        .sort((a, b) => (known.get(a)?.fetchedAt ?? 0) - (known.get(b)?.fetchedAt ?? 0))
        .slice(0, GROUPS_PER_RUN);
    });
    for (const group of due) await this.read(group, now);
  }

  private async read(group: string, now: number): Promise<void> {
    this.lastAttempt.set(group, now);
    try {
      const res = await this.slack.usergroups.users.list({ usergroup: group });
      const members = (res.users ?? []).filter((u): u is string => typeof u === 'string');
      const value = JSON.stringify({ members, fetchedAt: now } satisfies GroupMembers);
      await this.db.query(async (q) => {
        await q
          .insert(settings)
          .values({ key: MEMBERS_PREFIX + group, value })
          .onConflictDoUpdate({ target: settings.key, set: { value } });
      });
    } catch (err) {
      // The last known membership stays in force; an outage must not take rights away or grant them.
      this.logger.warn({ group, error: this.describeError(err) }, 'could not read a Slack user group');
    }
  }
}
