import { and, desc, eq, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { incidentEvents, incidents, outbox } from '../db/schema.js';
import type { ShiftUnit } from '../domain/rotation.js';
import type { Override, TimeOff } from '../domain/schedule.js';

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

type OverrideRow = Override;
interface ContactRow {
  phone: string | null;
  source: string;
  phoneVerifiedAt: number | null;
  smsOptedOut: number;
  notificationRules: string | null;
}
type TimeOffRow = TimeOff;

/**
 * The writes every page, escalation and acknowledgement makes, prepared once per database: building
 * drizzle queries per call cost more than running them. They run on the one connection, so inside
 * whatever transaction the caller has open.
 */
function prepare(db: DB) {
  const p = sql.placeholder;
  return {
    insertOutbox: db
      .insert(outbox)
      .values({
        kind: p('kind'),
        dedupeKey: p('dedupeKey'),
        incidentId: p('incidentId'),
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
    makeDue: db.update(outbox).set({ nextAttemptAt: sql`${p('now')}` }).where(eq(outbox.id, p('id'))).prepare(),
    insertEvent: db
      .insert(incidentEvents)
      .values({ incidentId: p('incidentId'), at: p('at'), kind: p('kind'), actor: p('actor'), detail: p('detail') })
      .prepare(),
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
    overridesBetween: db.$client.prepare<{ from: number; to: number }, OverrideRow>(
      `select id, rotation_id as rotationId, user_id as userId, role, start_at as start, end_at as end, id as seq
         from overrides where cancelled_at is null and end_at > @from and start_at < @to order by id`,
    ),
    timeOffBetween: db.$client.prepare<{ from: number; to: number }, TimeOffRow>(
      `select id, user_id as userId, start_at as start, end_at as end
         from time_off where cancelled_at is null and end_at > @from and start_at < @to order by id`,
    ),
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
  };
}

const cache = new WeakMap<DB, ReturnType<typeof prepare>>();

export function statementsOf(db: DB): ReturnType<typeof prepare> {
  let statements = cache.get(db);
  if (!statements) {
    statements = prepare(db);
    cache.set(db, statements);
  }
  return statements;
}
