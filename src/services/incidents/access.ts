import { and, eq, inArray } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { incidentEvents, teams } from '../../db/schema.js';
import { requireIncidentResponder, type Actor, type IncidentResponders, type RotationMembers } from '../../domain/permissions.js';
import type { EscalationTarget } from '../../domain/escalation.js';
import { layersOf } from '../../domain/schedule.js';
import { userGroupMembers } from '../admin/admins.js';
import { loadActor } from '../admin/people.js';
import { findServiceWithTeam, loadRotations, type StoredRotation } from '../directory.js';
import type { Incident } from './paging.js';

// These take the database, not a unit's handle (rotations are cached per database); called inside a unit,
// their reads join it.

/** People in any rotation (any layer) of the team: its members, for incident and pager permissions. */
async function teamMembers(db: DB, teamId: string): Promise<Set<string>> {
  return new Set(
    [...(await loadRotations(db)).values()].filter((r) => r.teamId === teamId).flatMap((r) => layersOf(r).flatMap((l) => l.participants)),
  );
}

/** Who is involved in the incident, read from the service's team, its timeline and who opened it. */
export function loadIncidentResponders(db: DB, incident: Incident): Promise<IncidentResponders> {
  return db.query(async (q): Promise<IncidentResponders> => {
    const owner = await findServiceWithTeam(q, incident.serviceId);
    const paged = new Set<string>();
    const pagedChannels = new Set<string>();
    const pagedGroups = new Set<string>();
    const events = await q
      .select({ kind: incidentEvents.kind, actor: incidentEvents.actor, detail: incidentEvents.detail })
      .from(incidentEvents)
      .where(and(eq(incidentEvents.incidentId, incident.id), inArray(incidentEvents.kind, ['paged', 'responder_paged'])));
    for (const e of events) {
      const users = Array.isArray(e.detail.users) ? (e.detail.users as unknown[]).filter((u): u is string => typeof u === 'string') : [];
      // Paging oneself in the incident channel is open to anyone, so it must not be a way round this rule.
      for (const u of users) if (!(e.kind === 'responder_paged' && u === e.actor)) paged.add(u);
      for (const target of Array.isArray(e.detail.broadcasts) ? (e.detail.broadcasts as EscalationTarget[]) : []) {
        if (target.kind === 'user_group') pagedGroups.add(target.groupId);
        else if (target.kind === 'channel') pagedChannels.add(target.channelId);
      }
    }
    // A group is paged with a mention: its members now (as last read from Slack) are the people it reached.
    for (const group of pagedGroups) for (const u of await userGroupMembers(q, group)) paged.add(u);
    // Labels of alerts are written by whoever sends them: trust these two only on incidents Baton opened by hand.
    const openedBy =
      incident.source === 'declared'
        ? incident.labels.declared_by
        : incident.source === 'slack_page'
          ? incident.labels.paged_by
          : undefined;
    return {
      incidentId: incident.id,
      teamName: owner?.team.name ?? incident.serviceId,
      teamMembers: owner ? await teamMembers(db, owner.team.id) : new Set(),
      paged,
      pagedChannels,
      openedBy: openedBy ?? null,
      commanderId: incident.commanderId,
      commsLeadId: incident.commsLeadId,
    };
  });
}

/**
 * Every incident action a person takes in Slack goes through here (buttons on cards and the App Home,
 * `/oncall role` and `update`, the role buttons): throws PermissionDenied unless they may act on it.
 * `from.channelId` is the channel of the card clicked, when it was a card in a channel.
 */
export function requireResponder(
  db: DB,
  actorId: string,
  incident: Incident,
  what: string,
  from: { channelId?: string } = {},
): Promise<Actor> {
  return db.query(async (q) =>
    requireIncidentResponder(await loadActor(q, actorId), await loadIncidentResponders(db, incident), what, from),
  );
}

/** The rotation's team and its people, for deciding who may take its pager. */
export function loadRotationMembers(db: DB, rotation: StoredRotation): Promise<RotationMembers> {
  return db.query(async (q) => {
    const [team] = await q.select({ name: teams.name }).from(teams).where(eq(teams.id, rotation.teamId)).limit(1);
    return { rotationName: rotation.name, teamName: team?.name ?? rotation.teamId, teamMembers: await teamMembers(db, rotation.teamId) };
  });
}
