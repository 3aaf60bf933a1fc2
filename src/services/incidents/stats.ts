import { and, gte, inArray, lt } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { incidentStats, type IncidentStats } from '../../domain/incident-stats.js';
import { incidents, outbox, services, users } from '../../db/schema.js';
import { alertCountsByIncident } from '../../db/statements.js';
import type { Clock } from '../../domain/clock.js';
import { fairnessReport } from '../../domain/fairness.js';
import type { RotationFairness } from '../../domain/read-models.js';
import { finalSchedule } from '../../domain/schedule.js';
import { nominalShiftMs } from '../../domain/rotation.js';
import { DAY } from '../../domain/time-units.js';
import { loadRotations } from '../directory.js';
import { loadAdjustments } from '../schedules/oncall.js';

const WEEK = 7 * DAY;

export type { RotationFairness };

/** On-call load per person, past and upcoming, from the final schedule; incident statistics. */
export class StatsService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  async fairness(opts: { rotationId?: string; weeks: number }): Promise<RotationFairness[]> {
    const now = this.clock.nowMs();
    const from = now - opts.weeks * WEEK;
    const to = now + opts.weeks * WEEK;
    const { zones, adjustments, rotations } = await this.db.query(async (q) => ({
      zones: new Map((await q.select({ id: users.id, tz: users.timeZone }).from(users)).map((u) => [u.id, u.tz])),
      adjustments: await loadAdjustments(q, from, to),
      rotations: await loadRotations(this.db),
    }));
    return [...rotations.values()]
      .filter((r) => !opts.rotationId || r.id === opts.rotationId)
      .map((rotation) => {
        const report = fairnessReport({
          segments: finalSchedule(rotation, from, to, adjustments),
          from,
          to,
          now,
          zoneOf: (userId) => zones.get(userId) ?? rotation.timeZone,
          nominalShiftMs: nominalShiftMs(rotation),
          turnTakers: (rotation.layers ?? []).length === 0 ? rotation.participants.length : null,
        });
        return { rotationId: rotation.id, rotationName: rotation.name, ...report };
      });
  }

  /** `/oncall stats`: incidents of a team's or one service's last `days` days. Null when the scope is unknown. */
  async incidents(opts: { scope?: string; days: number }): Promise<{ scopeName: string; stats: IncidentStats } | null> {
    const now = this.clock.nowMs();
    const from = now - opts.days * DAY;
    const read = await this.db.query(async (q) => {
      const all = await q.select().from(services);
      const scope = opts.scope?.toLowerCase();
      let chosen = all;
      let scopeName = 'all services';
      if (scope) {
        const service = all.find((s) => s.id === scope || s.name.toLowerCase() === scope);
        const team = all.filter((s) => s.teamId === scope);
        if (service) [chosen, scopeName] = [[service], service.name];
        else if (team.length > 0) [chosen, scopeName] = [team, `team ${scope}`];
        else return null;
      }
      const ids = chosen.map((s) => s.id);
      const rows =
        ids.length === 0
          ? []
          : await q
              .select()
              .from(incidents)
              .where(and(inArray(incidents.serviceId, ids), gte(incidents.openedAt, from), lt(incidents.openedAt, now)));
      const alertCounts = await alertCountsByIncident(
        q,
        rows.map((r) => r.id),
      );
      const pages =
        rows.length === 0
          ? []
          : (
              await q
                .select({ payload: outbox.payload, sentAt: outbox.sentAt, status: outbox.status })
                .from(outbox)
                .where(
                  and(
                    inArray(outbox.kind, ['slack.page', 'twilio.sms', 'twilio.voice']),
                    inArray(
                      outbox.incidentId,
                      rows.map((r) => r.id),
                    ),
                  ),
                )
            )
              .filter((p) => p.status === 'sent' && p.sentAt !== null)
              .map((p) => ({ userId: String((p.payload as { userId?: string }).userId), at: p.sentAt! }));
      const zones = new Map((await q.select({ id: users.id, tz: users.timeZone }).from(users)).map((u) => [u.id, u.tz]));
      return { scopeName, rows, alertCounts, pages, zones };
    });
    if (!read) return null;
    const { scopeName, rows, alertCounts, pages, zones } = read;
    const stats = incidentStats({
      from,
      // Up to and including this instant: a page sent this very moment counts.
      to: now + 1,
      incidents: rows.map((r) => ({
        id: r.id,
        openedAt: r.openedAt,
        acknowledgedAt: r.acknowledgedAt,
        resolvedAt: r.resolvedAt,
        escalated: r.escalationLevel > 0 || r.escalationLoop > 0,
        alertName: r.labels.alertname ?? r.title,
        alertCount: alertCounts.get(r.id) ?? 0,
      })),
      pages,
      zoneOf: (u) => zones.get(u) ?? 'UTC',
    });
    return { scopeName, stats };
  }
}
