import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { settings, teams } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { coverageGaps, finalSchedule, onCallAt, type ScheduleAdjustments } from '../../domain/schedule.js';
import { localDateOf, localMinutesOf } from '../../domain/zoned-time.js';
import { DAY } from '../../domain/time-units.js';
import { loadRotations } from '../directory.js';
import { loadAdjustments } from './oncall.js';
import { enqueueNotice } from '../outbox.js';

export const GAP_LOOKAHEAD_DAYS = 14;
/** Local hour (in the rotation's zone) after which the day's coverage-gap digest goes out. */
export const GAP_DIGEST_HOUR = 9;

/**
 * Work the loop does for schedules: keeping Slack user groups on the current on-call and posting each
 * day's coverage gaps. What was last done is kept in `settings`, so a restart neither repeats nor skips it.
 */
export class UserGroupsAndGaps {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void = () => {},
  ) {}

  async run(): Promise<void> {
    const queued = (await this.syncUserGroups()) + (await this.postGapDigests());
    if (queued > 0) this.wakeOutbox();
  }

  private async setting(q: Tx, key: string): Promise<string | undefined> {
    return (await q.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).limit(1))[0]?.value;
  }

  private async setSetting(q: Tx, key: string, value: string): Promise<void> {
    await q.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
  }

  /** Each rotation with a user group: the group holds whoever has the pager now. A gap leaves it as it was. */
  async syncUserGroups(): Promise<number> {
    const now = this.clock.nowMs();
    const rotations = [...(await loadRotations(this.db)).values()].filter((r) => r.slackUserGroup);
    if (rotations.length === 0) return 0;
    const adjustments = await this.db.query((q) => loadAdjustments(q, now, now + 1));
    let queued = 0;
    for (const rotation of rotations) {
      const primary = onCallAt(rotation, now, adjustments).primary?.userId;
      if (!primary) continue;
      const key = `usergroup:${rotation.id}`;
      const wanted = `${rotation.slackUserGroup}:${primary}`;
      if ((await this.db.query((q) => this.setting(q, key))) === wanted) continue;
      await this.db.transaction(async (tx) => {
        await enqueueNotice(
          tx,
          { kind: 'slack.usergroup', usergroup: rotation.slackUserGroup!, users: [primary], rotationId: rotation.id },
          `${key}:${now}`,
          now,
        );
        await this.setSetting(tx, key, wanted);
      });
      queued += 1;
    }
    return queued;
  }

  /** Once a day per rotation, after 09:00 in its zone: the gaps of the next 14 days to its team's channel. */
  async postGapDigests(): Promise<number> {
    const now = this.clock.nowMs();
    let queued = 0;
    let adjustments: ScheduleAdjustments | null = null;
    for (const rotation of (await loadRotations(this.db)).values()) {
      const local = localDateOf(now, rotation.timeZone);
      const today = `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
      const key = `gap_digest:${rotation.id}`;
      // The rotation's reads in one unit; null when its digest is not due.
      const due = await this.db.query(async (q) => {
        if ((await this.setting(q, key)) === today || !afterLocalHour(now, rotation.timeZone, GAP_DIGEST_HOUR)) return null;
        adjustments ??= await loadAdjustments(q, now, now + GAP_LOOKAHEAD_DAYS * DAY);
        const channel = (await q.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, rotation.teamId)).limit(1))[0]
          ?.channel;
        return { adjustments, channel };
      });
      if (!due) continue;
      const { channel } = due;
      const gaps = coverageGaps(finalSchedule(rotation, now, now + GAP_LOOKAHEAD_DAYS * DAY, due.adjustments));
      await this.db.transaction(async (tx) => {
        if (gaps.length > 0 && channel) {
          const notice = {
            type: 'coverage_gaps',
            rotationId: rotation.id,
            rotationName: rotation.name,
            lookaheadDays: GAP_LOOKAHEAD_DAYS,
            gaps: gaps.map((g) => ({ start: g.start, end: g.end })),
          } as const;
          await enqueueNotice(tx, { kind: 'slack.message', channel, notice }, `gaps:${rotation.id}:${today}`, now);
          queued += 1;
        }
        await this.setSetting(tx, key, today);
      });
    }
    return queued;
  }
}

function afterLocalHour(now: number, zone: string, hour: number): boolean {
  return localMinutesOf(now, zone) >= hour * 60;
}
