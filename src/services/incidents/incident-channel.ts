import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { lockKey, type DB } from '../../db/client.js';
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
import { pseudoKey, type IngestService } from './ingest.js';
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

  async inChannel(channelId: string): Promise<Incident | undefined> {
    return this.db.query(async (q) => (await q.select().from(incidents).where(eq(incidents.channelId, channelId)).limit(1))[0]);
  }

  private async requireIncident(channelId: string): Promise<Incident> {
    const incident = await this.inChannel(channelId);
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
    const { service, chain } = await this.db.query(async (q) => {
      const [service] = await q.select().from(services).where(eq(services.id, input.serviceId)).limit(1);
      const errors: Record<string, string> = {};
      if (!service) errors.service = 'Pick a service.';
      if (!input.message.trim()) errors.message = "Say what you need: it is the page's title.";
      if (!input.userId && !input.rotation) errors.who = 'Pick a person or a rotation.';
      if (input.userId && input.rotation) errors.who = 'Pick a person or a rotation, not both.';
      let target: EscalationTarget | null = null;
      if (input.userId) {
        const [known] = await q.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).limit(1);
        if (!known) errors.who = this.copy.notABatonUser(input.userId);
        target = { kind: 'user', userId: input.userId };
      } else if (input.rotation) {
        const rotation = (await loadRotations(this.db)).get(input.rotation);
        if (!rotation) errors.rotation = 'Pick a rotation.';
        else target = { kind: 'rotation', rotationId: rotation.id, role: 'primary' };
      }
      if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
      const policy = (await q.select().from(escalationPolicies).where(eq(escalationPolicies.id, service!.escalationPolicyId)).limit(1))[0]!;
      const chain: EscalationPolicySnapshot = {
        id: `direct:${policy.id}`,
        name: `Direct page, then ${policy.name}`,
        repeat: 0,
        levels: [{ delayMinutes: DEFAULT_LEVEL_DELAY_MINUTES, targets: [target!] }, ...policy.levels],
      };
      return { service: service!, chain };
    });
    const title = input.message.trim().slice(0, 400);
    const id = await this.openByHand(actorId, 'page', { title, severity: 'critical', serviceId: service.id }, chain);
    return { incidentId: id };
  }

  /** `/oncall declare`: an incident opened by hand, paged like any other and always given a channel. */
  async declare(actorId: string, input: { title: string; severity: Severity; serviceId: string }): Promise<number> {
    // Anyone in the workspace may declare: a person who sees a fire should not need a Baton account first.
    const [service] = await this.db.query(async (q) => await q.select().from(services).where(eq(services.id, input.serviceId)).limit(1));
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
      pseudoKey(input.serviceId, 'generic', 'slack'),
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
    await this.db.transaction(async (tx) => {
      // A declared incident always gets a channel; a direct page follows the service's setting.
      if (how === 'declare') await enqueueIncidentChannel(tx, id, now);
      // The person who opened it is told privately what happened, and where the channel is.
      await enqueueOpenerConfirm(tx, id, actor.id, now);
      await writeAudit(tx, {
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
  async setRole(actorId: string, channelId: string, role: IncidentRole, userId: string): Promise<Incident> {
    const { incident, actor } = await this.db.query(async () => {
      const incident = await this.requireIncident(channelId);
      return { incident, actor: await requireResponder(this.db, actorId, incident, 'set roles on') };
    });
    const now = this.now();
    await this.db.transaction(async (tx) => {
      await tx
        .update(incidents)
        .set(role === 'commander' ? { commanderId: userId, updatedAt: now } : { commsLeadId: userId, updatedAt: now })
        .where(eq(incidents.id, incident.id));
      await recordEvent(tx, incident.id, now, 'role', actor.id, {
        role: role === 'commander' ? 'incident commander' : 'communications lead',
        user: userId,
      });
      await writeAudit(tx, {
        at: now,
        actor: actor.id,
        action: `incident.role.${role}`,
        target: `incident:${incident.id}`,
        before: { commanderId: incident.commanderId, commsLeadId: incident.commsLeadId },
        after: { [role]: userId },
      });
      const notice = { type: 'role_set', role, userId, setBy: actor.id } as const;
      await enqueueNotice(tx, { kind: 'slack.message', channel: channelId, notice }, `role:${incident.id}:${role}:${userId}:${now}`, now);
    });
    this.wakeOutbox();
    return incident;
  }

  /** `/oncall update`: to the incident channel and the team's stakeholders channel. */
  async statusUpdate(actorId: string, channelId: string, text: string): Promise<{ stakeholders: string | null }> {
    const { incident, actor, clean, now, stakeholders } = await this.db.query(async (q) => {
      const incident = await this.requireIncident(channelId);
      // Updates speak for the incident to stakeholders, so only its responders post them.
      const actor = await requireResponder(this.db, actorId, incident, 'post status updates on');
      const clean = text.trim().slice(0, 2000);
      if (!clean) throw new InvalidInput({ text: 'Write the update after the command: /oncall update <text>.' });
      const now = this.now();
      const [team] = await q
        .select({ stakeholders: teams.stakeholdersChannel })
        .from(services)
        .innerJoin(teams, eq(teams.id, services.teamId))
        .where(eq(services.id, incident.serviceId))
        .limit(1);
      return { incident, actor, clean, now, stakeholders: team?.stakeholders ?? null };
    });
    await this.db.transaction(async (tx) => {
      await recordEvent(tx, incident.id, now, 'status_update', actor.id, { text: clean });
      const notice = { type: 'status_update', incidentId: incident.id, title: incident.title, authorId: actor.id, text: clean } as const;
      // The key says 'room', the old word for the incident channel: dedupe keys are stored, so it stays as it was.
      await enqueueNotice(tx, { kind: 'slack.message', channel: channelId, notice }, `update:${incident.id}:${now}:room`, now);
      if (stakeholders)
        await enqueueNotice(tx, { kind: 'slack.message', channel: stakeholders, notice }, `update:${incident.id}:${now}:stakeholders`, now);
    });
    this.wakeOutbox();
    return { stakeholders };
  }

  /** `/oncall page @user|rotation <message>`: more responders, paged by DM and invited to the channel. */
  async page(actorId: string, channelId: string, target: { userId?: string; rotation?: string }, message: string): Promise<string[]> {
    // Anyone may bring in help; whoever is paged here may then act on the incident (unless they paged themselves).
    const actor = { id: actorId };
    const { incident, now, userIds } = await this.db.query(async (q) => {
      const incident = await this.requireIncident(channelId);
      const now = this.now();
      let userIds: string[] = [];
      if (target.userId) userIds = [target.userId];
      else if (target.rotation) {
        const rotations = [...(await loadRotations(this.db)).values()];
        const rotation = rotations.find(
          (r) => r.id === target.rotation!.toLowerCase() || r.name.toLowerCase() === target.rotation!.toLowerCase(),
        );
        if (!rotation) throw new InvalidInput({ target: `No rotation or person \`${target.rotation}\`.` });
        const holder = onCallAt(rotation, now, await loadAdjustments(q, now, now + 1)).primary?.userId;
        if (!holder) throw new InvalidInput({ target: `Nobody is on call for ${rotation.name} right now.` });
        userIds = [holder];
      }
      return { incident, now, userIds };
    });
    if (userIds.length === 0) throw new InvalidInput({ target: 'Name a person (@someone) or a rotation.' });
    const reason = { type: 'help', actor: actor.id, message: message.trim().slice(0, 300) } as const;
    await this.db.transaction(async (tx) => {
      for (const userId of userIds) {
        await enqueuePage(
          tx,
          { incidentId: incident.id, userId, level: incident.escalationLevel, loop: incident.escalationLoop, reason },
          now,
          { ruleStep: `responder:${now}` },
        );
      }
      await recordEvent(tx, incident.id, now, 'responder_paged', actor.id, { users: userIds, message: message.slice(0, 300) });
      await enqueueNotice(
        tx,
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
  async pinned(channelId: string, userId: string, messageTs: string): Promise<boolean> {
    const incident = await this.inChannel(channelId);
    if (!incident) return false;
    const now = this.now();
    const added = await this.db.transaction(async (tx) => {
      // Two reactions at once (two people, or two nodes) must not both find the message new.
      await lockKey(tx, `pin:${incident.id}:${messageTs}`);
      if (await statementsOf(tx).pinnedEventExists.get({ incidentId: incident.id, ts: messageTs })) return false;
      await recordEvent(tx, incident.id, now, 'pinned', userId, { ts: messageTs, channel: channelId });
      await enqueuePinText(tx, incident.id, channelId, messageTs, now);
      return true;
    });
    if (added) this.wakeOutbox();
    return true;
  }
}
