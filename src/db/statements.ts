import { and, count, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { ShiftUnit } from '../domain/rotation.js';
import type { Override, TimeOff } from '../domain/schedule.js';
import type { DB } from './client.js';
import { alerts, incidentEvents, incidents, integrationKeys, outbox, rawPayloads } from './schema.js';

/**
 * Every prepared statement of Baton, and all of its raw SQL, prepared once per database and kept in one cache
 * (`statementsOf`): building a drizzle query (or having SQLite parse one) per call cost more than running it,
 * on the paths that run for every alert, page and escalation. The statements run on the one connection, so
 * inside whatever transaction the caller has open. Other queries stay drizzle builders in their services.
 *
 * Raw SQL is used where row mapping cost more than the query, or where drizzle has no builder (JSON paths).
 */

interface RotationRow {
  id: string;
  name: string;
  teamId: string;
  timeZone: string;
  shiftLength: number;
  shiftUnit: ShiftUnit;
  handoffTime: string;
  startDate: string;
  restrictions: string | null;
  layers: string | null;
  slackUserGroup: string | null;
  dailyDigestTime: string | null;
  source: 'config' | 'slack';
  participants: string | null;
}

interface ContactRow {
  phone: string | null;
  source: string;
  phoneVerifiedAt: number | null;
  smsOptedOut: number;
  notificationRules: string | null;
}

function prepare(db: DB) {
  const p = sql.placeholder;
  return {
    // ── Outbox: queueing and coalescing (services/outbox.ts) ──
    insertOutbox: db
      .insert(outbox)
      .values({
        kind: p('kind'),
        dedupeKey: p('dedupeKey'),
        incidentId: p('incidentId'),
        userId: p('userId'),
        payload: p('payload'),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: p('dueAt'),
        createdAt: p('now'),
      })
      .onConflictDoNothing()
      .prepare(),
    pendingRefresh: db
      .select({ id: outbox.id, nextAttemptAt: outbox.nextAttemptAt })
      .from(outbox)
      .where(and(eq(outbox.incidentId, p('incidentId')), eq(outbox.kind, 'slack.refresh'), eq(outbox.status, 'pending')))
      .limit(1)
      .prepare(),
    lastRefresh: db
      .select({ createdAt: outbox.createdAt })
      .from(outbox)
      .where(and(eq(outbox.incidentId, p('incidentId')), eq(outbox.kind, 'slack.refresh')))
      .orderBy(desc(outbox.id))
      .limit(1)
      .prepare(),
    makeDue: db
      .update(outbox)
      .set({ nextAttemptAt: sql`${p('now')}` })
      .where(eq(outbox.id, p('id')))
      .prepare(),
    outboxStatusByKey: db.$client.prepare<{ dedupeKey: string }, { status: string }>(
      'select status from outbox where dedupe_key = @dedupeKey',
    ),
    pendingOfKind: db.$client.prepare<{ incidentId: number; kind: string }, { found: 1 }>(
      "select 1 as found from outbox where incident_id = @incidentId and kind = @kind and status in ('pending', 'sending') limit 1",
    ),
    channelArchiveAfterHours: db.$client.prepare<{ incidentId: number }, { hours: number }>(
      'select s.channel_archive_after_hours as hours from incidents i join services s on s.id = i.service_id where i.id = @incidentId',
    ),
    // Counted, never loaded: health checks and metrics scrapes read these.
    outboxPendingCount: db.$client.prepare<[], { n: number }>("select count(*) as n from outbox where status in ('pending', 'sending')"),
    outboxFailedCount: db.$client.prepare<[], { n: number }>("select count(*) as n from outbox where status = 'failed'"),
    /** The last SMS page sent to a person (services/phone/phone.ts): a reply of "A" answers all it listed. */
    lastSmsPage: db.$client.prepare<{ userId: string }, { incidentId: number; payload: string }>(
      "select incident_id as incidentId, payload from outbox where user_id = @userId and kind = 'twilio.sms' and status = 'sent' order by sent_at desc, id desc limit 1",
    ),

    // ── Timeline (services/incidents/timeline.ts, incident-channel.ts, incident-view.ts) ──
    insertEvent: db
      .insert(incidentEvents)
      .values({ incidentId: p('incidentId'), at: p('at'), kind: p('kind'), actor: p('actor'), detail: p('detail') })
      .prepare(),
    pinnedEventExists: db.$client.prepare<{ incidentId: number; ts: string }, { found: 1 }>(
      "select 1 as found from incident_events where incident_id = @incidentId and kind = 'pinned' and json_extract(detail, '$.ts') = @ts",
    ),
    setPinnedText: db.$client.prepare<{ incidentId: number; ts: string; text: string; author: string | null }>(
      "update incident_events set detail = json_set(detail, '$.text', @text, '$.author', @author) where incident_id = @incidentId and kind = 'pinned' and json_extract(detail, '$.ts') = @ts",
    ),
    pagedUsers: db.$client.prepare<{ incidentId: number; level: number; loop: number }, { users: string | null }>(
      "select json_extract(detail, '$.users') as users from incident_events where incident_id = @incidentId and kind = 'paged' and json_extract(detail, '$.level') = @level and json_extract(detail, '$.loop') = @loop order by id desc limit 1",
    ),

    // ── Schedules: read on every page and every who-is-on-call (services/directory.ts, schedules/oncall.ts) ──
    // Raw SQL on purpose: who-is-on-call reads every rotation, and row mapping cost more than the query.
    // Participants are Slack user IDs ([A-Z0-9]), so a comma list is unambiguous.
    rotationsWithParticipants: db.$client.prepare<[], RotationRow>(
      `select r.id, r.name, r.team_id as teamId, r.time_zone as timeZone, r.shift_length as shiftLength, r.shift_unit as shiftUnit,
              r.handoff_time as handoffTime, r.start_date as startDate, r.restrictions, r.layers,
              r.slack_user_group as slackUserGroup, r.daily_digest_time as dailyDigestTime, r.source,
              (select group_concat(p.user_id, ',' order by p.position) from rotation_participants p where p.rotation_id = r.id) as participants
         from rotations r order by r.name`,
    ),
    // The schedule's adjustments overlapping [from, to): read on every page and every who-is-on-call.
    overridesBetween: db.$client.prepare<{ from: number; to: number }, Override>(
      `select id, rotation_id as rotationId, user_id as userId, role, start_at as start, end_at as end, id as seq
         from overrides where cancelled_at is null and end_at > @from and start_at < @to order by id`,
    ),
    timeOffBetween: db.$client.prepare<{ from: number; to: number }, TimeOff>(
      `select id, user_id as userId, start_at as start, end_at as end
         from time_off where cancelled_at is null and end_at > @from and start_at < @to order by id`,
    ),

    // ── Paging and escalation (services/incidents/paging.ts, escalation.ts, notify/senders) ──
    contactOf: db.$client.prepare<{ id: string }, ContactRow>(
      `select phone, source, phone_verified_at as phoneVerifiedAt, sms_opted_out as smsOptedOut, notification_rules as notificationRules
         from users where id = @id`,
    ),
    moveToLevel: db
      .update(incidents)
      .set({
        status: 'triggered',
        escalationLevel: sql`${p('level')}`,
        escalationLoop: sql`${p('loop')}`,
        nextEscalationAt: sql`${p('nextEscalationAt')}`,
        // Paging a level ends any wait for working hours.
        deferredUntil: null,
        updatedAt: sql`${p('now')}`,
      })
      .where(eq(incidents.id, p('id')))
      .prepare(),
    nextEscalationDue: db.$client.prepare<[], { at: number | null }>(
      "select min(next_escalation_at) as at from incidents where status = 'triggered'",
    ),
    urgencyAndStatus: db.$client.prepare<{ id: number }, { urgency: string; status: string }>(
      'select urgency, status from incidents where id = @id',
    ),
    incidentsByState: db.$client.prepare<[], { status: string; n: number }>('select status, count(*) as n from incidents group by status'),

    // ── Ingest: run for every payload (services/incidents/ingest.ts) ──
    keyByHash: db
      .select()
      .from(integrationKeys)
      .where(eq(integrationKeys.keyHash, p('hash')))
      .prepare(),
    // Only the id: the full row would parse three JSON columns on every re-send of a group.
    serviceOf: db.$client.prepare<{ id: number }, { serviceId: string }>('select service_id as serviceId from incidents where id = @id'),
    serviceRouting: db.$client.prepare<{ id: string }, { routing: string | null }>('select routing from services where id = @id'),
    activeMaintenance: db.$client.prepare<{ serviceId: string; now: number }, { id: number }>(
      'select id from maintenance_windows where service_id = @serviceId and start_at <= @now and end_at > @now limit 1',
    ),
    openIncident: db
      .select({ id: incidents.id })
      .from(incidents)
      .where(and(eq(incidents.serviceId, p('serviceId')), eq(incidents.dedupKey, p('dedupKey')), ne(incidents.status, 'resolved')))
      .prepare(),
    alertByFingerprint: db
      .select({ id: alerts.id, status: alerts.status, endsAt: alerts.endsAt, annotationsJson: sql<string>`${alerts.annotations}` })
      .from(alerts)
      .where(and(eq(alerts.incidentId, p('incidentId')), eq(alerts.fingerprint, p('fingerprint'))))
      .prepare(),
    insertAlert: db
      .insert(alerts)
      .values({
        incidentId: p('incidentId'),
        fingerprint: p('fingerprint'),
        status: p('status'),
        labels: p('labels'),
        annotations: p('annotations'),
        startsAt: p('startsAt'),
        endsAt: p('endsAt'),
        sourceUrl: p('sourceUrl'),
        firstSeenAt: p('now'),
        lastSeenAt: p('now'),
      })
      .prepare(),
    // drizzle's update builder takes placeholders only as raw SQL, so JSON columns arrive already encoded.
    updateAlert: db
      .update(alerts)
      .set({
        status: sql`${p('status')}`,
        labels: sql`${p('labelsJson')}`,
        annotations: sql`${p('annotationsJson')}`,
        endsAt: sql`${p('endsAt')}`,
        lastSeenAt: sql`${p('now')}`,
      })
      .where(eq(alerts.id, p('id')))
      .prepare(),
    firingAlert: db
      .select({ id: alerts.id })
      .from(alerts)
      .where(and(eq(alerts.incidentId, p('incidentId')), eq(alerts.status, 'firing')))
      .limit(1)
      .prepare(),
    insertPayload: db
      .insert(rawPayloads)
      .values({ integrationKeyId: p('keyId'), source: p('source'), receivedAt: p('now'), body: p('body'), incidentId: p('incidentId') })
      .prepare(),

    // ── Retention: a batch of `limit` rows per table per pass (services/retention.ts) ──
    pruneRawPayloads: db.$client.prepare<{ cutoff: number; limit: number }>(
      `delete from raw_payloads where id in (
         select r.id from raw_payloads r left join incidents i on i.id = r.incident_id
         where r.received_at < @cutoff and (r.incident_id is null or i.status = 'resolved') order by r.received_at limit @limit)`,
    ),
    pruneAlerts: db.$client.prepare<{ cutoff: number; limit: number }>(
      `delete from alerts where id in (
         select a.id from alerts a join incidents i on i.id = a.incident_id
         where i.status = 'resolved' and i.resolved_at < @cutoff limit @limit)`,
    ),
    pruneOutbox: db.$client.prepare<{ cutoff: number; limit: number }>(
      `delete from outbox where id in (
         select o.id from outbox o left join incidents i on i.id = o.incident_id
         where o.status in ('sent', 'skipped', 'failed') and o.created_at < @cutoff
           and (o.incident_id is null or i.status = 'resolved') order by o.created_at limit @limit)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepare>;

const cache = new WeakMap<DB, Statements>();

/** The database's prepared statements, prepared on first use. */
export function statementsOf(db: DB): Statements {
  let statements = cache.get(db);
  if (!statements) {
    statements = prepare(db);
    cache.set(db, statements);
  }
  return statements;
}

/** Messages still to be sent (pending or being sent) and messages given up on: for health checks and metrics. */
export function outboxBacklog(db: DB): { pending: number; failed: number } {
  const statements = statementsOf(db);
  return { pending: statements.outboxPendingCount.get()!.n, failed: statements.outboxFailedCount.get()!.n };
}

/** How many incidents are in each state (states with none are absent): for metrics. */
export function incidentsByState(db: DB): Record<string, number> {
  return Object.fromEntries(
    statementsOf(db)
      .incidentsByState.all()
      .map((r) => [r.status, r.n]),
  );
}

/** How many alerts each of these incidents has (incidents with none are absent). */
export function alertCountsByIncident(db: DB, incidentIds: number[]): Map<number, number> {
  if (incidentIds.length === 0) return new Map();
  const rows = db
    .select({ incidentId: alerts.incidentId, n: count() })
    .from(alerts)
    .where(inArray(alerts.incidentId, incidentIds))
    .groupBy(alerts.incidentId)
    .all();
  return new Map(rows.map((r) => [r.incidentId, r.n]));
}
