import { and, eq, inArray, ne } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { incidentMessages, incidents, outbox, rotationParticipants, rotations, users } from '../../db/schema.js';
import type { PagingIncident, RotationNow, ShiftChoice } from '../../domain/read-models.js';
import type { OnCallService } from './oncall.js';
import type { ShiftPicker } from './shift-picker.js';

export type { PagingIncident };

/** The open incidents that paged this person (a page was queued for them), for their App Home. */
export async function incidentsPaging(q: Tx, userId: string): Promise<PagingIncident[]> {
  const ids = [
    ...new Set(
      (
        await q
          .select({ incidentId: outbox.incidentId })
          .from(outbox)
          .where(and(eq(outbox.kind, 'slack.page'), eq(outbox.userId, userId)))
      ).flatMap((r) => (r.incidentId === null ? [] : [r.incidentId])),
    ),
  ];
  if (ids.length === 0) return [];
  const rows = await q
    .select({
      id: incidents.id,
      title: incidents.title,
      severity: incidents.severity,
      status: incidents.status,
      level: incidents.escalationLevel,
      openedAt: incidents.openedAt,
      channelId: incidents.channelId,
    })
    .from(incidents)
    .where(and(inArray(incidents.id, ids), ne(incidents.status, 'resolved')));
  const teamChannel = new Map(
    (
      await q
        .select({ incidentId: incidentMessages.incidentId, channel: incidentMessages.channel })
        .from(incidentMessages)
        .where(and(inArray(incidentMessages.incidentId, ids), eq(incidentMessages.audience, 'team')))
    ).map((m) => [m.incidentId, m.channel]),
  );
  return rows.map((r) => ({ ...r, channelId: r.channelId ?? teamChannel.get(r.id) ?? null }));
}

/** What a person's App Home shows. */
export interface HomeContent {
  now: number;
  /** Who is on call for the person's teams; every rotation for someone in none. */
  onCall: RotationNow[];
  /** Their next shifts; none for someone Baton does not list. */
  myShifts: ShiftChoice[];
  incidents: PagingIncident[];
}

/** The App Home, read fresh each time it opens. */
export class HomeService {
  constructor(
    private readonly db: DB,
    private readonly oncall: OnCallService,
    private readonly shifts: ShiftPicker,
  ) {}

  forUser(userId: string): Promise<HomeContent> {
    return this.db.query(async (q) => {
      const myTeams = new Set(
        (
          await q
            .select({ teamId: rotations.teamId })
            .from(rotationParticipants)
            .innerJoin(rotations, eq(rotations.id, rotationParticipants.rotationId))
            .where(eq(rotationParticipants.userId, userId))
        ).map((r) => r.teamId),
      );
      const onCall = (await this.oncall.whoIsOnCall({ withEnd: true })).filter((r) => myTeams.size === 0 || myTeams.has(r.rotation.teamId));
      const open = await incidentsPaging(q, userId);
      const [known] = await q.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
      const myShifts = known ? await this.shifts.upcomingShifts(userId) : [];
      return { now: this.oncall.now(), onCall, myShifts, incidents: open };
    });
  }
}
