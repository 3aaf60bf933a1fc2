import { count, eq, inArray, sql } from 'drizzle-orm';
import type { ShiftUnit } from '../domain/rotation.js';
import type { Override, TimeOff } from '../domain/schedule.js';
import { changedRows, pgRunnerOf, type DB, type PgRunner, type SqliteDB, type Tx } from './client.js';
import { alerts, incidents, integrationKeys, outbox } from './schema.js';

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

const p = sql.placeholder;

/**
 * Which messages go first when Slack is the bottleneck: pages (DM and phone) before posts and notes, and
 * those before card refreshes, channel set-up and the rest. Within a priority, oldest first.
 */
const PRIORITY_OF: Record<string, number> = {
  'slack.page': 0,
  'twilio.sms': 0,
  'twilio.voice': 0,
  'twilio.verify': 0,
  'slack.team_post': 1,
  'slack.incident_note': 1,
  'slack.message': 1,
  'slack.opener_confirm': 1,
  'slack.opener_link': 1,
  'slack.swap_ask': 1,
  'slack.cover_post': 1,
};

/** A message kind's priority, stored with the row (the `priority` column) so claims read rows in order. */
export function outboxPriority(kind: string): number {
  return PRIORITY_OF[kind] ?? 2;
}

const OUTBOX_COLUMNS = `id, dedupe_key as dedupeKey, kind, incident_id as incidentId, payload, status, attempts,
  next_attempt_at as nextAttemptAt, last_error as lastError, created_at as createdAt, sent_at as sentAt, interrupted,
  user_id as userId, lease_until as leaseUntil`;

/** Due rows become `sending` under a lease. On PostgreSQL, rows another node is claiming are skipped, not waited for. */
const claimSql = (due: string, lock: string) => `update outbox set status = 'sending', lease_until = @leaseUntil
  where id in (select id from outbox where status = 'pending' and ${due} <= @now
               order by priority, id limit @limit${lock})
  returning ${OUTBOX_COLUMNS}, priority`;

type OutboxRow = typeof outbox.$inferSelect;
type RawOutboxRow = Omit<OutboxRow, 'payload' | 'interrupted'> & { payload: string; interrupted: number; priority: number };

const definitions = {
  // ── The outbox engine (notify/outbox-loop.ts), shared by every node ──
  // SQLite, without statistics, would read `outbox_due` and sort every due row for each claim: `+` keeps it on
  // `outbox_claim`, read in order until `limit` due rows are found.
  claimDue: raw<{ now: number; limit: number; leaseUntil: number }, RawOutboxRow>(
    claimSql('+next_attempt_at', ''),
    claimSql('next_attempt_at', ' for update skip locked'),
  ),
  /**
   * What became of a claimed row's attempt; the claim ends with it. A row another message took into its bundle
   * meanwhile (skipped, covered by it) stays so: told to wait, it would otherwise be sent again on its own. Raw:
   * the outbox records thousands a minute in a storm.
   */
  recordAttempt: raw<{
    id: number;
    status: string;
    attempts: number | null;
    nextAttemptAt: number | null;
    lastError: string | null;
    sentAt: number | null;
  }>(
    `update outbox set status = @status, attempts = coalesce(@attempts, attempts), next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at),
       last_error = @lastError, sent_at = @sentAt, lease_until = null where id = @id and status <> 'skipped'`,
  ),
  // ── Slack pacing (notify/pacing.ts), shared by every node ──
  // Read and written under a per-key lock (notify/pacing.ts), so two nodes cannot both take the same slot.
  pacingGet: raw<{ key: string }, { at: number; incidentId: number | null }>(
    'select at, incident_id as incidentId from pacing where key = @key',
  ),
  pacingPut: raw<{ key: string; at: number; incidentId: number | null }>(
    'insert into pacing (key, at, incident_id) values (@key, @at, @incidentId) on conflict (key) do update set at = excluded.at, incident_id = excluded.incident_id',
  ),
  pacingDelete: raw<{ key: string }>('delete from pacing where key = @key'),
  prunePacing: raw<{ before: number }>('delete from pacing where at < @before'),
  /** Claims whose lease lapsed (their node died mid-send) go back to the queue, to be looked for before a resend. */
  reclaimLapsed: raw<{ now: number }>(
    "update outbox set status = 'pending', interrupted = 1, lease_until = null where status = 'sending' and (lease_until is null or lease_until <= @now)",
  ),
  // ── Outbox: queueing and coalescing (services/outbox.ts) ──
  // Raw on the paths that run for every alert: drizzle's value mapping cost more than the insert.
  insertOutbox: raw<{
    kind: string;
    dedupeKey: string | null;
    incidentId: number | null;
    userId: string | null;
    payloadJson: string;
    dueAt: number;
    now: number;
    priority: number;
  }>(
    `insert into outbox (kind, dedupe_key, incident_id, user_id, payload, status, attempts, next_attempt_at, created_at, interrupted, priority)
       values (@kind, @dedupeKey, @incidentId, @userId, @payloadJson, 'pending', 0, @dueAt, @now, 0, @priority) on conflict do nothing`,
  ),
  pendingRefresh: raw<{ incidentId: number }, { id: number; nextAttemptAt: number }>(
    "select id, next_attempt_at as nextAttemptAt from outbox where incident_id = @incidentId and kind = 'slack.refresh' and status = 'pending' limit 1",
  ),
  lastRefresh: raw<{ incidentId: number }, { createdAt: number }>(
    "select created_at as createdAt from outbox where incident_id = @incidentId and kind = 'slack.refresh' order by id desc limit 1",
  ),
  makeDue: built((q) =>
    q
      .update(outbox)
      .set({ nextAttemptAt: sql`${p('now')}` })
      .where(eq(outbox.id, p('id'))),
  ),
  outboxStatusByKey: raw<{ dedupeKey: string }, { status: string }>('select status from outbox where dedupe_key = @dedupeKey'),
  outboxStatusById: raw<{ id: number }, { status: string; lastError: string | null }>(
    'select status, last_error as lastError from outbox where id = @id',
  ),
  pendingOfKind: raw<{ incidentId: number; kind: string }, { found: 1 }>(
    "select 1 as found from outbox where incident_id = @incidentId and kind = @kind and status in ('pending', 'sending') limit 1",
  ),
  channelArchiveAfterHours: raw<{ incidentId: number }, { hours: number }>(
    'select s.channel_archive_after_hours as hours from incidents i join services s on s.id = i.service_id where i.id = @incidentId',
  ),
  // Counted, never loaded: health checks and metrics scrapes read these. Each WHERE is the predicate of a
  // partial index (schema.ts: outbox_due, outbox_leases, outbox_failed), which holds only the rows counted:
  // `status in ('pending', 'sending')` matches none of them, and both engines would read the whole table.
  outboxPendingCount: raw<[], { n: number }>(
    "select (select count(*) from outbox where status = 'pending') + (select count(*) from outbox where status = 'sending') as n",
  ),
  outboxFailedCount: raw<[], { n: number }>("select count(*) as n from outbox where status = 'failed'"),
  // ── Slack pages (notify/senders/page.ts) ──
  /**
   * A person's other DM pages still to be sent and due by `horizon`: held for their DM's pace, or due now.
   * Not those already past the point of sending (`sent_at` set). Served by `outbox_pages_waiting`.
   */
  // SQLite would pick `outbox_user_kind` (every page the person ever had) unless told: `+user_id` keeps it off.
  heldPages: raw<
    { userId: string; id: number; horizon: number },
    { id: number; incidentId: number; payload: string; lastError: string | null }
  >(
    `select id, incident_id as incidentId, payload, last_error as lastError from outbox where kind = 'slack.page'
       and status in ('pending', 'sending') and next_attempt_at <= @horizon and +user_id = @userId and sent_at is null and id <> @id`,
    `select id, incident_id as incidentId, payload, last_error as lastError from outbox where kind = 'slack.page'
       and status in ('pending', 'sending') and next_attempt_at <= @horizon and user_id = @userId and sent_at is null and id <> @id`,
  ),
  /**
   * When the first DM page waiting to go (never yet tried, not yet claimed) is due, if by `horizon`: card
   * refreshes and channel posts wait for it. The status is named as the partial index names it, so it serves.
   */
  firstWaitingPage: raw<{ horizon: number }, { at: number | null }>(
    `select min(next_attempt_at) as at from outbox where kind = 'slack.page' and status in ('pending', 'sending')
       and status = 'pending' and next_attempt_at <= @horizon and attempts = 0`,
  ),
  /** A page taken into another's bundle: it is on its way in that message. */
  coverPage: raw<{ id: number; reason: string; now: number }>(
    "update outbox set status = 'skipped', last_error = @reason, sent_at = @now, lease_until = null where id = @id",
  ),
  /** The page going out now, with the incidents it lists (counted as past the point of sending from now). */
  startPage: raw<{ id: number; payloadJson: string; now: number }>(
    'update outbox set sent_at = @now, payload = @payloadJson where id = @id',
  ),
  /** A DM page as sent: to whom, and the incidents it listed (its own alone unless `bundle`). */
  sentPage: raw<{ id: number }, { userId: string; incidentId: number; payload: string }>(
    "select user_id as userId, incident_id as incidentId, payload from outbox where id = @id and kind = 'slack.page' and status = 'sent'",
  ),
  // ── List pages (notify/senders/page.ts): a DM that paged one person for several incidents at once ──
  insertPageListItem: raw<{ listId: number; incidentId: number; channel: string; ts: string }>(
    'insert into page_list_items (list_id, incident_id, channel, ts) values (@listId, @incidentId, @channel, @ts) on conflict do nothing',
  ),
  pageListsOf: raw<{ incidentId: number }, { listId: number }>(
    'select distinct list_id as listId from page_list_items where incident_id = @incidentId',
  ),
  pageListItems: raw<{ listId: number }, { incidentId: number; channel: string; ts: string }>(
    'select incident_id as incidentId, channel, ts from page_list_items where list_id = @listId order by incident_id',
  ),
  /** The last SMS page sent to a person (services/phone/phone.ts): a reply of "A" answers all it listed. */
  lastSmsPage: raw<{ userId: string }, { incidentId: number; payload: string }>(
    "select incident_id as incidentId, payload from outbox where user_id = @userId and kind = 'twilio.sms' and status = 'sent' order by sent_at desc, id desc limit 1",
  ),

  // ── Timeline (services/incidents/timeline.ts, incident-channel.ts, incident-view.ts) ──
  insertEvent: raw<{ incidentId: number; at: number; kind: string; actor: string | null; detailJson: string }>(
    'insert into incident_events (incident_id, at, kind, actor, detail) values (@incidentId, @at, @kind, @actor, @detailJson)',
  ),
  pinnedEventExists: raw<{ incidentId: number; ts: string }, { found: 1 }>(
    "select 1 as found from incident_events where incident_id = @incidentId and kind = 'pinned' and json_extract(detail, '$.ts') = @ts",
    "select 1 as found from incident_events where incident_id = @incidentId and kind = 'pinned' and detail::jsonb ->> 'ts' = @ts",
  ),
  setPinnedText: raw<{ incidentId: number; ts: string; text: string; author: string | null }>(
    "update incident_events set detail = json_set(detail, '$.text', @text, '$.author', @author) where incident_id = @incidentId and kind = 'pinned' and json_extract(detail, '$.ts') = @ts",
    `update incident_events set detail = (detail::jsonb || jsonb_build_object('text', @text::text, 'author', @author::text))::text
      where incident_id = @incidentId and kind = 'pinned' and detail::jsonb ->> 'ts' = @ts`,
  ),
  pagedUsers: raw<{ incidentId: number; level: number; loop: number }, { users: string | null }>(
    "select json_extract(detail, '$.users') as users from incident_events where incident_id = @incidentId and kind = 'paged' and json_extract(detail, '$.level') = @level and json_extract(detail, '$.loop') = @loop order by id desc limit 1",
    `select (detail::json -> 'users')::text as users from incident_events where incident_id = @incidentId and kind = 'paged'
        and (detail::jsonb ->> 'level')::bigint = @level and (detail::jsonb ->> 'loop')::bigint = @loop order by id desc limit 1`,
  ),

  // ── Schedules: read on every page and every who-is-on-call (services/directory.ts, schedules/oncall.ts) ──
  // Raw SQL on purpose: who-is-on-call reads every rotation, and row mapping cost more than the query.
  // Participants are Slack user IDs ([A-Z0-9]), so a comma list is unambiguous.
  rotationsWithParticipants: raw<[], RotationRow>(
    `select r.id, r.name, r.team_id as teamId, r.time_zone as timeZone, r.shift_length as shiftLength, r.shift_unit as shiftUnit,
              r.handoff_time as handoffTime, r.start_date as startDate, r.restrictions, r.layers,
              r.slack_user_group as slackUserGroup, r.daily_digest_time as dailyDigestTime, r.source,
              (select group_concat(p.user_id, ',' order by p.position) from rotation_participants p where p.rotation_id = r.id) as participants
         from rotations r order by r.name`,
    `select r.id, r.name, r.team_id as teamId, r.time_zone as timeZone, r.shift_length as shiftLength, r.shift_unit as shiftUnit,
              r.handoff_time as handoffTime, r.start_date as startDate, r.restrictions, r.layers,
              r.slack_user_group as slackUserGroup, r.daily_digest_time as dailyDigestTime, r.source,
              (select string_agg(p.user_id, ',' order by p.position) from rotation_participants p where p.rotation_id = r.id) as participants
         from rotations r order by r.name`,
  ),
  // The schedule's adjustments overlapping [from, to): read on every page and every who-is-on-call.
  overridesBetween: raw<{ from: number; to: number }, Override>(
    `select id, rotation_id as rotationId, user_id as userId, role, start_at as "start", end_at as "end", id as seq
         from overrides where cancelled_at is null and end_at > @from and start_at < @to order by id`,
  ),
  timeOffBetween: raw<{ from: number; to: number }, TimeOff>(
    `select id, user_id as userId, start_at as "start", end_at as "end"
         from time_off where cancelled_at is null and end_at > @from and start_at < @to order by id`,
  ),

  // ── Paging and escalation (services/incidents/paging.ts, escalation.ts, notify/senders) ──
  contactOf: raw<{ id: string }, ContactRow>(
    `select phone, source, phone_verified_at as phoneVerifiedAt, sms_opted_out as smsOptedOut, notification_rules as notificationRules
         from users where id = @id`,
  ),
  moveToLevel: built((q) =>
    q
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
      .where(eq(incidents.id, p('id'))),
  ),
  /**
   * Incidents due to escalate. On PostgreSQL the rows stay locked until the tick commits, so an acknowledgement
   * made meanwhile on another node waits for it and is not overwritten by the next level's page.
   */
  dueIncidentIds: raw<{ now: number; limit: number }, { id: number }>(
    "select id from incidents where status = 'triggered' and next_escalation_at <= @now order by next_escalation_at, id limit @limit",
    "select id from incidents where status = 'triggered' and next_escalation_at <= @now order by next_escalation_at, id limit @limit for update",
  ),
  /** Takes an incident for a change (acknowledge, resolve, escalate): on PostgreSQL, concurrent changes wait their turn. */
  lockIncident: raw<{ id: number }, { id: number }>(
    'select id from incidents where id = @id',
    'select id from incidents where id = @id for update',
  ),
  nextEscalationDue: raw<[], { at: number | null }>("select min(next_escalation_at) as at from incidents where status = 'triggered'"),
  urgencyAndStatus: raw<{ id: number }, { urgency: string; status: string }>('select urgency, status from incidents where id = @id'),
  /**
   * From indexes, never the table. Open incidents are few: counted by state from incidents_open_status, whose
   * predicate the WHERE repeats. Resolved ones are nearly all of them: all incidents less the open ones, since
   * a bare count(*) is SQLite's cheapest (it adds up the leaf pages of the smallest full index, here
   * incidents_resolved_at, without reading their entries); one statement reads both counts from one snapshot.
   * The resolved row is there even when it is 0.
   */
  incidentsByState: raw<[], { status: string; n: number }>(
    `select status, count(*) as n from incidents where status <> 'resolved' group by status
     union all
     select 'resolved', (select count(*) from incidents) - (select count(*) from incidents where status <> 'resolved')`,
  ),

  // ── Ingest: run for every payload (services/incidents/ingest.ts) ──
  keyByHash: built((q) =>
    q
      .select()
      .from(integrationKeys)
      .where(eq(integrationKeys.keyHash, p('hash'))),
  ),
  // Only the id: the full row would parse three JSON columns on every re-send of a group.
  serviceOf: raw<{ id: number }, { serviceId: string }>('select service_id as serviceId from incidents where id = @id'),
  serviceRouting: raw<{ id: string }, { routing: string | null }>('select routing from services where id = @id'),
  activeMaintenance: raw<{ serviceId: string; now: number }, { id: number }>(
    'select id from maintenance_windows where service_id = @serviceId and start_at <= @now and end_at > @now limit 1',
  ),
  openIncident: raw<{ serviceId: string; dedupKey: string }, { id: number }>(
    "select id from incidents where service_id = @serviceId and dedup_key = @dedupKey and status <> 'resolved'",
  ),
  alertByFingerprint: raw<
    { incidentId: number; fingerprint: string },
    { id: number; status: 'firing' | 'resolved'; endsAt: string | null; annotationsJson: string }
  >(
    'select id, status, ends_at as endsAt, annotations as annotationsJson from alerts where incident_id = @incidentId and fingerprint = @fingerprint',
  ),
  insertAlert: raw<{
    incidentId: number;
    fingerprint: string;
    status: string;
    labelsJson: string;
    annotationsJson: string;
    startsAt: string;
    endsAt: string | null;
    sourceUrl: string | null;
    now: number;
  }>(
    `insert into alerts (incident_id, fingerprint, status, labels, annotations, starts_at, ends_at, source_url, first_seen_at, last_seen_at)
       values (@incidentId, @fingerprint, @status, @labelsJson, @annotationsJson, @startsAt, @endsAt, @sourceUrl, @now, @now)`,
  ),
  // drizzle's update builder takes placeholders only as raw SQL, so JSON columns arrive already encoded.
  updateAlert: raw<{ status: string; labelsJson: string; annotationsJson: string; endsAt: string | null; now: number; id: number }>(
    'update alerts set status = @status, labels = @labelsJson, annotations = @annotationsJson, ends_at = @endsAt, last_seen_at = @now where id = @id',
  ),
  firingAlert: raw<{ incidentId: number }, { id: number }>(
    "select id from alerts where incident_id = @incidentId and status = 'firing' limit 1",
  ),
  /** The same, answering the new payload's id (ingest returns it). */
  /**
   * A new incident, unless the group already has an open one (the partial unique index; no conflict target, which
   * SQLite would not match to it): then no row, and the caller knows another request opened it. Raw: drizzle
   * built this insert anew for every incident, a tenth of a burst of new ones.
   */
  insertIncident: raw<
    {
      serviceId: string;
      dedupKey: string;
      title: string;
      severity: string;
      urgency: string;
      suppressed: number;
      source: string;
      labelsJson: string;
      linksJson: string;
      policyJson: string;
      now: number;
    },
    { id: number }
  >(
    `insert into incidents (service_id, dedup_key, status, title, severity, urgency, suppressed, source, labels, links, policy,
       escalation_level, escalation_loop, opened_at, updated_at)
     values (@serviceId, @dedupKey, 'triggered', @title, @severity, @urgency, @suppressed, @source, @labelsJson, @linksJson, @policyJson,
       0, 0, @now, @now)
     on conflict do nothing returning id`,
  ),
  insertPayloadReturningId: raw<{ keyId: number; source: string; now: number; body: string; incidentId: number | null }, { id: number }>(
    'insert into raw_payloads (integration_key_id, source, received_at, body, incident_id) values (@keyId, @source, @now, @body, @incidentId) returning id',
  ),
  insertPayload: raw<{ keyId: number; source: string; now: number; body: string; incidentId: number | null }>(
    'insert into raw_payloads (integration_key_id, source, received_at, body, incident_id) values (@keyId, @source, @now, @body, @incidentId)',
  ),

  // ── Retention: a batch of `limit` rows per table per pass (services/retention.ts) ──
  pruneRawPayloads: raw<{ cutoff: number; limit: number }>(
    `delete from raw_payloads where id in (
         select r.id from raw_payloads r left join incidents i on i.id = r.incident_id
         where r.received_at < @cutoff and (r.incident_id is null or i.status = 'resolved') order by r.received_at limit @limit)`,
  ),
  pruneAlerts: raw<{ cutoff: number; limit: number }>(
    `delete from alerts where id in (
         select a.id from alerts a join incidents i on i.id = a.incident_id
         where i.status = 'resolved' and i.resolved_at < @cutoff limit @limit)`,
  ),
  pruneOutbox: raw<{ cutoff: number; limit: number }>(
    `delete from outbox where id in (
         select o.id from outbox o left join incidents i on i.id = o.incident_id
         where o.status in ('sent', 'skipped', 'failed') and o.created_at < @cutoff
           and (o.incident_id is null or i.status = 'resolved') order by o.created_at limit @limit)`,
  ),
};

type Params = Record<string, unknown>;

/** A statement run with `await`: the same calls on either engine. `P`: its parameters, by name. */
export interface Statement<R, P = Params> {
  get(params?: P): Promise<R | undefined>;
  all(params?: P): Promise<R[]>;
  run(params?: P): Promise<{ changes: number }>;
}

/** Raw SQL with `@name` parameters; `postgres` only where the dialects differ (JSON paths, aggregates). */
interface RawDefinition<P, R> {
  kind: 'raw';
  sqlite: string;
  postgres?: string;
  /** Phantoms: the parameters' and the row's types. */
  params?: P;
  row?: R;
}

/** A drizzle builder over placeholders, made on the unit's handle. */
interface BuiltDefinition<R> {
  kind: 'built';
  make: (q: Tx) => unknown;
  params?: Params;
  row?: R;
}

function raw<P = Params, R = never>(sqlite: string, postgres?: string): RawDefinition<P, R> {
  return { kind: 'raw', sqlite, postgres };
}

type RowOf<B> = Awaited<B> extends (infer R)[] ? R : never;

function built<B>(make: (q: Tx) => B): BuiltDefinition<RowOf<B>> {
  return { kind: 'built', make };
}

type Definitions = typeof definitions;
export type Statements = {
  [K in keyof Definitions]: Statement<NonNullable<Definitions[K]['row']>, NonNullable<Definitions[K]['params']>>;
};

interface SyncStatement {
  get(params?: Params): unknown;
  all(params?: Params): unknown[];
  run(params?: Params): { changes: number };
}

/** The embedded engine: every statement prepared once on the one connection. */
function sqliteStatements(orm: SqliteDB['orm']): Statements {
  const entries = Object.entries(definitions).map(([name, d]) => {
    const s = (
      d.kind === 'raw' ? orm.$client.prepare(d.sqlite) : (d.make(orm as unknown as Tx) as { prepare(): unknown }).prepare()
    ) as SyncStatement;
    // better-sqlite3 takes no argument for a statement without parameters.
    const args = (params?: Params) => (params === undefined ? [] : [params]);
    const statement: Statement<unknown> = {
      get: async (params) => s.get(...args(params)),
      all: async (params) => s.all(...args(params)),
      run: async (params) => ({ changes: s.run(...args(params)).changes }),
    };
    return [name, statement];
  });
  return Object.fromEntries(entries) as Statements;
}

/** `@name` parameters become `$n`, and camelCase aliases are quoted (PostgreSQL folds bare names to lower case). */
function toPostgres(text: string): { text: string; names: string[] } {
  const names: string[] = [];
  const converted = text
    .replace(/@(\w+)/g, (_, name: string) => {
      let n = names.indexOf(name);
      if (n < 0) n = names.push(name) - 1;
      return `$${n + 1}`;
    })
    .replace(/\bas ([a-z]+[A-Z]\w*)/g, 'as "$1"');
  return { text: converted, names };
}

/**
 * PostgreSQL: statements run on the unit's connection (a transaction holds one), so they are made per unit;
 * raw SQL is named, so each connection parses it once.
 */
function postgresStatements(q: Tx, runner: PgRunner): Statements {
  const entries = Object.entries(definitions).map(([name, d]) => {
    let statement: Statement<unknown>;
    if (d.kind === 'raw') {
      const { text, names } = toPostgres(d.postgres ?? d.sqlite);
      const exec = (params?: Params) => runner.query({ name: `baton_${name}`, text, values: names.map((n) => params?.[n] ?? null) });
      statement = {
        get: async (params) => (await exec(params)).rows[0],
        all: async (params) => (await exec(params)).rows,
        run: async (params) => ({ changes: (await exec(params)).rowCount ?? 0 }),
      };
    } else {
      // Built on first use in this unit, then reused: a batch runs the same statements hundreds of times.
      let made: { execute(p?: Params): Promise<unknown> } | undefined;
      const prepared = (params?: Params) => {
        made ??= (d.make(q) as { prepare(name: string): { execute(p?: Params): Promise<unknown> } }).prepare(`baton_${name}`);
        return made.execute(params);
      };
      statement = {
        get: async (params) => ((await prepared(params)) as unknown[])[0],
        all: async (params) => (await prepared(params)) as unknown[],
        run: async (params) => ({ changes: changedRows(await prepared(params)) }),
      };
    }
    return [name, statement];
  });
  return Object.fromEntries(entries) as Statements;
}

/** The statements written as raw SQL. */
type RawName = { [K in keyof Definitions]: Definitions[K] extends RawDefinition<infer _P, infer _R> ? K : never }[keyof Definitions];

/**
 * The SQL text Baton prepares for a raw statement on `engine`: for checking its query plan (the tests,
 * bench/health.ts) against what actually runs, not a copy of it.
 */
export function rawSql(name: RawName, engine: 'sqlite' | 'postgres'): string {
  const d = definitions[name] as RawDefinition<unknown, unknown>;
  return engine === 'sqlite' ? d.sqlite : toPostgres(d.postgres ?? d.sqlite).text;
}

const cache = new WeakMap<object, Statements>();

/** The statements of the connection `q` runs on: prepared once for the embedded engine, per unit for PostgreSQL. */
export function statementsOf(q: Tx): Statements {
  let statements = cache.get(q);
  if (!statements) {
    const runner = pgRunnerOf(q);
    statements = runner ? postgresStatements(q, runner) : sqliteStatements(q as unknown as SqliteDB['orm']);
    cache.set(q, statements);
  }
  return statements;
}
/** Messages still to be sent (pending or being sent) and messages given up on: for health checks and metrics. */
export function outboxBacklog(db: DB): Promise<{ pending: number; failed: number }> {
  return db.query(async (q) => {
    const statements = statementsOf(q);
    return { pending: (await statements.outboxPendingCount.get())!.n, failed: (await statements.outboxFailedCount.get())!.n };
  });
}

/** How many incidents are in each state (states with none are absent): for metrics. */
export function incidentsByState(db: DB): Promise<Record<string, number>> {
  return db.query(async (q) =>
    Object.fromEntries((await statementsOf(q).incidentsByState.all()).filter((r) => r.n > 0).map((r) => [r.status, r.n])),
  );
}

/** How many alerts each of these incidents has (incidents with none are absent). */
export async function alertCountsByIncident(q: Tx, incidentIds: number[]): Promise<Map<number, number>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await q
    .select({ incidentId: alerts.incidentId, n: count() })
    .from(alerts)
    .where(inArray(alerts.incidentId, incidentIds))
    .groupBy(alerts.incidentId);
  return new Map(rows.map((r) => [r.incidentId, r.n]));
}

/**
 * Claims up to `limit` due messages for this node until `now + leaseMs`, pages first, then oldest first. A row
 * another node holds is skipped; one whose node died comes back through `reclaimLapsed`.
 */
export async function claimOutbox(q: Tx, opts: { now: number; limit: number; leaseMs: number }): Promise<OutboxRow[]> {
  const rows = await statementsOf(q).claimDue.all({ now: opts.now, limit: opts.limit, leaseUntil: opts.now + opts.leaseMs });
  // RETURNING gives no order: the claim's own.
  rows.sort((a, b) => a.priority - b.priority || a.id - b.id);
  return rows.map(({ payload, interrupted, ...row }) => ({
    ...row,
    payload: JSON.parse(payload) as OutboxRow['payload'],
    interrupted: interrupted === 1,
  }));
}
