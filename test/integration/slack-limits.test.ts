import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_POST_PACE, PACE_MARGIN_MS } from '../../src/notify/pacing.js';
import { ADA, TEAM_CHANNEL } from '../support/config.js';
import { alertGroup } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** A new alert group each time: each opens an incident that pages Ada. */
let groups = 0;
const newGroup = () => {
  groups += 1;
  return alertGroup(`Limits${groups}`);
};

describe("Slack's limits, kept by Baton itself", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const calls = (method: string) => h.slack.standin.calls.filter((c) => c.method === method);
  /** A click is answered before its work is done (Bolt acks first): wait until the incident shows it. */
  const acknowledged = (id: number) =>
    vi.waitUntil(async () => (await h.baton.incidents.get(id))?.status === 'acknowledged', { timeout: 3000 });
  const dmsToAda = () => calls('chat.postMessage').filter((c) => c.args.channel === ADA && c.status === 200).length;

  it('pages to one person go out a burst of 3, then one a second (virtual time), none lost', async () => {
    for (let i = 0; i < 7; i += 1) expect((await h.postAlertmanager(newGroup())).status).toBe(200);
    await h.baton.drain();
    expect(dmsToAda()).toBe(3);
    for (let second = 1; second <= 4; second += 1) {
      // A second, and the margin Baton keeps for network jitter.
      h.clock.advanceSeconds((CHANNEL_POST_PACE.intervalMs + PACE_MARGIN_MS) / 1000);
      await h.baton.drain();
      expect(dmsToAda()).toBe(3 + second);
    }
    expect(h.slack.standin.calls.filter((c) => c.status === 429)).toEqual([]);
  });

  it('a 429 stops every caller of that method until its Retry-After, then all go', async () => {
    await h.postAlertmanager(newGroup());
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    h.clock.advanceSeconds(5);
    await h.baton.drain();
    const updatesBefore = calls('chat.update').length;
    // Slack rate-limits chat.update for 30 s; both incidents' cards need an update.
    h.slack.standin.failNext('chat.update', { status: 429, retryAfter: 30 });
    const first = await h.slack.expectDM(ADA, /#1 /);
    const second = await h.slack.expectDM(ADA, /#2 /);
    await first.click('Acknowledge', { as: ADA });
    await acknowledged(1);
    await h.baton.drain();
    expect(
      calls('chat.update')
        .slice(updatesBefore)
        .map((c) => c.status),
    ).toEqual([429]);
    // The other incident's card waits too, without asking Slack.
    await second.click('Acknowledge', { as: ADA });
    await acknowledged(2);
    await h.baton.drain();
    expect(calls('chat.update').length - updatesBefore).toBe(1);
    // Within the 30 s nobody calls chat.update again, however often the loop runs.
    for (let s = 5; s <= 25; s += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    expect(calls('chat.update').length - updatesBefore).toBe(1);
    h.clock.advanceSeconds(6);
    await h.baton.tick();
    const after = calls('chat.update').slice(updatesBefore + 1);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after.every((c) => c.status === 200)).toBe(true);
    expect(h.slack.standin.messages(TEAM_CHANNEL).length).toBeGreaterThan(0);
  });
});
