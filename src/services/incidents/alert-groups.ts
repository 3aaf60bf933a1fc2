import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { escalationPolicies, incidents } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { NormalizedGroup } from '../../domain/alertmanager.js';
import type { EscalationPolicySnapshot } from '../../domain/escalation.js';
import { urgencyOf } from '../../domain/notification-rules.js';
import { activeRecurringWindow } from '../../domain/recurring-maintenance.js';
import { nextWorkingStart, route, type IncidentUrgency, type RoutingRule } from '../../domain/routing.js';
import { readWebhooks, type OutboundWebhook } from '../admin/settings.js';
import { findServiceWithTeam } from '../directory.js';
import {
  enqueueChannelWrapUp,
  enqueueIncidentChannel,
  enqueueIncidentWebhooks,
  enqueueStatusRefresh,
  enqueueRefresh,
  enqueueTeamPost,
} from '../outbox.js';
import type { IngestResult, IntegrationKey } from './ingest.js';
import { loadPagingContext, pageLevel, type Incident, type PagingContext, type PagingSettings } from './paging.js';
import { recordEvent } from './timeline.js';

/** Alert-only changes refresh an incident's Slack messages at most this often, so a storm cannot flood Slack. */
export const ALERT_REFRESH_INTERVAL_MS = 10_000;

/** One stored payload's alert group, as the route normalized it, and the key it came with. */
export interface GroupPayload {
  key: IntegrationKey;
  rawBody: string;
  group: NormalizedGroup;
  /** Pages this chain instead of the service's policy (a direct page from Slack). */
  policy?: EscalationPolicySnapshot;
}

/** What the payloads of one batch share, inside its transaction. */
export interface BatchState {
  /** Routing rules by service, read once a batch: a storm sends one service's alerts together. */
  routing: Map<string, RoutingRule[] | null>;
  /** What opening an incident reads, once a batch: a storm opens many incidents of a few services. */
  services: Map<string, OpeningService | undefined>;
  paging?: PagingContext;
  webhooks?: OutboundWebhook[];
  /** A message was queued that is due now: the outbox is woken after the commit. */
  wake: boolean;
}

export const newBatchState = (): BatchState => ({ routing: new Map(), services: new Map(), wake: false });

/** A service as opening an incident needs it: with its escalation policy and its team. */
type OpeningService = NonNullable<Awaited<ReturnType<typeof findServiceWithTeam>>> & {
  policy: typeof escalationPolicies.$inferSelect;
};
/**
 * What one payload does, inside the transaction of its batch (ingest.ts batches and commits them): its group,
 * routed to a service, opens that service's incident for it and pages, or updates the open one with its alerts,
 * or resolves it when every alert has; the payload itself is stored with the incident it went to.
 */
export class AlertGroupApplier {
  constructor(
    /** For the paging context, read once a batch (rotations are cached per database). */
    private readonly db: DB,
    private readonly paging: PagingSettings,
  ) {}

  async apply(tx: Tx, { key, rawBody, group, policy }: GroupPayload, now: number, batch: BatchState): Promise<IngestResult> {
    // The statements run for every payload (statementsOf): building their queries each time would dominate.
    const statements = statementsOf(tx);
    // Routing rules of the key's service may send the group to another service, with its own urgency.
    let rules = batch.routing.get(key.serviceId);
    if (rules === undefined) {
      const routing = (await statements.serviceRouting.get({ id: key.serviceId }))?.routing;
      rules = routing ? (JSON.parse(routing) as RoutingRule[]) : null;
      batch.routing.set(key.serviceId, rules);
    }
    const routed = route(rules, group.labels, group.severity);
    const serviceId = routed.service ?? key.serviceId;
    const open = await statements.openIncident.get({ serviceId, dedupKey: group.dedupKey });
    let outcome = open
      ? await this.update(tx, open, group, now, batch)
      : await this.open(tx, serviceId, group, now, batch, routed.urgency, policy);
    if (outcome === 'taken') {
      // Another node opened this group's incident a moment ago: this payload updates it.
      const winner = (await statements.openIncident.get({ serviceId, dedupKey: group.dedupKey }))!;
      outcome = await this.update(tx, winner, group, now, batch);
    }
    const payloadId = (await statements.insertPayloadReturningId.get({
      keyId: key.id,
      source: group.source,
      now,
      body: rawBody,
      incidentId: outcome.incidentId,
    }))!.id;
    if (outcome.outcome === 'opened' || outcome.outcome === 'resolved') batch.wake = true;
    return { payloadId, ...outcome };
  }

  private async open(
    tx: Tx,
    serviceId: string,
    group: NormalizedGroup,
    now: number,
    batch: BatchState,
    urgency: IncidentUrgency = urgencyOf(group.severity),
    policyOverride?: EscalationPolicySnapshot,
  ): Promise<Omit<IngestResult, 'payloadId'> | 'taken'> {
    // A group that arrives already resolved (or resolves a closed incident) has nothing left to page for.
    if (group.alerts.every((a) => a.status === 'resolved')) return { incidentId: null, outcome: 'ignored' };
    if (!batch.services.has(serviceId)) batch.services.set(serviceId, await readOpeningService(tx, serviceId));
    const opening = batch.services.get(serviceId);
    if (!opening) throw new Error(`service ${serviceId} or its escalation policy is missing`);
    const { service, policy, team } = opening;
    const inMaintenance =
      (await statementsOf(tx).activeMaintenance.get({ serviceId, now })) !== undefined ||
      (service.recurringMaintenance !== null && activeRecurringWindow(service.recurringMaintenance, now) !== null);
    // One open incident per group, by a unique key rather than the check above: two nodes may receive the
    // group at once, and the second insert then does nothing ('taken').
    const snapshot = policyOverride ?? { id: policy.id, name: policy.name, repeat: policy.repeat, levels: policy.levels };
    const inserted = await statementsOf(tx).insertIncident.get({
      serviceId,
      dedupKey: group.dedupKey,
      title: group.title,
      severity: group.severity,
      urgency,
      suppressed: inMaintenance ? 1 : 0,
      source: group.source,
      labelsJson: JSON.stringify(group.labels),
      linksJson: JSON.stringify(group.links),
      policyJson: JSON.stringify(snapshot),
      now,
    });
    // The row as stored: what was written, and the columns' defaults.
    const incident: Incident | undefined = inserted && {
      id: inserted.id,
      serviceId,
      dedupKey: group.dedupKey,
      status: 'triggered',
      title: group.title,
      severity: group.severity,
      urgency,
      source: group.source,
      labels: group.labels,
      links: group.links,
      policy: snapshot,
      escalationLevel: 0,
      escalationLoop: 0,
      nextEscalationAt: null,
      deferredUntil: null,
      channelId: null,
      commanderId: null,
      commsLeadId: null,
      suppressed: inMaintenance,
      openedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      updatedAt: now,
    };
    if (!incident) return 'taken';
    await this.upsertAlerts(tx, incident.id, group, now);
    await recordEvent(tx, incident.id, now, 'opened', group.source, { alerts: group.alerts.length, severity: group.severity });
    batch.webhooks ??= await readWebhooks(tx);
    await enqueueIncidentWebhooks(tx, incident, 'opened', now, batch.webhooks);
    // Maintenance and info: recorded and visible, nobody disturbed.
    if (inMaintenance || urgency === 'info') {
      await recordEvent(tx, incident.id, now, 'suppressed', null, { reason: inMaintenance ? 'maintenance window' : 'info urgency' });
      return { incidentId: incident.id, outcome: 'opened' };
    }
    await enqueueTeamPost(tx, incident.id, team.slackChannel, now);
    // Low urgency outside the team's working hours waits for them to start.
    const wait = urgency === 'low' && team.workingHours ? nextWorkingStart(team.workingHours, now) : now;
    if (wait !== null && wait > now) {
      await tx.update(incidents).set({ deferredUntil: wait, nextEscalationAt: wait }).where(eq(incidents.id, incident.id));
      await recordEvent(tx, incident.id, now, 'deferred', null, { until: wait, reason: 'low urgency outside working hours' });
      return { incidentId: incident.id, outcome: 'opened' };
    }
    batch.paging ??= await loadPagingContext(this.db, now, this.paging);
    await pageLevel(tx, incident, { level: 0, loop: 0 }, now, { type: 'new_incident' }, batch.paging);
    if (service.incidentChannels === 'all' || (service.incidentChannels === 'high' && urgency === 'high'))
      await enqueueIncidentChannel(tx, incident.id, now);
    return { incidentId: incident.id, outcome: 'opened' };
  }

  private async update(
    tx: Tx,
    incident: Pick<Incident, 'id'>,
    group: NormalizedGroup,
    now: number,
    batch: BatchState,
  ): Promise<Omit<IngestResult, 'payloadId'>> {
    const statements = statementsOf(tx);
    const changed = await this.upsertAlerts(tx, incident.id, group, now);
    if (!changed) return { incidentId: incident.id, outcome: 'unchanged' };
    // An alert of this payload that fires is stored firing: only a payload of resolved alerts can end the incident.
    const firing = group.alerts.some((a) => a.status === 'firing') || (await statements.firingAlert.get({ incidentId: incident.id }));
    if (!firing) {
      await tx
        .update(incidents)
        .set({ status: 'resolved', resolvedAt: now, resolvedBy: null, nextEscalationAt: null, updatedAt: now })
        .where(eq(incidents.id, incident.id));
      await recordEvent(tx, incident.id, now, 'resolved', group.source, { reason: 'every alert of the group resolved' });
      await enqueueStatusRefresh(tx, incident.id, now);
      await enqueueIncidentWebhooks(
        tx,
        { id: incident.id, serviceId: (await statements.serviceOf.get({ id: incident.id }))!.serviceId },
        'resolved',
        now,
      );
      await enqueueChannelWrapUp(tx, incident.id, now);
      return { incidentId: incident.id, outcome: 'resolved' };
    }
    // A re-send of the same group pages nobody again; a changed alert set is worth a (throttled) refresh.
    const refresh = await enqueueRefresh(tx, incident.id, now, { minIntervalMs: ALERT_REFRESH_INTERVAL_MS });
    if (refresh === 'now') batch.wake = true;
    // A timeline entry when the change is queued for the cards, not one per payload: changes that join a refresh
    // already queued are shown by it. In a storm the timeline would otherwise hold thousands of these in a row,
    // each a write on the path that answers the sender.
    if (refresh !== 'joined') await recordEvent(tx, incident.id, now, 'alerts_updated', group.source, { alerts: group.alerts.length });
    return { incidentId: incident.id, outcome: 'updated' };
  }

  /** Returns whether any alert was added or changed status. */
  private async upsertAlerts(tx: Tx, incidentId: number, group: NormalizedGroup, now: number): Promise<boolean> {
    const statements = statementsOf(tx);
    let changed = false;
    for (const alert of group.alerts) {
      const existing = await statements.alertByFingerprint.get({ incidentId, fingerprint: alert.fingerprint });
      const annotationsJson = JSON.stringify(alert.annotations);
      // Alertmanager re-sends the whole group every interval; an alert that did not change is not rewritten.
      // (Its labels cannot differ: the fingerprint is a hash of them.)
      if (existing && existing.status === alert.status && existing.endsAt === alert.endsAt && existing.annotationsJson === annotationsJson)
        continue;
      if (!existing) {
        await statements.insertAlert.run({
          status: alert.status,
          labelsJson: JSON.stringify(alert.labels),
          annotationsJson,
          endsAt: alert.endsAt,
          now,
          incidentId,
          fingerprint: alert.fingerprint,
          startsAt: alert.startsAt,
          sourceUrl: alert.sourceUrl,
        });
        changed = true;
      } else {
        await statements.updateAlert.run({
          status: alert.status,
          labelsJson: JSON.stringify(alert.labels),
          annotationsJson,
          endsAt: alert.endsAt,
          now,
          id: existing.id,
        });
        changed ||= existing.status !== alert.status;
      }
    }
    return changed;
  }
}

async function readOpeningService(tx: Tx, serviceId: string): Promise<OpeningService | undefined> {
  const found = await findServiceWithTeam(tx, serviceId);
  const [policy] = found
    ? await tx.select().from(escalationPolicies).where(eq(escalationPolicies.id, found.service.escalationPolicyId)).limit(1)
    : [];
  return found && policy ? { ...found, policy } : undefined;
}
