import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { escalationPolicies, incidents, services, teams, users } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import { DEFAULT_LEVEL_DELAY_MINUTES, type EscalationPolicySnapshot, type EscalationTarget } from '../../domain/escalation.js';
import type { Clock } from '../../domain/clock.js';
import { normalizeSeverity, type Severity } from '../../domain/alertmanager.js';
import type { IncidentRole, IncidentChannelCopy } from '../../domain/notices.js';
import { onCallAt } from '../../domain/schedule.js';
import { InvalidInput } from '../../domain/errors.js';
import { requireResponder } from './access.js';
import { writeAudit } from '../admin/audit.js';
import { loadRotations } from '../directory.js';
import type { IngestService } from './ingest.js';
import { loadAdjustments } from '../schedules/oncall.js';
import { enqueueIncidentChannel, enqueueNotice, enqueueOpenerConfirm, enqueuePage, enqueuePinText } from '../outbox.js';
import type { Incident } from './paging.js';
import { recordEvent } from './timeline.js';

export type { IncidentRole };

/**
 * Coordinating a serious incident in its own Slack channel: declaring one by hand, roles, status updates,
 * bringing in more responders, and pinned messages on the timeline. Commands run in the incident's channel.
 */
export class IncidentChannelService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly ingest: IngestService,
    private readonly wakeOutbox: () => void,
    /** The form answers that name people: Slack copy, handed in by the composition root. */
    private readonly copy: IncidentChannelCopy,
  ) {}

  private now(): number {
    return this.clock.nowMs();
  }

  inChannel(channelId: string): Incident | undefined {
    return this.db.select().from(incidents).where(eq(incidents.channelId, channelId)).get();
  }

  private requireIncident(channelId: string): Incident {
    const incident = this.inChannel(channelId);
    if (!incident)
      throw new InvalidInput({
        channel: 'Run this in an incident channel (Baton creates one per serious incident, or use /oncall declare).',
      });
    return incident;
  }

  /**
   * "Page someone" (App Home): an incident for one person, or whoever is on call for a rotation, with a
   * message. If they do not acknowledge, the service's own escalation policy follows, so it is never lost.
   * Whoever paged is told who is paged by a confirmation rendered when it is sent (see enqueueOpenerConfirm).
   */
  async pageSomeone(
    actorId: string,
    input: { userId?: string | null; rotation?: string | null; message: string; serviceId: string },
  ): Promise<{ incidentId: number }> {
    const service = this.db.select().from(services).where(eq(services.id, input.serviceId)).get();
    const errors: Record<string, string> = {};
    if (!service) errors.service = 'Pick a service.';
    if (!input.message.trim()) errors.message = "Say what you need: it is the page's title.";
    if (!input.userId && !input.rotation) errors.who = 'Pick a person or a rotation.';
    if (input.userId && input.rotation) errors.who = 'Pick a person or a rotation, not both.';
    let target: EscalationTarget | null = null;
    if (input.userId) {
      const known = this.db.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).get();
      if (!known) errors.who = this.copy.notABatonUser(input.userId);
      target = { kind: 'user', userId: input.userId };
    } else if (input.rotation) {
      const rotation = loadRotations(this.db).get(input.rotation);
      if (!rotation) errors.rotation = 'Pick a rotation.';
      else target = { kind: 'rotation', rotationId: rotation.id, role: 'primary' };
    }
    if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
    const policy = this.db.select().from(escalationPolicies).where(eq(escalationPolicies.id, service!.escalationPolicyId)).get()!;
    const chain: EscalationPolicySnapshot = {
      id: `direct:${policy.id}`,
      name: `Direct page, then ${policy.name}`,
      repeat: 0,
      levels: [{ delayMinutes: DEFAULT_LEVEL_DELAY_MINUTES, targets: [target!] }, ...policy.levels],
    };
    const title = input.message.trim().slice(0, 400);
    const id = await this.openByHand(actorId, 'page', { title, severity: 'critical', serviceId: service!.id }, chain);
    return { incidentId: id };
  }

  /** `/oncall declare`: an incident opened by hand, paged like any other and always given a channel. */
  async declare(actorId: string, input: { title: string; severity: Severity; serviceId: string }): Promise<number> {
    // Anyone in the workspace may declare: a person who sees a fire should not need a Baton account first.
    const service = this.db.select().from(services).where(eq(services.id, input.serviceId)).get();
    if (!service) throw new InvalidInput({ service: 'Pick a service.' });
    if (!input.title.trim()) throw new InvalidInput({ title: 'Give the incident a title.' });
    return this.openByHand(actorId, 'declare', input);
  }

  private async openByHand(
    actorId: string,
    how: 'declare' | 'page',
    input: { title: string; severity: Severity; serviceId: string },
    policy?: EscalationPolicySnapshot,
  ): Promise<number> {
    const actor = { id: actorId };
    const now = this.now();
    const dedupKey = `${how === 'page' ? 'paged' : 'declared'}:${randomBytes(8).toString('hex')}`;
    const labels: Record<string, string> =
      how === 'page'
        ? { alertname: 'DirectPage', severity: input.severity, paged_by: actor.id }
        : { alertname: 'Declared', severity: input.severity, declared_by: actor.id };
    const result = await this.ingest.ingest(
      {
        id: 0,
        serviceId: input.serviceId,
        kind: 'generic',
        keyHash: '',
        bearerHash: null,
        hmacSecret: null,
        hmacHeader: null,
        hmacTimestampHeader: null,
        heartbeatIntervalMinutes: null,
        expiresAt: null,
        source: 'slack',
        createdAt: 0,
      },
      JSON.stringify({ declared_by: actor.id, ...input }),
      {
        source: how === 'page' ? 'slack_page' : 'declared',
        dedupKey,
        status: 'firing',
        title: input.title.trim().slice(0, 500),
        severity: normalizeSeverity(input.severity),
        labels,
        links: { runbook: null, source: null, externalUrl: null },
        alerts: [
          {
            fingerprint: dedupKey,
            status: 'firing',
            labels,
            annotations: {},
            startsAt: new Date(now).toISOString(),
            endsAt: null,
            sourceUrl: null,
          },
        ],
        truncatedAlerts: 0,
      },
      policy ? { policy } : {},
    );
    const id = result.incidentId!;
    this.db.transaction(() => {
      // A declared incident always gets a channel; a direct page follows the service's setting.
      if (how === 'declare') enqueueIncidentChannel(this.db, id, now);
      // The person who opened it is told privately what happened, and where the channel is.
      enqueueOpenerConfirm(this.db, id, actor.id, now);
      writeAudit(this.db, {
        at: now,
        actor: actor.id,
        action: how === 'declare' ? 'incident.declare' : 'incident.page',
        target: `incident:${id}`,
        after: input,
      });
    });
    this.wakeOutbox();
    return id;
  }

  /** Roles are for the incident's responders (requireIncidentResponder); whoever gets one becomes one. */
  setRole(actorId: string, channelId: string, role: IncidentRole, userId: string): Incident {
    const incident = this.requireIncident(channelId);
    const actor = requireResponder(this.db, actorId, incident, 'set roles on');
    const now = this.now();
    this.db.transaction(() => {
      this.db
        .update(incidents)
        .set(role === 'commander' ? { commanderId: userId, updatedAt: now } : { commsLeadId: userId, updatedAt: now })
        .where(eq(incidents.id, incident.id))
        .run();
      recordEvent(this.db, incident.id, now, 'role', actor.id, {
        role: role === 'commander' ? 'incident commander' : 'communications lead',
        user: userId,
      });
      writeAudit(this.db, {
        at: now,
        actor: actor.id,
        action: `incident.role.${role}`,
        target: `incident:${incident.id}`,
        before: { commanderId: incident.commanderId, commsLeadId: incident.commsLeadId },
        after: { [role]: userId },
      });
      const notice = { type: 'role_set', role, userId, setBy: actor.id } as const;
      enqueueNotice(this.db, { kind: 'slack.message', channel: channelId, notice }, `role:${incident.id}:${role}:${userId}:${now}`, now);
    });
    this.wakeOutbox();
    return incident;
  }

  /** `/oncall update`: to the incident channel and the team's stakeholders channel. */
  statusUpdate(actorId: string, channelId: string, text: string): { stakeholders: string | null } {
    const incident = this.requireIncident(channelId);
    // Updates speak for the incident to stakeholders, so only its responders post them.
    const actor = requireResponder(this.db, actorId, incident, 'post status updates on');
    const clean = text.trim().slice(0, 2000);
    if (!clean) throw new InvalidInput({ text: 'Write the update after the command: /oncall update <text>.' });
    const now = this.now();
    const team = this.db
      .select({ stakeholders: teams.stakeholdersChannel })
      .from(services)
      .innerJoin(teams, eq(teams.id, services.teamId))
      .where(eq(services.id, incident.serviceId))
      .get();
    const stakeholders = team?.stakeholders ?? null;
    this.db.transaction(() => {
      recordEvent(this.db, incident.id, now, 'status_update', actor.id, { text: clean });
      const notice = { type: 'status_update', incidentId: incident.id, title: incident.title, authorId: actor.id, text: clean } as const;
      // The key says 'room', the old word for the incident channel: dedupe keys are stored, so it stays as it was.
      enqueueNotice(this.db, { kind: 'slack.message', channel: channelId, notice }, `update:${incident.id}:${now}:room`, now);
      if (stakeholders)
        enqueueNotice(this.db, { kind: 'slack.message', channel: stakeholders, notice }, `update:${incident.id}:${now}:stakeholders`, now);
    });
    this.wakeOutbox();
    return { stakeholders };
  }

  /** `/oncall page @user|rotation <message>`: more responders, paged by DM and invited to the channel. */
  page(actorId: string, channelId: string, target: { userId?: string; rotation?: string }, message: string): string[] {
    // Anyone may bring in help; whoever is paged here may then act on the incident (unless they paged themselves).
    const actor = { id: actorId };
    const incident = this.requireIncident(channelId);
    const now = this.now();
    let userIds: string[] = [];
    if (target.userId) userIds = [target.userId];
    else if (target.rotation) {
      const rotations = [...loadRotations(this.db).values()];
      const rotation = rotations.find(
        (r) => r.id === target.rotation!.toLowerCase() || r.name.toLowerCase() === target.rotation!.toLowerCase(),
      );
      if (!rotation) throw new InvalidInput({ target: `No rotation or person \`${target.rotation}\`.` });
      const holder = onCallAt(rotation, now, loadAdjustments(this.db, now, now + 1)).primary?.userId;
      if (!holder) throw new InvalidInput({ target: `Nobody is on call for ${rotation.name} right now.` });
      userIds = [holder];
    }
    if (userIds.length === 0) throw new InvalidInput({ target: 'Name a person (@someone) or a rotation.' });
    const reason = { type: 'help', actor: actor.id, message: message.trim().slice(0, 300) } as const;
    this.db.transaction(() => {
      for (const userId of userIds) {
        enqueuePage(
          this.db,
          { incidentId: incident.id, userId, level: incident.escalationLevel, loop: incident.escalationLoop, reason },
          now,
          { ruleStep: `responder:${now}` },
        );
      }
      recordEvent(this.db, incident.id, now, 'responder_paged', actor.id, { users: userIds, message: message.slice(0, 300) });
      enqueueNotice(
        this.db,
        { kind: 'slack.invite', channel: channelId, users: userIds },
        `invite:${incident.id}:${userIds.join(',')}:${now}`,
        now,
      );
    });
    this.wakeOutbox();
    return userIds;
  }

  /**
   * A pushpin reaction on a message in an incident channel puts it on the timeline; its text is read
   * from Slack through the outbox. Pinning the same message again adds nothing.
   */
  pinned(channelId: string, userId: string, messageTs: string): boolean {
    const incident = this.inChannel(channelId);
    if (!incident) return false;
    const now = this.now();
    const known = statementsOf(this.db).pinnedEventExists.get({ incidentId: incident.id, ts: messageTs });
    if (known) return true;
    this.db.transaction(() => {
      recordEvent(this.db, incident.id, now, 'pinned', userId, { ts: messageTs, channel: channelId });
      enqueuePinText(this.db, incident.id, channelId, messageTs, now);
    });
    this.wakeOutbox();
    return true;
  }
}
