import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import ical from 'ical-generator';
import type { DB } from '../../db/client.js';
import { settings, users } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { finalSchedule, layersOf, shiftsOf, type Segment } from '../../domain/schedule.js';
import type { Feeds } from '../../domain/read-models.js';
import type { Rotation } from '../../domain/rotation.js';
import { DAY } from '../../domain/time-units.js';
import { loadRotations } from '../directory.js';
import { loadAdjustments } from './oncall.js';

/** What a feed covers: recent history for context, and far enough ahead to plan around. */
const FEED_PAST_DAYS = 30;
const FEED_FUTURE_DAYS = 180;

export type FeedKind = 'rotation' | 'user';

// The read model moved to the domain (views import it from there); its old name stays here for now.
export type { Feeds };

/**
 * Secret iCalendar feeds, per rotation and per person, with the final shifts after overrides and time off.
 * A feed URL carries an HMAC of what it shows, keyed by a secret generated once and kept in the database:
 * URLs can be shown again at any time and cannot be guessed for someone else.
 */
export class CalendarService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly baseUrl: () => string,
  ) {}

  /** Generated on first start, so reading a feed URL never writes. */
  secret(): Promise<Buffer> {
    return this.db.query(async (q) => {
      const [row] = await q.select({ value: settings.value }).from(settings).where(eq(settings.key, 'calendar_secret')).limit(1);
      if (row) return Buffer.from(row.value, 'hex');
      const value = randomBytes(32).toString('hex');
      await q.insert(settings).values({ key: 'calendar_secret', value }).onConflictDoNothing();
      return this.secret();
    });
  }

  async token(kind: FeedKind, id: string): Promise<string> {
    return createHmac('sha256', await this.secret())
      .update(`${kind}:${id}`)
      .digest('base64url')
      .slice(0, 32);
  }

  async verify(kind: FeedKind, id: string, token: string): Promise<boolean> {
    const expected = Buffer.from(await this.token(kind, id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async url(kind: FeedKind, id: string): Promise<string> {
    return `${this.baseUrl()}/calendars/${kind}/${encodeURIComponent(id)}/${await this.token(kind, id)}.ics`;
  }

  feedsFor(userId: string, rotations: Iterable<Rotation>): Promise<Feeds> {
    // One unit for all the URLs: each reads the secret.
    return this.db.query(async () => {
      const feeds = async (list: Rotation[]) => {
        const out: Feeds['mine'] = [];
        for (const r of list) out.push({ name: r.name, url: await this.url('rotation', r.id) });
        return out;
      };
      const all = [...rotations];
      const takesPart = (r: Rotation) => layersOf(r).some((l) => l.participants.includes(userId));
      return {
        personal: await this.url('user', userId),
        mine: await feeds(all.filter(takesPart)),
        others: await feeds(all.filter((r) => !takesPart(r))),
      };
    });
  }

  /** The feed's iCalendar text, or null when there is no such rotation or person. */
  async render(kind: FeedKind, id: string): Promise<string | null> {
    const now = this.clock.nowMs();
    const from = now - FEED_PAST_DAYS * DAY;
    const to = now + FEED_FUTURE_DAYS * DAY;
    const { rotations, names, adjustments } = await this.db.query(async (q) => ({
      rotations: await loadRotations(this.db),
      names: new Map((await q.select({ id: users.id, name: users.name }).from(users)).map((u) => [u.id, u.name])),
      adjustments: await loadAdjustments(q, from, to),
    }));
    const nameOf = (userId: string) => names.get(userId) ?? userId;
    const stamp = new Date(now);

    if (kind === 'rotation') {
      const rotation = rotations.get(id);
      if (!rotation) return null;
      const calendar = ical({ name: `On call: ${rotation.name}`, prodId: { company: 'Baton', product: 'on-call', language: 'EN' } });
      for (const s of finalSchedule(rotation, from, to, adjustments)) {
        if (!s.primary) continue;
        calendar.createEvent({
          id: `baton-${rotation.id}-${s.start}-${s.primary.userId}`,
          start: new Date(s.start),
          end: new Date(s.end),
          stamp,
          summary: `${nameOf(s.primary.userId)} on call (${rotation.name})`,
          description: describe(s, nameOf),
        });
      }
      return calendar.toString();
    }

    if (!names.has(id)) return null;
    const calendar = ical({ name: `My on-call shifts (${nameOf(id)})`, prodId: { company: 'Baton', product: 'on-call', language: 'EN' } });
    for (const rotation of rotations.values()) {
      const segments = finalSchedule(rotation, from, to, adjustments);
      for (const role of ['primary', 'secondary'] as const) {
        for (const stretch of shiftsOf(segments, id, role)) {
          calendar.createEvent({
            id: `baton-${rotation.id}-${role}-${stretch.start}-${id}`,
            start: new Date(stretch.start),
            end: new Date(stretch.end),
            stamp,
            summary: role === 'primary' ? `On call: ${rotation.name}` : `Secondary: ${rotation.name}`,
            description: describe(stretch.segment, nameOf),
          });
        }
      }
    }
    return calendar.toString();
  }
}

function describe(s: Segment, nameOf: (id: string) => string): string {
  const lines: string[] = [];
  if (s.primary?.via === 'override')
    lines.push(s.primary.standsInFor ? `Override, covering for ${nameOf(s.primary.standsInFor)}.` : 'Override.');
  if (s.primary?.via === 'time_off_cover' && s.primary.standsInFor) lines.push(`Covering ${nameOf(s.primary.standsInFor)}'s time off.`);
  if (s.secondary) lines.push(`Secondary: ${nameOf(s.secondary.userId)}.`);
  return lines.join('\n');
}
