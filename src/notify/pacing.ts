import type { Clock } from '../domain/clock.js';
import { MINUTE } from '../domain/time-units.js';

/** Card updates to one channel at most this often. */
export const CHANNEL_UPDATE_SPACING_MS = 1000;

/**
 * Posts to one channel (a shared channel or a person's DM): a short burst, then one a second, which is
 * Slack's chat.postMessage limit per channel.
 */
export const CHANNEL_POST_PACE = { burst: 3, intervalMs: 1000 } as const;

/**
 * Slack's rate-limit tiers for the Web API methods the outbox calls, as requests per minute per workspace
 * (Tier 2: 20+, Tier 3: 50+). A short burst of about ten seconds' worth is allowed, as Slack tolerates.
 */
export const METHOD_PER_MINUTE: Record<string, number> = {
  'chat.update': 50,
  'conversations.create': 20,
  'conversations.list': 20,
  'conversations.archive': 20,
  'conversations.invite': 50,
  'conversations.history': 50,
  'conversations.replies': 50,
  'conversations.open': 50,
  'pins.add': 20,
  'usergroups.users.update': 20,
};

/** The most entries a pacing map holds before it starts afresh (pacing only, so forgetting is safe). */
const MAX_ENTRIES = 10_000;

/**
 * A generic cell rate algorithm over the injected clock: `burst` at once, then one per `intervalMs`. A
 * request over the limit is given its own later slot (kept per outbox row), so a backlog goes out one by one
 * instead of every row retrying at every wake-up.
 */
class Gcra {
  /** Per key, the theoretical time of its next request. */
  private readonly tat = new Map<string, number>();
  /** Slots already given to outbox rows: used when they come, without asking again. */
  private readonly slots = new Map<string, number>();

  /** Null when the request may go now (and counts it), else when this row may go. */
  take(key: string, rowId: number, rate: { burst: number; intervalMs: number }, now: number, cost = 1): number | null {
    const slotKey = `${key}#${rowId}`;
    const slot = this.slots.get(slotKey);
    if (slot !== undefined) {
      if (slot > now) return slot;
      this.slots.delete(slotKey);
      return null;
    }
    const tolerance = (rate.burst - 1) * rate.intervalMs;
    const tat = Math.max(this.tat.get(key) ?? now, now);
    this.tat.set(key, tat + cost * rate.intervalMs);
    if (this.tat.size > MAX_ENTRIES) this.tat.clear();
    // Every one of the `cost` calls must fit, the last included: they go out together.
    const fitsAt = tat + (cost - 1) * rate.intervalMs - tolerance;
    if (fitsAt <= now) return null;
    this.slots.set(slotKey, fitsAt);
    if (this.slots.size > 10 * MAX_ENTRIES) this.slots.clear();
    return fitsAt;
  }
}

/**
 * Keeps Baton within Slack's limits by itself, so a storm is paced rather than answered with 429s: posts per
 * channel (DMs included), each method's tier, and a method Slack answered 429 stops for every caller until
 * its Retry-After. State is pacing only (what was sent when), so it lives in memory: after a restart pacing
 * starts afresh and nothing is lost.
 */
export class SlackPacing {
  private readonly gcra = new Gcra();
  /** Methods Slack answered 429, until when. */
  private readonly blockedUntil = new Map<string, number>();
  /** When each channel last got a card update, and of which incident. */
  private readonly lastUpdate = new Map<string, { at: number; incidentId: number }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Null when outbox row `rowId` may call `method` now (the call is counted), else when it may. For
   * chat.postMessage, `channel` is where it posts (a channel or a person). `calls` counts several calls of
   * one method made together (a card updated in three places).
   */
  gate(rowId: number, method: string, opts: { channel?: string; calls?: number } = {}): number | null {
    const now = this.clock.nowMs();
    // A 429 of chat.postMessage is about one channel; of any other method, about the method.
    for (const key of opts.channel ? [method, `${method}:${opts.channel}`] : [method]) {
      const blocked = this.blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked > now) return blocked;
      this.blockedUntil.delete(key);
    }
    if (method === 'chat.postMessage' && opts.channel) return this.gcra.take(`post:${opts.channel}`, rowId, CHANNEL_POST_PACE, now);
    const perMinute = METHOD_PER_MINUTE[method];
    if (!perMinute) return null;
    const intervalMs = MINUTE / perMinute;
    return this.gcra.take(`method:${method}`, rowId, { burst: Math.ceil(perMinute / 6), intervalMs }, now, opts.calls ?? 1);
  }

  /**
   * Slack answered 429: every caller waits until the Retry-After has passed, of the method, or for
   * chat.postMessage (limited per channel), of that channel only, so pages to other people go on.
   */
  block(method: string, retryAfterMs: number, channel?: string): void {
    const key = method === 'chat.postMessage' && channel ? `${method}:${channel}` : method;
    const until = this.clock.nowMs() + retryAfterMs;
    if ((this.blockedUntil.get(key) ?? 0) < until) this.blockedUntil.set(key, until);
  }

  /**
   * Card updates of many incidents in one channel are spaced out (the refresh is coalesced meanwhile, so the
   * card still shows the latest state); successive updates of one incident (a person clicking) are not held
   * back. Returns null and counts the update, or returns when it may go.
   */
  cardUpdateSlot(channels: string[], incidentId: number): number | null {
    const now = this.clock.nowMs();
    const busy = Math.max(
      0,
      ...channels.map((c) => {
        const last = this.lastUpdate.get(c);
        return last && last.incidentId !== incidentId ? last.at + CHANNEL_UPDATE_SPACING_MS : 0;
      }),
    );
    if (busy > now) return busy;
    for (const c of channels) this.lastUpdate.set(c, { at: now, incidentId });
    if (this.lastUpdate.size > MAX_ENTRIES) this.lastUpdate.clear();
    return null;
  }
}
