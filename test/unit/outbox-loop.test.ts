import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { OutboxLoop } from '../../src/notify/outbox-loop.js';
import { SENT, type OutboxKind, type Sender, type SenderTable } from '../../src/notify/send-result.js';
import { outboxPriority } from '../../src/db/statements.js';
import { enqueueNotice } from '../../src/services/outbox.js';
import { freshDb, sqliteOf } from '../support/db.js';

/** A sender table whose every sender records the kinds it was handed, in order. */
function recordingSenders(order: string[], gate?: Promise<void>): SenderTable {
  const sender: Sender = {
    send: async (message) => {
      order.push(message.kind);
      await gate;
      return SENT;
    },
  };
  return new Proxy({} as SenderTable, { get: () => sender }) as SenderTable;
}

describe('the outbox loop', () => {
  it('when more is due than it sends at once, pages and phone steps go first, then posts, then the rest, each oldest first', async () => {
    const db = freshDb();
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const now = clock.now().getTime();
    const insert = (kind: OutboxKind, n: number) =>
      sqliteOf(db)
        .prepare(
          "insert into outbox (kind, dedupe_key, incident_id, payload, status, attempts, next_attempt_at, created_at, priority) values (?, ?, 1, '{}', 'pending', 0, ?, ?, ?)",
        )
        .run(kind, `${kind}:${n}`, now, now, outboxPriority(kind));
    // Queued in the worst order: what can wait first.
    for (let n = 0; n < 20; n += 1) insert('slack.refresh', n);
    for (let n = 0; n < 20; n += 1) insert('slack.incident_channel', n);
    for (let n = 0; n < 10; n += 1) insert('slack.team_post', n);
    for (let n = 0; n < 5; n += 1) insert('slack.page', n);
    insert('twilio.voice', 0);
    await db.query((q) => enqueueNotice(q, { kind: 'slack.message', channel: 'C1', text: 'x' }, 'notice', now));

    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loop = new OutboxLoop(db, clock, recordingSenders(order, gate), createLogger('silent'));
    const drained = loop.drain();
    // The first 32 claimed are handed over before any finishes.
    await new Promise((r) => setTimeout(r, 50));
    release();
    await drained;

    expect(order).toHaveLength(57);
    expect(order.slice(0, 6).sort()).toEqual(['slack.page', 'slack.page', 'slack.page', 'slack.page', 'slack.page', 'twilio.voice']);
    expect(order.slice(6, 17).every((k) => k === 'slack.team_post' || k === 'slack.message')).toBe(true);
    expect(order.slice(17).every((k) => k === 'slack.refresh' || k === 'slack.incident_channel')).toBe(true);
    await loop.close();
  });
});
