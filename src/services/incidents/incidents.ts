import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { incidents } from '../../db/schema.js';
import { statementsOf } from '../../db/statements.js';
import type { Clock } from '../../domain/clock.js';
import { nextPosition } from '../../domain/escalation.js';
import { PermissionDenied } from '../../domain/errors.js';
import type { ActionRefusal } from '../../domain/notices.js';
import type { IncidentSummary } from '../../domain/read-models.js';
import { requireResponder } from './access.js';
import { writeAudit } from '../admin/audit.js';
import { enqueueChannelWrapUp, enqueueIncidentWebhooks, enqueueNotice, enqueueStatusRefresh, incidentsOfPage } from '../outbox.js';
import { loadPagingContext, pageLevel, type Incident, type PagingSettings } from './paging.js';
import { loadIncidentSummaries } from './incident-view.js';
import { recordEvent } from './timeline.js';

export type IncidentAction = 'acknowledge' | 'escalate' | 'resolve';

export type ActionOutcome =
  | { outcome: 'done'; incident: Incident }
  /** Nothing changed: a second click, or a click on an incident that is already past that state. */
  | { outcome: 'unchanged'; incident: Incident; reason: ActionRefusal }
  | { outcome: 'not_found' };

/** Acknowledge, escalate and resolve: the state machine of an incident, driven by people. */
export class IncidentService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void,
    private readonly paging: PagingSettings,
    /** Told of every acknowledgement, with how long it took (for the time-to-acknowledge metric). */
    private readonly onAcknowledged: (seconds: number) => void = () => {},
  ) {}

  async get(id: number): Promise<Incident | undefined> {
    return this.db.query(async (q) => (await q.select().from(incidents).where(eq(incidents.id, id)).limit(1))[0]);
  }

  /**
   * A person in Slack (a card button, the App Home): throws PermissionDenied, having changed nothing, unless
   * they may act on this incident (see requireIncidentResponder). `from.channelId`: the channel of the card
   * clicked, when it was a card in a channel.
   */
  respond(action: IncidentAction, incidentId: number, userId: string, from: { channelId?: string } = {}): Promise<ActionOutcome> {
    return this.run(action, incidentId, userId, (incident) => requireResponder(this.db, userId, incident, action, from));
  }

  /**
   * An actor already authenticated another way: an alert source by its integration key, a phone or SMS
   * reply by the number Baton paged. People in Slack go through `respond`.
   */
  act(action: IncidentAction, incidentId: number, actor: string): Promise<ActionOutcome> {
    return this.run(action, incidentId, actor, async () => {});
  }

  /**
   * "Acknowledge all" on a DM page that listed several incidents (outbox row `pageId`): each incident it listed
   * and still triggered is acknowledged by `userId`, who must be the person it paged, one after another, each
   * as `respond` would. Null when no such page went to them.
   */
  async acknowledgePage(pageId: number, userId: string): Promise<{ listed: number[]; acknowledged: number[]; refused: string[] } | null> {
    const page = await this.db.query((q) => statementsOf(q).sentPage.get({ id: pageId }));
    if (!page || page.userId !== userId) return null;
    const listed = incidentsOfPage(page.payload, page.incidentId);
    const acknowledged: number[] = [];
    const refused: string[] = [];
    for (const id of listed) {
      try {
        if ((await this.respond('acknowledge', id, userId)).outcome === 'done') acknowledged.push(id);
      } catch (err) {
        if (!(err instanceof PermissionDenied)) throw err;
        refused.push(err.message);
      }
    }
    return { listed, acknowledged, refused };
  }

  /** Incidents as a list shows them, in the order asked. */
  summaries(ids: number[]): Promise<IncidentSummary[]> {
    return loadIncidentSummaries(this.db, ids);
  }

  private async run(
    action: IncidentAction,
    incidentId: number,
    actor: string,
    check: (incident: Incident) => Promise<unknown>,
  ): Promise<ActionOutcome> {
    const now = this.clock.nowMs();
    const db = this.db;
    const result = await db.transaction(async (tx): Promise<ActionOutcome> => {
      // Two responders (or a responder and the escalation loop) on two nodes: one change at a time.
      await statementsOf(tx).lockIncident.get({ id: incidentId });
      const [incident] = await tx.select().from(incidents).where(eq(incidents.id, incidentId)).limit(1);
      if (!incident) return { outcome: 'not_found' };
      // Before anything is written: a refusal leaves no state change, audit entry or card update behind.
      await check(incident);
      const refusal = whyUnchanged(action, incident);
      if (refusal) return { outcome: 'unchanged', incident, reason: refusal };
      if (action === 'acknowledge') await settle(tx, incident, 'acknowledged', actor, now);
      else if (action === 'resolve') await settle(tx, incident, 'resolved', actor, now);
      else {
        const reason = await escalate(tx, incident, actor, now, this.paging, db);
        if (reason) return { outcome: 'unchanged', incident, reason };
      }
      await writeAudit(tx, {
        at: now,
        actor,
        action: `incident.${action}`,
        target: `incident:${incident.id}`,
        before: { status: incident.status, level: incident.escalationLevel + 1 },
      });
      return { outcome: 'done', incident: (await tx.select().from(incidents).where(eq(incidents.id, incidentId)).limit(1))[0]! };
    });
    if (result.outcome === 'done') {
      this.wakeOutbox();
      if (action === 'acknowledge' && result.incident.acknowledgedAt !== null)
        this.onAcknowledged((result.incident.acknowledgedAt - result.incident.openedAt) / 1000);
    }
    return result;
  }
}

function whyUnchanged(action: IncidentAction, incident: Incident): ActionRefusal | null {
  if (incident.status === 'resolved') return { type: 'already_resolved', by: incident.resolvedBy };
  if (action === 'acknowledge' && incident.status === 'acknowledged') return { type: 'already_acknowledged', by: incident.acknowledgedBy };
  return null;
}

/** Acknowledging and resolving both stop escalation, record who and when, and update every message. */
async function settle(db: Tx, incident: Incident, to: 'acknowledged' | 'resolved', actor: string, now: number): Promise<void> {
  const who = to === 'acknowledged' ? { acknowledgedAt: now, acknowledgedBy: actor } : { resolvedAt: now, resolvedBy: actor };
  await db
    .update(incidents)
    .set({ status: to, ...who, nextEscalationAt: null, updatedAt: now })
    .where(eq(incidents.id, incident.id));
  await recordEvent(db, incident.id, now, to, actor);
  await enqueueStatusRefresh(db, incident.id, now);
  await enqueueIncidentWebhooks(db, incident, to, now);
  if (to === 'resolved') await enqueueChannelWrapUp(db, incident.id, now);
  // Whoever paged someone from Slack hears back, once, when it is taken (or closed).
  const requester = incident.source === 'slack_page' ? incident.labels.paged_by : undefined;
  if (requester && requester !== actor && /^[UW][A-Z0-9]+$/.test(requester)) {
    const notice = { type: 'page_answered', incidentId: incident.id, title: incident.title, status: to, by: actor } as const;
    await enqueueNotice(db, { kind: 'slack.message', channel: requester, notice }, `page-answer:${incident.id}`, now);
  }
}

/**
 * Pages the next level now. Returns why not when there is no level left to go to. `root` is the database, for
 * the paging context (which keeps rotations per database); `db` is the caller's transaction.
 */
async function escalate(
  db: Tx,
  incident: Incident,
  actor: string,
  now: number,
  paging: PagingSettings,
  root: DB,
): Promise<ActionRefusal | null> {
  const next = nextPosition(incident.policy, { level: incident.escalationLevel, loop: incident.escalationLoop });
  if (!next) return { type: 'last_level', levels: incident.policy.levels.length, policyName: incident.policy.name };
  await recordEvent(db, incident.id, now, 'escalated', actor, { from: incident.escalationLevel + 1, to: next.level + 1 });
  await pageLevel(db, incident, next, now, { type: 'escalated_by', actor }, await loadPagingContext(root, now, paging));
  return null;
}
