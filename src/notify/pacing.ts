import type { Clock } from '../domain/clock.js';

/** Card updates to one channel at most this often. */
export const CHANNEL_UPDATE_SPACING_MS = 1000;

/**
 * New posts to one shared channel: a short burst, then one a second (Slack's chat.postMessage limit is
 * about one per second per channel). DMs are not paced here: each person's is its own channel.
 */
export const CHANNEL_POST_PACE = { burst: 3, intervalMs: 1000 } as const;

/** The most entries a pacing map holds before it starts afresh (pacing only, so forgetting is safe). */
const MAX_ENTRIES = 10_000;

/**
 * How fast Baton posts into one Slack channel, over the injected clock. The state is pacing only (what was
 * sent when), so it lives in memory: after a restart pacing starts afresh and nothing is lost.
 */
export class ChannelPacing {
  /** Per shared channel, the theoretical time of its next post (GCRA). */
  private readonly channelTat = new Map<string, number>();
  /** Outbox rows given a slot in a busy channel: sent when it comes, without asking again. */
  private readonly postSlots = new Map<number, number>();
  /** When each channel last got a card update, and of which incident. */
  private readonly lastUpdate = new Map<string, { at: number; incidentId: number }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes one post from the channel's allowance and returns null, or returns when this row may post.
   * Checked and taken without yielding, so concurrent sends cannot overdraw it. A post over the limit gets
   * its own later slot, so a backlog goes out one by one instead of every row retrying at every wake-up.
   */
  postSlot(channel: string, rowId: number): number | null {
    if (/^[UWD]/.test(channel)) return null;
    const now = this.clock.now().getTime();
    const slot = this.postSlots.get(rowId);
    if (slot !== undefined) {
      if (slot > now) return slot;
      this.postSlots.delete(rowId);
      return null;
    }
    const { burst, intervalMs } = CHANNEL_POST_PACE;
    const tolerance = (burst - 1) * intervalMs;
    const tat = Math.max(this.channelTat.get(channel) ?? now, now);
    this.channelTat.set(channel, tat + intervalMs);
    if (this.channelTat.size > MAX_ENTRIES) this.channelTat.clear();
    if (tat <= now + tolerance) return null;
    this.postSlots.set(rowId, tat - tolerance);
    if (this.postSlots.size > 10 * MAX_ENTRIES) this.postSlots.clear();
    return tat - tolerance;
  }

  /**
   * Card updates of many incidents in one channel are spaced out (the refresh is coalesced meanwhile, so the
   * card still shows the latest state); successive updates of one incident (a person clicking) are not held
   * back. Returns null and counts the update, or returns when it may go.
   */
  cardUpdateSlot(channels: string[], incidentId: number): number | null {
    const now = this.clock.now().getTime();
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
