import { lockKey, type DB, type Tx } from '../db/client.js';
import { statementsOf } from '../db/statements.js';
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

/**
 * Added to every interval: a call decided on time can still reach Slack a few milliseconds early next to one
 * the network delayed, and Slack counts arrivals.
 */
export const PACE_MARGIN_MS = 50;

/** The pacing key of holdForPages. */
const PAGES_BUSY = 'pages:busy';

/**
 * Pages due within this long (held for a person's DM pace, or just queued) count as waiting: a page going out
 * takes them along, and lesser Slack work waits for them. The pace's interval and as much again.
 */
export const PAGE_HORIZON_MS = 2 * CHANNEL_POST_PACE.intervalMs;

/** Slots given to rows that never came back (given up on, or sent by another path) are forgotten after this. */
const FORGET_SLOTS_AFTER_MS = 60 * MINUTE;

interface Rate {
  burst: number;
  intervalMs: number;
}

/** Posts to one channel or DM, as Baton keeps them: Slack's pace and the margin for network jitter. */
const POST_RATE: Rate = { burst: CHANNEL_POST_PACE.burst, intervalMs: CHANNEL_POST_PACE.intervalMs + PACE_MARGIN_MS };

/**
 * A generic cell rate algorithm, pure: `burst` at once, then one per `intervalMs`. Given the key's theoretical
 * time of its next request (`tat`), says when `cost` calls made together fit (null: now) and the new tat. A
 * request over the limit still moves the tat on: it is given its own later slot, so a backlog goes out one by
 * one instead of every row retrying at every wake-up.
 */
export function gcra(tat: number | undefined, rate: Rate, now: number, cost = 1): { tat: number; fitsAt: number | null } {
  const tolerance = (rate.burst - 1) * rate.intervalMs;
  const start = Math.max(tat ?? now, now);
  // Every one of the `cost` calls must fit, the last included: they go out together.
  const fitsAt = start + (cost - 1) * rate.intervalMs - tolerance;
  return { tat: start + cost * rate.intervalMs, fitsAt: fitsAt <= now ? null : fitsAt };
}

/**
 * Keeps Baton within Slack's limits by itself, so a storm is paced rather than answered with 429s: posts per
 * channel (DMs included), each method's tier, and a method Slack answered 429 stops for every caller until
 * its Retry-After. The state is in the database (the `pacing` table), shared by every node and kept across
 * restarts: the limits are the workspace's, not a process's.
 *
 * Keys: `gcra:<what>` (the next free slot), `sent:<what>` (the same over the calls actually made, which is what
 * Slack counts), `slot:<what>#<row>` (a slot given to a held-back row: it goes then without asking again, once
 * `sent` leaves room), `block:<method>[:<channel>]` (until when Slack said to wait), `card:<channel>` (when a
 * card was last updated there, and of which incident), `pages:busy` (until when lesser work waits for pages).
 */
export class SlackPacing {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
  ) {}

  /**
   * Null when outbox row `rowId` may call `method` now (the call is counted), else when it may. For
   * chat.postMessage, `channel` is where it posts (a channel or a person). `calls` counts several calls of
   * one method made together (a card updated in three places).
   */
  gate(rowId: number, method: string, opts: { channel?: string; calls?: number } = {}): Promise<number | null> {
    const now = this.clock.nowMs();
    return this.db.transaction(async (tx) => {
      const state = pacingState(tx);
      const blocked = await blockedUntil(state, method, opts.channel, now);
      if (blocked !== null) return blocked;
      let what: string;
      let rate: Rate;
      let cost = 1;
      if (method === 'chat.postMessage' && opts.channel) {
        what = `post:${opts.channel}`;
        rate = POST_RATE;
      } else {
        const perMinute = METHOD_PER_MINUTE[method];
        if (!perMinute) return null;
        what = `method:${method}`;
        rate = { burst: Math.ceil(perMinute / 6), intervalMs: MINUTE / perMinute + PACE_MARGIN_MS };
        cost = opts.calls ?? 1;
      }
      // Two nodes (or two sends of one) asking for the same slot at once: one at a time, even for a key with
      // no row yet (a row lock alone would not hold a key that does not exist).
      await lockKey(tx, `pacing:${what}`);
      const slotKey = `slot:${what}#${rowId}`;
      const sentKey = `sent:${what}`;
      // The calls actually made: a slot claimed late must not go out together with the next one's.
      const sent = gcra((await state.get(sentKey))?.at, rate, now, cost);
      const slot = (await state.get(slotKey))?.at;
      if (slot !== undefined) {
        if (slot > now) return slot;
        if (sent.fitsAt !== null) {
          await state.put(slotKey, sent.fitsAt);
          return sent.fitsAt;
        }
        await state.remove(slotKey);
        await state.put(sentKey, sent.tat);
        return null;
      }
      const gcraKey = `gcra:${what}`;
      const taken = gcra((await state.get(gcraKey))?.at, rate, now, cost);
      await state.put(gcraKey, taken.tat);
      // A slot of its own, or (when slots claimed late went out just now) a wait for the calls actually made.
      const fitsAt = taken.fitsAt ?? sent.fitsAt;
      if (fitsAt !== null) {
        await state.put(slotKey, fitsAt);
        return fitsAt;
      }
      await state.put(sentKey, sent.tat);
      return null;
    });
  }

  /**
   * For messages that bundle whatever waits (pages to one person): null when a post to `channel` may go now
   * (it is counted), else when the channel is next free. Unlike `gate`, a message told to wait holds no slot
   * of its own: whichever message gets the next free moment takes the others with it, so a backlog of many
   * is one post, not one a second until it is gone.
   */
  postWhenFree(channel: string): Promise<number | null> {
    const now = this.clock.nowMs();
    const method = 'chat.postMessage';
    return this.db.transaction(async (tx) => {
      const state = pacingState(tx);
      const blocked = await blockedUntil(state, method, channel, now);
      if (blocked !== null) return blocked;
      const what = `post:${channel}`;
      await lockKey(tx, `pacing:${what}`);
      // Free only when both the slots handed out (`gcra`) and the posts made (`sent`) leave room.
      const taken = gcra((await state.get(`gcra:${what}`))?.at, POST_RATE, now);
      const sent = gcra((await state.get(`sent:${what}`))?.at, POST_RATE, now);
      if (taken.fitsAt !== null || sent.fitsAt !== null) return Math.max(taken.fitsAt ?? now, sent.fitsAt ?? now);
      await state.put(`gcra:${what}`, taken.tat);
      await state.put(`sent:${what}`, sent.tat);
      return null;
    });
  }

  /**
   * A post to `channel` has just reached Slack: the next one is counted from now. A post decided well before
   * it went (a page that lists hundreds of incidents takes a while to render) would otherwise let the next
   * one, decided a second after the first, arrive less than a second after it.
   */
  posted(channel: string): Promise<void> {
    const now = this.clock.nowMs();
    const what = `post:${channel}`;
    return this.db.transaction(async (tx) => {
      await lockKey(tx, `pacing:${what}`);
      const state = pacingState(tx);
      const next = now + POST_RATE.intervalMs;
      if (((await state.get(`sent:${what}`))?.at ?? 0) < next) await state.put(`sent:${what}`, next);
    });
  }

  /**
   * Pages are queuing up for people's DMs (one had to wait, or took others with it): lesser Slack work (card
   * refreshes, team posts, channel set-up) waits until `until`, on every node. See yieldToPages.
   */
  holdForPages(until: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      await lockKey(tx, `pacing:${PAGES_BUSY}`);
      const state = pacingState(tx);
      if (((await state.get(PAGES_BUSY))?.at ?? 0) < until) await state.put(PAGES_BUSY, until);
    });
  }

  /** Until when lesser Slack work waits for pages (see holdForPages), or null if it need not. */
  async heldForPagesUntil(): Promise<number | null> {
    const at = (await this.db.query((q) => pacingState(q).get(PAGES_BUSY)))?.at;
    return at !== undefined && at > this.clock.nowMs() ? at : null;
  }

  /**
   * Slack answered 429: every caller waits until the Retry-After has passed, of the method, or for
   * chat.postMessage (limited per channel), of that channel only, so pages to other people go on.
   */
  block(method: string, retryAfterMs: number, channel?: string): Promise<void> {
    const key = method === 'chat.postMessage' && channel ? `block:${method}:${channel}` : `block:${method}`;
    const until = this.clock.nowMs() + retryAfterMs;
    return this.db.transaction(async (tx) => {
      await lockKey(tx, `pacing:${key}`);
      const state = pacingState(tx);
      if (((await state.get(key))?.at ?? 0) < until) await state.put(key, until);
    });
  }

  /**
   * Card updates of many incidents in one channel are spaced out (the refresh is coalesced meanwhile, so the
   * card still shows the latest state); successive updates of one incident (a person clicking) are not held
   * back. Returns null and counts the update, or returns when it may go.
   */
  cardUpdateSlot(channels: string[], incidentId: number): Promise<number | null> {
    const now = this.clock.nowMs();
    return this.db.transaction(async (tx) => {
      const state = pacingState(tx);
      let busy = 0;
      // In one order, so two updates locking the same channels' rows (PostgreSQL) cannot wait on each other.
      const sorted = [...new Set(channels)].sort();
      for (const c of sorted) await lockKey(tx, `pacing:card:${c}`);
      for (const c of sorted) {
        const last = await state.get(`card:${c}`);
        if (last && last.incidentId !== incidentId) busy = Math.max(busy, last.at + CHANNEL_UPDATE_SPACING_MS);
      }
      if (busy > now) return busy;
      for (const c of sorted) await state.put(`card:${c}`, now, incidentId);
      return null;
    });
  }

  /** Forgets what no longer paces anything (ended blocks, old slots and card times): run by the loop. */
  forgetOld(): Promise<number> {
    const now = this.clock.nowMs();
    return this.db.query(async (q) => (await statementsOf(q).prunePacing.run({ before: now - FORGET_SLOTS_AFTER_MS })).changes);
  }
}

/**
 * Until when Slack told callers of `method` to wait (a 429's Retry-After), or null. A 429 of chat.postMessage is
 * about one channel; of any other method, about the method.
 */
async function blockedUntil(state: ReturnType<typeof pacingState>, method: string, channel: string | undefined, now: number) {
  for (const key of channel ? [`block:${method}`, `block:${method}:${channel}`] : [`block:${method}`]) {
    const blocked = (await state.get(key))?.at;
    if (blocked !== undefined && blocked > now) return blocked;
  }
  return null;
}

/** The pacing rows a transaction reads and writes, under the per-key lock its caller took. */
function pacingState(tx: Tx) {
  const statements = statementsOf(tx);
  return {
    get: (key: string) => statements.pacingGet.get({ key }),
    put: (key: string, at: number, incidentId: number | null = null) => statements.pacingPut.run({ key, at, incidentId }),
    remove: (key: string) => statements.pacingDelete.run({ key }),
  };
}
