/**
 * Opt-in enforcement of Slack's rate limits by the stand-in (SlackStandIn.start({ rateLimits: {} })): a call
 * over the limit is answered 429 with a Retry-After and has no effect, as Slack does. Off by default, so tests
 * that post freely on virtual time are not affected.
 *
 * The model, from Slack's rate-limit page ("per API method per workspace per app"):
 * - each method of a tier may be called its tier's number of times a minute (Tier 2: 20, Tier 3: 50, Tier 4:
 *   100), with a burst of `burstSeconds` worth on top of an idle bucket ("occasional bursts");
 * - chat.postMessage may post one message a second to each channel or DM, with a burst of `channelBurst`
 *   ("short bursts >1 allowed"). Slack's workspace-wide limit on posts is unpublished and not modelled.
 * Slack publishes the rates but not the burst sizes; both are options. Each limit is a token bucket (a
 * generic cell rate algorithm): `burst` calls at once, then one per interval.
 */

/** Calls a minute per workspace, by method: Slack's published tier of each method the stand-in implements. */
export const SLACK_TIERS: Record<string, number> = {
  'chat.update': 50,
  'chat.postEphemeral': 100,
  'conversations.archive': 20,
  'conversations.create': 20,
  'conversations.history': 50,
  'conversations.invite': 50,
  'conversations.list': 20,
  'conversations.open': 50,
  'conversations.replies': 50,
  'pins.add': 20,
  'usergroups.list': 20,
  'usergroups.users.list': 20,
  'usergroups.users.update': 20,
  'users.info': 100,
  'views.open': 100,
  'views.publish': 100,
  'views.push': 100,
  'views.update': 100,
};

export interface RateLimitOptions {
  /** Calls a minute by method; defaults to SLACK_TIERS. Methods not listed are not limited per method. */
  perMinute?: Record<string, number>;
  /** A method's burst above its rate, in seconds' worth of calls (default 10). */
  burstSeconds?: number;
  /** Messages a channel (or DM) may take at once before the one-a-second pace applies (default 3). */
  channelBurst?: number;
  /**
   * Lateness forgiven on each call, in ms (default 0): a call that would be allowed this much later is allowed
   * now. Models the network between a client that paces itself exactly and Slack's edge.
   */
  toleranceMs?: number;
}

export interface RateLimitVerdict {
  /** Which limit refused the call: the method's tier, or the channel's pace. */
  limit: string;
  retryAfterSeconds: number;
  /** How much sooner than the limit allows the call came, in ms. */
  earlyMs: number;
}

export class SlackRateLimits {
  /** Per limit key, the theoretical arrival time of the next call (GCRA). */
  private readonly tat = new Map<string, number>();
  private readonly perMinute: Record<string, number>;
  private readonly burstSeconds: number;
  private readonly channelBurst: number;
  private readonly toleranceMs: number;
  /** Every refused call: when, by which limit ('method:chat.update', 'channel:C0123'), how early. */
  readonly refusals: Array<{ at: number; method: string; limit: string; earlyMs: number }> = [];

  /** `dmChannelOf`: a DM posted to a user ID is limited as the DM channel it lands in. */
  constructor(
    opts: RateLimitOptions = {},
    private readonly dmChannelOf: (userId: string) => string = (id) => id,
  ) {
    this.perMinute = opts.perMinute ?? SLACK_TIERS;
    this.burstSeconds = opts.burstSeconds ?? 10;
    this.channelBurst = opts.channelBurst ?? 3;
    this.toleranceMs = opts.toleranceMs ?? 0;
  }

  /** Null when the call may go (and counts it against every limit it is under), else why not. */
  check(method: string, args: Record<string, unknown>, now: number): RateLimitVerdict | null {
    const limits: Array<{ key: string; intervalMs: number; burst: number }> = [];
    const perMinute = this.perMinute[method];
    if (perMinute) {
      const intervalMs = 60_000 / perMinute;
      limits.push({ key: `method:${method}`, intervalMs, burst: Math.max(1, Math.ceil((this.burstSeconds * 1000) / intervalMs)) });
    }
    if (method === 'chat.postMessage' && typeof args.channel === 'string') {
      const channel = /^[UW]/.test(args.channel) ? this.dmChannelOf(args.channel) : args.channel;
      limits.push({ key: `channel:${channel}`, intervalMs: 1000, burst: this.channelBurst });
    }
    // Refused by any limit: counted against none, as Slack does not do the work.
    for (const limit of limits) {
      const tat = Math.max(this.tat.get(limit.key) ?? now, now);
      const allowedAt = tat - (limit.burst - 1) * limit.intervalMs;
      if (allowedAt > now + this.toleranceMs) {
        const verdict = { limit: limit.key, retryAfterSeconds: Math.max(1, Math.ceil((allowedAt - now) / 1000)), earlyMs: allowedAt - now };
        this.refusals.push({ at: now, method, limit: limit.key, earlyMs: verdict.earlyMs });
        return verdict;
      }
    }
    for (const limit of limits) this.tat.set(limit.key, Math.max(this.tat.get(limit.key) ?? now, now) + limit.intervalMs);
    return null;
  }

  reset(): void {
    this.tat.clear();
    this.refusals.length = 0;
  }
}
