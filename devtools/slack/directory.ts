import { required, type Answer, type Method } from './web-api.js';

export interface Usergroup {
  id: string;
  handle: string;
  users: string[];
}

/** The workspace's people and user groups: users.info, usergroups.* and the user checks other surfaces make. */
export class Directory {
  readonly users = new Map<string, { name: string; tz: string }>();
  private readonly usergroups = new Map<string, Usergroup>();
  /** Groups set up with addUsergroup, and their members then; reset() goes back to these. */
  private readonly presetUsergroups = new Map<string, string[]>();

  constructor(private readonly opts: { strictUsers?: boolean }) {}

  addUser(id: string, user: { name: string; tz: string }): void {
    this.users.set(id, user);
  }

  /** Each user's DM with the app has a stable channel ID, as in Slack. */
  dmChannelOf(userId: string): string {
    return `D${userId.replace(/^[UW]/, '')}`;
  }

  /** The person who reads a DM channel. */
  dmUserOf(channel: string): string {
    return [...this.users.keys()].find((u) => this.dmChannelOf(u) === channel) ?? `U${channel.slice(1)}`;
  }

  /** With strictUsers, an ID the workspace does not know is refused as Slack refuses it. */
  unknownUser(id: string): Answer | null {
    if (this.opts.strictUsers && !this.users.has(id)) return { ok: false, error: 'user_not_found' };
    return null;
  }

  /**
   * A user group, as made in Slack's admin UI. Once any group is added this way, usergroups.users.update on an
   * unknown ID is refused with no_such_subteam. (The older form `addUsergroup(id, members)` still works.)
   */
  addUsergroup(id: string, handle?: string | string[], members: string[] = []): void {
    const users = Array.isArray(handle) ? handle : members;
    const group = { id, handle: typeof handle === 'string' ? handle : id.toLowerCase(), users: [...users] };
    this.usergroups.set(id, group);
    this.presetUsergroups.set(id, [...users]);
  }

  usergroupMembers(id: string): string[] {
    return [...(this.usergroups.get(id)?.users ?? [])];
  }

  usergroupList(): Usergroup[] {
    return [...this.usergroups.values()].map((g) => ({ ...g, users: [...g.users] }));
  }

  /** User groups go back to the ones set up with addUsergroup, with their members then. */
  reset(): void {
    for (const id of [...this.usergroups.keys()]) if (!this.presetUsergroups.has(id)) this.usergroups.delete(id);
    for (const [id, users] of this.presetUsergroups) this.usergroups.get(id)!.users = [...users];
  }

  methods(): Record<string, Method> {
    return {
      'users.info': (args) => {
        const missing = required(args, ['user']);
        if (missing) return missing;
        const id = String(args.user);
        const user = this.users.get(id);
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id,
            name: user.name.toLowerCase().replace(/\s+/g, '.'),
            real_name: user.name,
            tz: user.tz,
            tz_offset: tzOffsetSeconds(user.tz),
          },
        };
      },
      'usergroups.list': (args) => ({
        ok: true,
        usergroups: [...this.usergroups.values()].map((g) =>
          usergroupJson(g, args.include_users === true || args.include_users === 'true' || args.include_users === '1'),
        ),
      }),
      'usergroups.users.list': (args) => {
        const missing = required(args, ['usergroup']);
        if (missing) return missing;
        const group = this.usergroups.get(String(args.usergroup));
        if (!group && this.presetUsergroups.size > 0) return { ok: false, error: 'no_such_subteam' };
        return { ok: true, users: [...(group?.users ?? [])] };
      },
      'usergroups.users.update': (args) => {
        const missing = required(args, ['usergroup']) ?? (args.users === undefined ? required(args, ['users']) : null);
        if (missing) return missing;
        // Slack will not empty a group this way: users is required and must name someone.
        const members = String(args.users ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean);
        if (members.length === 0) return { ok: false, error: 'no_users_provided' };
        if (members.some((u) => !/^[UW][A-Z0-9]+$/.test(u) || (this.opts.strictUsers && !this.users.has(u))))
          return { ok: false, error: 'invalid_users' };
        const id = String(args.usergroup);
        if (!this.usergroups.has(id) && this.presetUsergroups.size > 0) return { ok: false, error: 'no_such_subteam' };
        const group = this.usergroups.get(id) ?? { id, handle: id.toLowerCase(), users: [] };
        group.users = [...new Set(members)];
        this.usergroups.set(id, group);
        return { ok: true, usergroup: usergroupJson(group, true) };
      },
    };
  }
}

function usergroupJson(group: Usergroup, withUsers: boolean): Record<string, unknown> {
  return {
    id: group.id,
    team_id: 'T0BATON',
    is_usergroup: true,
    name: group.handle,
    handle: group.handle,
    user_count: group.users.length,
    ...(withUsers ? { users: [...group.users] } : {}),
  };
}

function tzOffsetSeconds(tz: string): number {
  const now = new Date();
  const local = new Date(now.toLocaleString('en-US', { timeZone: tz }));
  const utc = new Date(now.toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 1000);
}
