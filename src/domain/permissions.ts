/**
 * Who may change what. Admins may change any rotation and act for anyone; members may change only their
 * own place in the schedule (take the pager themselves, their own time off, swaps and cover of their shifts).
 * People Baton does not know may read but change nothing.
 */
export type UserRole = 'admin' | 'member';

export interface Actor {
  id: string;
  role: UserRole;
}

export class PermissionDenied extends Error {
  constructor(
    message: string,
    /** The form field the refusal is about, when there is one (shown there in a modal). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const NOT_A_USER =
  'Baton does not know you yet, so you cannot change schedules. Ask an admin to add you under `users` in the config file.';

export function requireKnown(actor: Actor | null): Actor {
  if (!actor) throw new PermissionDenied(NOT_A_USER);
  return actor;
}

export function requireAdmin(actor: Actor | null, what: string): Actor {
  const known = requireKnown(actor);
  if (known.role !== 'admin') throw new PermissionDenied(`Only an admin can ${what}.`);
  return known;
}

/** Members act for themselves only; admins for anyone. */
export function requireSelfOrAdmin(actor: Actor | null, forUserId: string, what: string): Actor {
  const known = requireKnown(actor);
  if (known.role !== 'admin' && known.id !== forUserId) throw new PermissionDenied(`Only an admin can ${what} for someone else.`, 'who');
  return known;
}
