/**
 * Who may change what. Admins may change any rotation and act for anyone; members may change only their
 * own place in the schedule (take the pager themselves, their own time off, swaps and cover of their shifts).
 * People Baton does not know may read but change nothing. Incidents and rotations have their own rules below:
 * the people of the team (and those pulled into an incident) act on them, besides admins.
 */

import { PermissionDenied } from './errors.js';

export type UserRole = 'admin' | 'member';

export interface Actor {
  id: string;
  role: UserRole;
}

export const NOT_A_USER =
  'Baton does not know you yet, so you cannot change schedules. Ask an admin to add you under `users` in the config file.';

export const NOT_A_USER_FOR_AUDIT = 'Baton does not know you yet, so the audit log is not shown to you.';

/** People Baton knows; anyone else is told so (`refusal`, by default that they cannot change schedules). */
export function requireKnown(actor: Actor | null, refusal = NOT_A_USER): Actor {
  if (!actor) throw new PermissionDenied(refusal);
  return actor;
}

const onlyAdmins = (what: string) => new PermissionDenied(`Only an admin can ${what}.`);

export function requireAdmin(actor: Actor | null, what: string): Actor {
  const known = requireKnown(actor);
  if (known.role !== 'admin') throw onlyAdmins(what);
  return known;
}

/**
 * Before an admin's form opens: anyone else, known to Baton or not, is told only that admins can; being
 * added as a user would not let them in.
 */
export function requireAdminForForm(actor: Actor | null, what: string): Actor {
  if (actor?.role !== 'admin') throw onlyAdmins(what);
  return actor;
}

/** Members act for themselves only; admins for anyone. */
export function requireSelfOrAdmin(actor: Actor | null, forUserId: string, what: string): Actor {
  const known = requireKnown(actor);
  if (known.role !== 'admin' && known.id !== forUserId) throw new PermissionDenied(`Only an admin can ${what} for someone else.`, 'who');
  return known;
}

// --- incidents -----------------------------------------------------------------------------------------

/**
 * Who is involved in one incident, as the incident services load it (services/incidents/access.ts). Like
 * PagerDuty and incident.io, the people responsible for the service and the people pulled in act on it;
 * a colleague elsewhere in the workspace asks to be paged first, so every responder is on the record.
 */
export interface IncidentResponders {
  incidentId: number;
  /** The team of the incident's service, named in the refusal. */
  teamName: string;
  /** People in any rotation (any layer) of that team. */
  teamMembers: ReadonlySet<string>;
  /**
   * People paged for it: by an escalation level (members of a user group it paged included), a direct "Page
   * someone", or by someone else in its channel.
   */
  paged: ReadonlySet<string>;
  /** Channels an escalation level paged (its card was posted there for whoever reads the channel). */
  pagedChannels: ReadonlySet<string>;
  /** Whoever declared it, or opened it with "Page someone". */
  openedBy: string | null;
  commanderId: string | null;
  commsLeadId: string | null;
}

export const NOT_A_USER_FOR_INCIDENTS =
  'Baton does not know you yet, so you cannot act on incidents. Ask an admin to add you under `users` in the config file.';

/**
 * The one rule for acting on an incident (acknowledge, escalate, resolve, roles, status updates), from
 * every Slack surface. Strangers never act, even on an incident they declared: declaring is open to anyone
 * so a fire is never left unreported, but answering it is for people Baton can page and hold to account.
 * Admins always may. Otherwise the service's team, whoever was paged for it, whoever opened it by hand and
 * its commander and comms lead, and anyone Baton knows who acts from the card in a channel the policy paged
 * (`from.channelId`, as Slack signed it): a policy that pages a channel asks its readers to answer. Phone and
 * SMS replies are authenticated by the page itself and skip this.
 */
export function requireIncidentResponder(
  actor: Actor | null,
  incident: IncidentResponders,
  what: string,
  from: { channelId?: string } = {},
): Actor {
  if (!actor) throw new PermissionDenied(NOT_A_USER_FOR_INCIDENTS);
  if (actor.role === 'admin') return actor;
  const id = actor.id;
  if (
    incident.teamMembers.has(id) ||
    incident.paged.has(id) ||
    incident.openedBy === id ||
    incident.commanderId === id ||
    incident.commsLeadId === id ||
    (from.channelId !== undefined && incident.pagedChannels.has(from.channelId))
  ) {
    return actor;
  }
  throw new PermissionDenied(
    `Only the ${incident.teamName} team, the people paged for incident #${incident.incidentId}, whoever declared it, its commander and comms lead, and admins can ${what} it. ` +
      'To help, ask one of them to page you (`/oncall page @you` in its channel), or ask an admin.',
  );
}

// --- rotations -----------------------------------------------------------------------------------------

/** A rotation and its team's people, for deciding who may take its pager. */
export interface RotationMembers {
  rotationName: string;
  teamName: string;
  /** People in any rotation (any layer) of the rotation's team, its own participants included. */
  teamMembers: ReadonlySet<string>;
}

/**
 * Taking a rotation's pager (an override, a cover request) diverts that team's pages, so it is for the
 * team's own people and admins; a member of another team asks an admin, who may put anyone Baton knows on it.
 */
export function requireRotationMember(actor: Actor | null, rotation: RotationMembers, what: string): Actor {
  const known = requireKnown(actor);
  if (known.role === 'admin' || rotation.teamMembers.has(known.id)) return known;
  throw new PermissionDenied(
    `Only people in the ${rotation.teamName} team's rotations and admins can ${what} ${rotation.rotationName}. Ask an admin if you should cover it.`,
    'rotation',
  );
}
