import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { EscalationLevel, EscalationPolicySnapshot } from '../domain/escalation.js';
import type { Layer, Restriction } from '../domain/rotation.js';
import type { Role } from '../domain/schedule.js';
import type { NotificationRules } from '../domain/notification-rules.js';
import type { UserRole } from '../domain/permissions.js';
import type { RecurringWindow } from '../domain/recurring-maintenance.js';
import type { IncidentUrgency, RoutingRule, WorkingHours } from '../domain/routing.js';

// Every instant is stored as UTC milliseconds since the epoch (INTEGER); zones live on rotations and users.

/** Where a row came from: the YAML config file (read-only in Slack) or Slack itself. */
type Source = 'config' | 'slack';

export type IntegrationKind = 'alertmanager' | 'grafana' | 'pagerduty' | 'generic' | 'heartbeat';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(), // Slack user ID
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  phone: text('phone'),
  /** admin: may change any rotation and act for others; member: may change their own shifts. */
  role: text('role').$type<UserRole>().notNull().default('member'),
  /** How pages reach this person; null means Baton's defaults. */
  notificationRules: text('notification_rules', { mode: 'json' }).$type<NotificationRules>(),
  /** When the phone number was confirmed (numbers from the config file count as confirmed by its author). */
  phoneVerifiedAt: integer('phone_verified_at'),
  /** Replied STOP to Baton's SMS: no SMS until START. */
  smsOptedOut: integer('sms_opted_out', { mode: 'boolean' }).notNull().default(false),
  source: text('source').$type<Source>().notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const teams = sqliteTable('teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slackChannel: text('slack_channel').notNull(),
  /** Where `/oncall update` status updates are also posted. */
  stakeholdersChannel: text('stakeholders_channel'),
  /** When low-urgency incidents may page; outside it they wait. Null: any time. */
  workingHours: text('working_hours', { mode: 'json' }).$type<WorkingHours>(),
  source: text('source').$type<Source>().notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const rotations = sqliteTable('rotations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  teamId: text('team_id')
    .notNull()
    .references(() => teams.id),
  timeZone: text('time_zone').notNull(),
  shiftLength: integer('shift_length').notNull(),
  shiftUnit: text('shift_unit').$type<'hours' | 'days' | 'weeks'>().notNull(),
  handoffTime: text('handoff_time').notNull(),
  startDate: text('start_date').notNull(),
  /** The base layer's on-call windows; null when it is on call around the clock. */
  restrictions: text('restrictions', { mode: 'json' }).$type<Restriction[]>(),
  /** Layers stacked above the base, lowest first, each with its own participants. */
  layers: text('layers', { mode: 'json' }).$type<Layer[]>(),
  /** A Slack user group ID kept holding the current on-call. */
  slackUserGroup: text('slack_user_group'),
  /** Local time ("HH:MM") of a daily handover digest, besides the one at every handoff; null for none. */
  dailyDigestTime: text('daily_digest_time'),
  source: text('source').$type<Source>().notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const rotationParticipants = sqliteTable(
  'rotation_participants',
  {
    rotationId: text('rotation_id')
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.rotationId, t.position] })],
);

export const escalationPolicies = sqliteTable('escalation_policies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  repeat: integer('repeat').notNull(),
  levels: text('levels', { mode: 'json' }).$type<EscalationLevel[]>().notNull(),
  source: text('source').$type<Source>().notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const services = sqliteTable('services', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  teamId: text('team_id')
    .notNull()
    .references(() => teams.id),
  escalationPolicyId: text('escalation_policy_id')
    .notNull()
    .references(() => escalationPolicies.id),
  /** Which incidents get their own Slack channel: high urgency, all, or none (the YAML file's default is high). */
  incidentChannels: text('incident_channels').$type<'high' | 'all' | 'none'>().notNull().default('none'),
  /** Label rules, first match wins: the urgency (and optionally another service) for an alert group. */
  routing: text('routing', { mode: 'json' }).$type<RoutingRule[]>(),
  source: text('source').$type<Source>().notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** Recurring maintenance windows from the config file. */
  recurringMaintenance: text('recurring_maintenance', { mode: 'json' }).$type<RecurringWindow[]>(),
  /** An incident channel is archived this long after its incident resolves (0: right after the summary). */
  channelArchiveAfterHours: integer('channel_archive_after_hours').notNull().default(24),
});

/** Only a SHA-256 of each key and bearer token is kept; the plain values are shown once and never stored. */
export const integrationKeys = sqliteTable(
  'integration_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    serviceId: text('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<IntegrationKind>().notNull(),
    keyHash: text('key_hash').notNull(),
    bearerHash: text('bearer_hash'),
    /** Grafana's optional HMAC secret: kept as given, since verifying an HMAC needs the secret itself. */
    hmacSecret: text('hmac_secret'),
    /** Grafana: the header carrying the signature (Grafana's default when null). */
    hmacHeader: text('hmac_header'),
    /** Grafana: when set, the header carrying the Unix time that was signed as `<timestamp>:<body>`. */
    hmacTimestampHeader: text('hmac_timestamp_header'),
    /** Heartbeats: how often a ping is expected. */
    heartbeatIntervalMinutes: integer('heartbeat_interval_minutes'),
    /** A rotated-out key keeps working until then, so senders can move without downtime. */
    expiresAt: integer('expires_at'),
    source: text('source').$type<Source>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('integration_keys_key_hash').on(t.keyHash)],
);

/** Every accepted request body, stored before the sender gets its 2xx. */
export const rawPayloads = sqliteTable(
  'raw_payloads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    integrationKeyId: integer('integration_key_id').notNull(),
    source: text('source').notNull(),
    receivedAt: integer('received_at').notNull(),
    body: text('body').notNull(),
    incidentId: integer('incident_id'),
  },
  // Retention finds the oldest bodies without reading the table.
  (t) => [index('raw_payloads_received_at').on(t.receivedAt)],
);

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export const incidents = sqliteTable(
  'incidents',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    serviceId: text('service_id')
      .notNull()
      .references(() => services.id),
    dedupKey: text('dedup_key').notNull(),
    status: text('status').$type<IncidentStatus>().notNull(),
    title: text('title').notNull(),
    severity: text('severity').notNull(),
    urgency: text('urgency').$type<IncidentUrgency>().notNull().default('high'),
    source: text('source').notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    links: text('links', { mode: 'json' }).$type<{ runbook: string | null; source: string | null; externalUrl: string | null }>().notNull(),
    policy: text('policy', { mode: 'json' }).$type<EscalationPolicySnapshot>().notNull(),
    escalationLevel: integer('escalation_level').notNull(),
    escalationLoop: integer('escalation_loop').notNull(),
    /** When the current level times out; null once acknowledged, resolved or out of levels. */
    nextEscalationAt: integer('next_escalation_at'),
    /** A low-urgency incident opened outside working hours pages when they start, if still open. */
    deferredUntil: integer('deferred_until'),
    /** The incident's own Slack channel, once created. */
    channelId: text('channel_id'),
    commanderId: text('commander_id'),
    commsLeadId: text('comms_lead_id'),
    /** Opened during a maintenance window: recorded, shown, never paged. */
    suppressed: integer('suppressed', { mode: 'boolean' }).notNull().default(false),
    openedAt: integer('opened_at').notNull(),
    acknowledgedAt: integer('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: integer('resolved_at'),
    resolvedBy: text('resolved_by'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // At most one open incident per service and alert group.
    uniqueIndex('incidents_open_dedup').on(t.serviceId, t.dedupKey).where(sql`status <> 'resolved'`),
    index('incidents_due').on(t.nextEscalationAt).where(sql`status = 'triggered'`),
    // /metrics counts open incidents by state from here (statements.ts, incidentsByState).
    index('incidents_open_status').on(t.status).where(sql`status <> 'resolved'`),
    // Retention finds long-resolved incidents without reading the table; /metrics counts all incidents from
    // here (SQLite counts a table from its smallest full index), and so the resolved ones, less the open ones.
    index('incidents_resolved_at').on(t.resolvedAt),
  ],
);

export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    fingerprint: text('fingerprint').notNull(),
    status: text('status').$type<'firing' | 'resolved'>().notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    annotations: text('annotations', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at'),
    sourceUrl: text('source_url'),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('alerts_incident_fingerprint').on(t.incidentId, t.fingerprint)],
);

/** The incident's timeline: every state change, written in the same transaction as the change. */
export const incidentEvents = sqliteTable(
  'incident_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('incident_events_incident').on(t.incidentId)],
);

/** Slack messages that show an incident, so every one of them can be updated when it changes. */
export const incidentMessages = sqliteTable(
  'incident_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    audience: text('audience').$type<'dm' | 'team'>().notNull(),
    userId: text('user_id'),
  },
  (t) => [uniqueIndex('incident_messages_channel_ts').on(t.channel, t.ts), index('incident_messages_incident').on(t.incidentId)],
);

/**
 * The incidents each list page lists: a DM that paged one person for several incidents at once (page.ts). It is
 * updated as they change, found here by incident. `list_id` is the outbox row of the page that posted it.
 */
export const pageListItems = sqliteTable(
  'page_list_items',
  {
    listId: integer('list_id').notNull(),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.incidentId] }), index('page_list_items_incident').on(t.incidentId)],
);

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed';

/** Every outgoing notification is a row here before it is a network call. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Makes a send happen at most once per incident, step, recipient and channel. Null for coalesced updates. */
    dedupeKey: text('dedupe_key'),
    kind: text('kind').notNull(),
    incidentId: integer('incident_id'),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<OutboxStatus>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    /**
     * The row was being sent when the process stopped: Slack may already have it, so it is looked up
     * (by the outbox id in the message's metadata) before it is sent again.
     */
    interrupted: integer('interrupted', { mode: 'boolean' }).notNull().default(false),
    /** Who the message is for, when it is one person's (pages, phone steps): throttles and bundles look it up. */
    userId: text('user_id'),
    /**
     * While `sending`: when the claim lapses. A node that dies mid-send leaves the row to the others after
     * this (it is then `interrupted`, and looked for in Slack before it is sent again).
     */
    leaseUntil: integer('lease_until'),
    /** Which goes first when more is due than Slack takes: 0 pages, 1 posts and notes, 2 the rest (outboxPriority). */
    priority: integer('priority').notNull().default(2),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_key').on(t.dedupeKey),
    // Coalescing and throttling look up an incident's refreshes.
    index('outbox_incident_kind').on(t.incidentId, t.kind),
    index('outbox_user_kind').on(t.userId, t.kind),
    index('outbox_due').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    // Claims read due rows in the order they are sent, without sorting every due row for each claim.
    index('outbox_claim').on(t.priority, t.id, t.nextAttemptAt).where(sql`status = 'pending'`),
    // Claims whose node died are found without reading the table.
    index('outbox_leases').on(t.leaseUntil).where(sql`status = 'sending'`),
    // DM pages still to go, by due time: found in one look by the page bundler and by the messages that yield to pages.
    index('outbox_pages_waiting').on(t.nextAttemptAt).where(sql`kind = 'slack.page' and status in ('pending', 'sending')`),
    // Retention finds messages long sent without reading the table.
    index('outbox_created_at').on(t.createdAt).where(sql`status in ('sent', 'skipped', 'failed')`),
    // /healthz and /metrics count failed messages from here (pending and sending: outbox_due, outbox_leases).
    index('outbox_failed').on(t.status).where(sql`status = 'failed'`),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    before: text('before', { mode: 'json' }),
    after: text('after', { mode: 'json' }),
  },
  (t) => [index('audit_log_target').on(t.target)],
);

/** "Take the pager": someone holds a rotation's role for a window. Swaps and taken cover requests are overrides too. */
export const overrides = sqliteTable(
  'overrides',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    rotationId: text('rotation_id')
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    role: text('role').$type<Role>().notNull(),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    kind: text('kind').$type<'override' | 'swap' | 'cover'>().notNull(),
    /** Whose shift it covers, when it was made for a known shift (swaps, cover requests). */
    replacesUserId: text('replaces_user_id'),
    reason: text('reason'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    cancelledAt: integer('cancelled_at'),
    cancelledBy: text('cancelled_by'),
  },
  (t) => [index('overrides_rotation_end').on(t.rotationId, t.endAt), index('overrides_end').on(t.endAt)],
);

/** A person's unavailability; their shifts pass to the next available participant. */
export const timeOff = sqliteTable(
  'time_off',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id').notNull(),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    reason: text('reason'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    cancelledAt: integer('cancelled_at'),
    cancelledBy: text('cancelled_by'),
  },
  (t) => [index('time_off_user').on(t.userId, t.endAt), index('time_off_end').on(t.endAt)],
);

export type RequestStatus = 'pending' | 'accepted' | 'declined' | 'cancelled' | 'withdrawn' | 'open' | 'taken' | 'expired';

/** A proposed swap: the teammate takes the requester's shift and, optionally, gives one of theirs back. */
export const swapRequests = sqliteTable('swap_requests', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  rotationId: text('rotation_id')
    .notNull()
    .references(() => rotations.id, { onDelete: 'cascade' }),
  requesterId: text('requester_id').notNull(),
  teammateId: text('teammate_id').notNull(),
  giveStart: integer('give_start').notNull(),
  giveEnd: integer('give_end').notNull(),
  takeStart: integer('take_start'),
  takeEnd: integer('take_end'),
  status: text('status').$type<RequestStatus>().notNull(),
  createdAt: integer('created_at').notNull(),
  decidedAt: integer('decided_at'),
  /** The DM that asked the teammate, once the outbox has sent it: updated when the request is withdrawn or cancelled. */
  askChannel: text('ask_channel'),
  askTs: text('ask_ts'),
});

/** A request to the team channel for someone to take a shift; the first taker gets the override. */
export const coverRequests = sqliteTable('cover_requests', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  rotationId: text('rotation_id')
    .notNull()
    .references(() => rotations.id, { onDelete: 'cascade' }),
  requesterId: text('requester_id').notNull(),
  startAt: integer('start_at').notNull(),
  endAt: integer('end_at').notNull(),
  note: text('note'),
  status: text('status').$type<RequestStatus>().notNull(),
  takenBy: text('taken_by'),
  takenAt: integer('taken_at'),
  /** The channel post, once the outbox has sent it; the thread for the requester's notice. */
  channel: text('channel'),
  ts: text('ts'),
  createdAt: integer('created_at').notNull(),
});

/**
 * What Slack pacing needs to remember (notify/pacing.ts), shared by every node: per key, a time (the next
 * free slot of a channel or method, when a 429 ends, when a channel's card was last updated) and, for card
 * updates, which incident it was.
 */
export const pacing = sqliteTable('pacing', {
  key: text('key').primaryKey(),
  at: integer('at').notNull(),
  incidentId: integer('incident_id'),
});

/** Small pieces of state Baton generates once, such as the secret that signs calendar feed URLs. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** `/oncall note <text>`: what the on-call wants the next person to know, shown in the handover digest. */
export const handoverNotes = sqliteTable(
  'handover_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    rotationId: text('rotation_id')
      .notNull()
      .references(() => rotations.id, { onDelete: 'cascade' }),
    authorId: text('author_id').notNull(),
    text: text('text').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('handover_notes_rotation').on(t.rotationId, t.createdAt)],
);

/** The last ping of each heartbeat, by key digest (keys are rewritten when the config file changes). */
export const heartbeats = sqliteTable('heartbeats', {
  keyHash: text('key_hash').primaryKey(),
  lastPingAt: integer('last_ping_at').notNull(),
});

/** `/oncall maintenance`: paging for a service is suppressed in the window; alerts are still recorded. */
export const maintenanceWindows = sqliteTable(
  'maintenance_windows',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    serviceId: text('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('maintenance_windows_service').on(t.serviceId, t.endAt)],
);
