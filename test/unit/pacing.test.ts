import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { CHANNEL_POST_PACE, METHOD_PER_MINUTE, PACE_MARGIN_MS, SlackPacing } from '../../src/notify/pacing.js';
import { freshDb } from '../support/db.js';
import { propertyRuns } from '../support/lanes.js';

/** Every call the pacing lets through over a minute of virtual time, as [row, at] pairs. */
async function simulate(pacing: SlackPacing, clock: ManualClock, rows: number, method: string, channel?: string): Promise<number[]> {
  const due = new Map<number, number>(Array.from({ length: rows }, (_, i) => [i, clock.now().getTime()]));
  const sentAt: number[] = [];
  const start = clock.now().getTime();
  for (let t = start; t <= start + 120_000 && due.size > 0; t += 50) {
    clock.set(t);
    for (const [row, at] of [...due]) {
      if (at > t) continue;
      const wait = await pacing.gate(row, method, channel ? { channel } : {});
      if (wait === null) {
        sentAt.push(t);
        due.delete(row);
      } else due.set(row, wait);
    }
  }
  return sentAt;
}

/** The most calls in any window of `windowMs`. */
const busiest = (times: number[], windowMs: number) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));

describe('Slack pacing', () => {
  it('posts to one channel (a DM too): a burst of 3, then one a second, each row once in its own slot', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const pacing = new SlackPacing(freshDb(), clock);
    const sent = await simulate(pacing, clock, 10, 'chat.postMessage', 'U0ADA00001');
    expect(sent).toHaveLength(10);
    const start = new Date('2026-11-29T10:00:00Z').getTime();
    expect(sent.slice(0, 3).every((t) => t === start)).toBe(true);
    // After the burst, never more than one a second.
    expect(busiest(sent.slice(3), 1000)).toBe(1);
    expect(sent.at(-1)! - start).toBeLessThanOrEqual((10 - CHANNEL_POST_PACE.burst) * (1000 + PACE_MARGIN_MS) + 50);
    // Another channel is not held up by this one.
    expect(await pacing.gate(99, 'chat.postMessage', { channel: 'C0OTHER0001' })).toBeNull();
  });

  it('slots claimed late (a busy loop) go out no faster than Slack allows, not all at once', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const pacing = new SlackPacing(freshDb(), clock);
    const slots: number[] = [];
    for (let row = 0; row < 8; row += 1) {
      const wait = await pacing.gate(row, 'chat.postMessage', { channel: 'D0BOB00002' });
      if (wait !== null) slots.push(wait);
    }
    expect(slots).toHaveLength(5); // three went at once; rows 3 to 7 were given slots a second apart
    // The loop comes back late, at row 6's slot: rows 3 to 6 are all due at once.
    clock.set(slots[3]!);
    const answers: (number | null)[] = [];
    for (const row of [3, 4, 5, 6]) answers.push(await pacing.gate(row, 'chat.postMessage', { channel: 'D0BOB00002' }));
    // A burst's worth goes (Slack allows it after the idle time); the fourth waits an interval, as Slack would.
    expect(answers.slice(0, 3)).toEqual([null, null, null]);
    expect(answers[3]).toBe(clock.nowMs() + CHANNEL_POST_PACE.intervalMs + PACE_MARGIN_MS);
  });

  it('keeps each method within its tier: no window of a minute holds more than the tier allows plus its burst', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(METHOD_PER_MINUTE)), fc.integer({ min: 1, max: 60 }), async (method, rows) => {
        const clock = new ManualClock('2026-11-29T10:00:00Z');
        const sent = await simulate(new SlackPacing(freshDb(), clock), clock, rows, method);
        const perMinute = METHOD_PER_MINUTE[method]!;
        // Nothing is starved: at least a minute's worth goes out in the two minutes simulated.
        expect(sent.length).toBeGreaterThanOrEqual(Math.min(rows, perMinute));
        expect(busiest(sent, 60_000)).toBeLessThanOrEqual(perMinute + Math.ceil(perMinute / 6));
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it('a 429 stops every caller of that method until its Retry-After, and no other method', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const pacing = new SlackPacing(freshDb(), clock);
    const now = clock.now().getTime();
    await pacing.block('chat.update', 30_000);
    expect(await pacing.gate(1, 'chat.update')).toBe(now + 30_000);
    expect(await pacing.gate(2, 'chat.update')).toBe(now + 30_000);
    expect(await pacing.gate(3, 'pins.add')).toBeNull();
    clock.set(now + 30_000);
    expect(await pacing.gate(1, 'chat.update')).toBeNull();
  });
});

describe('Slack pacing, at the edges', () => {
  it('several calls made together (a card in three places) go only when the last of them fits the tier', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const pacing = new SlackPacing(freshDb(), clock);
    const burst = Math.ceil(METHOD_PER_MINUTE['chat.update']! / 6);
    // Use up all but one of the burst, then ask for three at once: they wait until all three fit.
    for (let row = 0; row < burst - 1; row += 1) expect(await pacing.gate(row, 'chat.update')).toBeNull();
    const wait = await pacing.gate(100, 'chat.update', { calls: 3 });
    expect(wait).toBe(clock.nowMs() + 2 * (60_000 / METHOD_PER_MINUTE['chat.update']! + PACE_MARGIN_MS));
  });

  it("a 429 on one channel's posts holds that channel only; pages to other people go on", async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const pacing = new SlackPacing(freshDb(), clock);
    await pacing.block('chat.postMessage', 30_000, 'U0ADA00001');
    expect(await pacing.gate(1, 'chat.postMessage', { channel: 'U0ADA00001' })).toBe(clock.nowMs() + 30_000);
    expect(await pacing.gate(2, 'chat.postMessage', { channel: 'U0BOB00002' })).toBeNull();
  });
});

describe('Slack pacing, kept in the database', () => {
  it('a restart (a new pacing on the same database) keeps the slots already given and the 429 blocks', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const db = freshDb();
    const before = new SlackPacing(db, clock);
    for (let row = 0; row < CHANNEL_POST_PACE.burst; row += 1)
      expect(await before.gate(row, 'chat.postMessage', { channel: 'U0ADA00001' })).toBeNull();
    const slot = await before.gate(10, 'chat.postMessage', { channel: 'U0ADA00001' });
    const interval = CHANNEL_POST_PACE.intervalMs + PACE_MARGIN_MS;
    expect(slot).toBe(clock.nowMs() + interval);
    await before.block('pins.add', 20_000);

    const after = new SlackPacing(db, clock);
    // The burst is spent: another row waits for the slot after the one given before the restart.
    expect(await after.gate(11, 'chat.postMessage', { channel: 'U0ADA00001' })).toBe(slot! + interval);
    expect(await after.gate(12, 'pins.add')).toBe(clock.nowMs() + 20_000);
    clock.set(slot!);
    // The held-back row goes at its slot without asking again.
    expect(await after.gate(10, 'chat.postMessage', { channel: 'U0ADA00001' })).toBeNull();
    await db.close();
  });
});
