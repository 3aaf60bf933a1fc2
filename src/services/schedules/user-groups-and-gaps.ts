import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { settings, teams } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { coverageGaps, finalSchedule, onCallAt } from '../../domain/schedule.js';
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

  run(): void {
    const queued = this.syncUserGroups() + this.postGapDigests();
    if (queued > 0) this.wakeOutbox();
  }

  private setting(key: string): string | undefined {
    return this.db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value;
  }

  private setSetting(key: string, value: string): void {
    this.db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
  }

  /** Each rotation with a user group: the group holds whoever has the pager now. A gap leaves it as it was. */
  syncUserGroups(): number {
    const now = this.clock.nowMs();
    const rotations = [...loadRotations(this.db).values()].filter((r) => r.slackUserGroup);
    if (rotations.length === 0) return 0;
    const adjustments = loadAdjustments(this.db, now, now + 1);
    let queued = 0;
    for (const rotation of rotations) {
      const primary = onCallAt(rotation, now, adjustments).primary?.userId;
      if (!primary) continue;
      const key = `usergroup:${rotation.id}`;
      const wanted = `${rotation.slackUserGroup}:${primary}`;
      if (this.setting(key) === wanted) continue;
      this.db.transaction(() => {
        enqueueNotice(
          this.db,
          { kind: 'slack.usergroup', usergroup: rotation.slackUserGroup!, users: [primary], rotationId: rotation.id },
          `${key}:${now}`,
          now,
        );
        this.setSetting(key, wanted);
      });
      queued += 1;
    }
    return queued;
  }

  /** Once a day per rotation, after 09:00 in its zone: the gaps of the next 14 days to its team's channel. */
  postGapDigests(): number {
    const now = this.clock.nowMs();
    let queued = 0;
    let adjustments: ReturnType<typeof loadAdjustments> | null = null;
    for (const rotation of loadRotations(this.db).values()) {
      const local = localDateOf(now, rotation.timeZone);
      const today = `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
      const key = `gap_digest:${rotation.id}`;
      if (this.setting(key) === today || !afterLocalHour(now, rotation.timeZone, GAP_DIGEST_HOUR)) continue;
      adjustments ??= loadAdjustments(this.db, now, now + GAP_LOOKAHEAD_DAYS * DAY);
      const gaps = coverageGaps(finalSchedule(rotation, now, now + GAP_LOOKAHEAD_DAYS * DAY, adjustments));
      const channel = this.db.select({ channel: teams.slackChannel }).from(teams).where(eq(teams.id, rotation.teamId)).get()?.channel;
      this.db.transaction(() => {
        if (gaps.length > 0 && channel) {
          const notice = {
            type: 'coverage_gaps',
            rotationId: rotation.id,
            rotationName: rotation.name,
            lookaheadDays: GAP_LOOKAHEAD_DAYS,
            gaps: gaps.map((g) => ({ start: g.start, end: g.end })),
          } as const;
          enqueueNotice(this.db, { kind: 'slack.message', channel, notice }, `gaps:${rotation.id}:${today}`, now);
          queued += 1;
        }
        this.setSetting(key, today);
      });
    }
    return queued;
  }
}

function afterLocalHour(now: number, zone: string, hour: number): boolean {
  return localMinutesOf(now, zone) >= hour * 60;
}
