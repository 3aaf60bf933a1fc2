import { eq } from 'drizzle-orm';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB, Tx } from '../../db/client.js';
import { settings } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { MINUTE } from '../../domain/time-units.js';

/** The Slack user group whose members are admins (`admin_user_group` in the config file). */
const GROUP_KEY = 'admin_user_group';
/** Its members as last read from Slack: `{ group, members, fetchedAt }`. */
const MEMBERS_KEY = 'admin_user_group_members';

/** Membership is read again this often (and at start-up), so a change in Slack applies within a minute (usergroups.users.list allows 20 calls a minute). */
export const ADMIN_GROUP_REFRESH_MS = MINUTE;

interface GroupMembers {
  group: string;
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

/** Written by config apply, in its transaction. */
export async function setAdminUserGroup(db: Tx, group: string | null): Promise<boolean> {
  if ((await adminUserGroup(db)) === group) return false;
  if (group)
    await db
      .insert(settings)
      .values({ key: GROUP_KEY, value: JSON.stringify(group) })
      .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(group) } });
  else await db.delete(settings).where(eq(settings.key, GROUP_KEY));
  await db.delete(settings).where(eq(settings.key, MEMBERS_KEY));
  return true;
}

/** The admin user group's members as last read from Slack; empty without a group (who is an admin: people.ts). */
export async function adminGroupMembers(db: Tx): Promise<Set<string>> {
  const group = await adminUserGroup(db);
  const known = await readSetting<GroupMembers>(db, MEMBERS_KEY);
  return new Set(group && known?.group === group ? known.members : []);
}

/** Keeps the admin user group's membership in the database, read from Slack (usergroups.users.list). */
export class AdminGroupSync {
  private lastAttempt = 0;

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly slack: WebClient,
    private readonly logger: Logger,
    /** Says in words why a Slack call failed; the sender's classifier, handed in by the composition root. */
    private readonly describeError: (err: unknown) => string,
  ) {}

  /** Reads the group again when it changed or its copy is older than the refresh interval. */
  async refresh(opts: { force?: boolean } = {}): Promise<void> {
    const { group, known } = await this.db.query(async (q) => {
      const group = await adminUserGroup(q);
      return { group, known: group ? await readSetting<GroupMembers>(q, MEMBERS_KEY) : null };
    });
    if (!group) return;
    const now = this.clock.nowMs();
    const fresh = known?.group === group && now - known.fetchedAt < ADMIN_GROUP_REFRESH_MS;
    // A failing Slack is asked again at most once a minute.
    if (!opts.force && (fresh || now - this.lastAttempt < MINUTE)) return;
    this.lastAttempt = now;
    try {
      const res = await this.slack.usergroups.users.list({ usergroup: group });
      const members = (res.users ?? []).filter((u): u is string => typeof u === 'string');
      const value = JSON.stringify({ group, members, fetchedAt: now } satisfies GroupMembers);
      await this.db.query(async (q) => {
        await q.insert(settings).values({ key: MEMBERS_KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
      });
    } catch (err) {
      // The last known membership stays in force; an outage must not take admin rights away or grant them.
      this.logger.warn({ group, error: this.describeError(err) }, 'could not read the admin user group');
    }
  }
}
