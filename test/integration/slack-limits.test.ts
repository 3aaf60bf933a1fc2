import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_POST_PACE, PACE_MARGIN_MS } from '../../src/notify/pacing.js';
import { recordPageList } from '../../src/services/outbox.js';
import { eq } from 'drizzle-orm';
import { auditLog, incidentEvents, outbox } from '../../src/db/schema.js';
import { ADA, BOB, TEAM_CHANNEL } from '../support/config.js';
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

  /** The pace's interval and the margin Baton keeps for network jitter. */
  const nextFreeSecond = () => h.clock.advanceSeconds((CHANNEL_POST_PACE.intervalMs + PACE_MARGIN_MS) / 1000);
  const dms = () => calls('chat.postMessage').filter((c) => c.args.channel === ADA && c.status === 200);
  const outboxRow = async (id: number) => (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.id, id))))[0]!;

  it('pages to one person: a burst of 3, then all that waited in one message at the next free second, none lost', async () => {
    for (let i = 0; i < 7; i += 1) expect((await h.postAlertmanager(newGroup())).status).toBe(200);
    await h.baton.drain();
    expect(dmsToAda()).toBe(3);
    nextFreeSecond();
    await h.baton.drain();
    expect(dmsToAda()).toBe(4);
    // The fourth lists the four incidents that waited, in the order they opened, with one button for them all.
    const bundle = await h.slack.expectDM(ADA, /You are paged for 4 incidents/);
    expect(bundle.text).toMatch(/#4 .*#5 .*#6 .*#7 /);
    expect(bundle.buttons).toEqual(['Acknowledge all']);
    // Nothing is left to send, however long the loop runs: each page was sent or taken into the bundle.
    for (let second = 0; second < 5; second += 1) {
      nextFreeSecond();
      await h.baton.drain();
    }
    expect(dmsToAda()).toBe(4);
    const pages = await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.page')));
    expect(pages.map((p) => p.status).sort()).toEqual(['sent', 'sent', 'sent', 'sent', 'skipped', 'skipped', 'skipped']);
    const bundleRow = pages.find((p) => (p.payload as { bundle?: number[] }).bundle)!;
    expect((bundleRow.payload as { bundle: number[] }).bundle).toEqual([4, 5, 6, 7]);
    for (const p of pages.filter((p) => p.status === 'skipped')) expect(p.lastError).toBe(`skipped: covered by outbox ${bundleRow.id}`);
    // Waiting held no slots: the next page, a second later, goes at once, as a card of its own.
    expect((await h.postAlertmanager(newGroup())).status).toBe(200);
    await h.baton.drain();
    expect(dmsToAda()).toBe(5);
    expect(String(dms().at(-1)!.args.text)).toMatch(/\] #8 /);
    expect(h.slack.standin.calls.filter((c) => c.status === 429)).toEqual([]);
  });

  it('a page listing several that Slack refused (429) is taken whole into the next one: no incident dropped', async () => {
    for (let i = 0; i < 7; i += 1) await h.postAlertmanager(newGroup());
    await h.baton.drain();
    nextFreeSecond();
    h.slack.standin.failNext('chat.postMessage', { status: 429, retryAfter: 1, channel: ADA });
    await h.baton.drain();
    expect(dmsToAda()).toBe(3);
    // A new page once the Retry-After has passed, while the refused one waits out its backoff: it takes it along.
    nextFreeSecond();
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    expect(dmsToAda()).toBe(4);
    const bundle = await h.slack.expectDM(ADA, /You are paged for 5 incidents/);
    expect(bundle.text).toMatch(/#4 .*#5 .*#6 .*#7 .*#8 /);
    for (let second = 0; second < 5; second += 1) {
      nextFreeSecond();
      await h.baton.drain();
    }
    expect(dmsToAda()).toBe(4);
  });

  it('"Acknowledge all" acknowledges every incident the bundle listed, for the person it paged only', async () => {
    for (let i = 0; i < 6; i += 1) await h.postAlertmanager(newGroup());
    await h.baton.drain();
    nextFreeSecond();
    await h.baton.drain();
    const bundle = await h.slack.expectDM(ADA, /You are paged for 3 incidents/);
    // Someone else pressing it (a forged click) changes nothing and is told so.
    expect(await (await bundle.click('Acknowledge all', { as: BOB })).reply()).toContain('does not name a page sent to you');
    expect((await h.baton.incidents.get(4))?.status).toBe('triggered');
    // One of them is acknowledged another way first (Bob, by phone): "all" takes the rest and says how many.
    expect((await h.baton.incidents.act('acknowledge', 5, BOB)).outcome).toBe('done');
    await bundle.click('Acknowledge all', { as: ADA });
    await bundle.waitForUpdate(/You are paged for 3 incidents/);
    await vi.waitUntil(() => bundle.rendered.includes('You acknowledged 2 incidents'), { timeout: 3000 });
    for (const id of [4, 5, 6]) expect((await h.baton.incidents.get(id))?.status).toBe('acknowledged');
    expect((await h.baton.incidents.get(4))?.acknowledgedBy).toBe(ADA);
    expect((await h.baton.incidents.get(5))?.acknowledgedBy).toBe(BOB);
    // Nothing is left to acknowledge: the button is gone, and the list says who took each.
    expect(bundle.buttons).toEqual([]);
    expect(bundle.rendered).toContain(`acknowledged by <@${BOB}>`);
    // Each acknowledgement is audited, as a click on its card would be.
    const audited = await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'incident.acknowledge')));
    expect(audited.map((a) => `${a.actor} ${a.target}`).sort()).toEqual([`${ADA} incident:4`, `${ADA} incident:6`, `${BOB} incident:5`]);
  });

  it('a list of pages shows its incidents as they stand: one update a second, after acknowledgements and resolutions', async () => {
    const bodies = Array.from({ length: 6 }, newGroup);
    for (const body of bodies) await h.postAlertmanager(body);
    await h.baton.drain();
    nextFreeSecond();
    await h.baton.drain();
    const list = await h.slack.expectDM(ADA, /You are paged for 3 incidents/);
    expect(list.buttons).toEqual(['Acknowledge all']);
    const listUpdates = () => calls('chat.update').filter((c) => c.args.ts === list.message.ts && c.status === 200);

    // Bob acknowledges #5 by phone and its alerts resolve #6, in the same moment: the list is not yet touched.
    expect((await h.baton.incidents.act('acknowledge', 5, BOB)).outcome).toBe('done');
    expect((await h.baton.incidents.act('resolve', 6, 'integration:alertmanager')).outcome).toBe('done');
    await h.baton.drain();
    expect(listUpdates()).toEqual([]);
    // At the end of the second, one update shows both, and the button offers what is left.
    h.clock.advanceSeconds(1);
    await h.baton.tick();
    await vi.waitUntil(() => listUpdates().length === 1, { timeout: 3000 });
    expect(list.rendered).toContain(`acknowledged by <@${BOB}>`);
    expect(list.rendered).toMatch(/#6\*.*resolved/);
    expect(list.buttons).toEqual(['Acknowledge the 1 still triggered']);
    for (let second = 0; second < 3; second += 1) {
      h.clock.advanceSeconds(1);
      await h.baton.tick();
    }
    expect(listUpdates()).toHaveLength(1);

    // A change of alerts alone (a new alert in #4's group) is not shown in a list: no update for it.
    const more = structuredClone(bodies[3]!) as { alerts: { fingerprint: string }[] };
    more.alerts[0]!.fingerprint = 'another-alert';
    const added = await h.postAlertmanager(more);
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ outcome: 'updated', incident_id: 4 });
    h.clock.advanceSeconds(11);
    await h.baton.tick();
    expect(listUpdates()).toHaveLength(1);
  });

  it('a list recorded after one of its incidents changed (while it was posted) is updated at once', async () => {
    for (let i = 0; i < 2; i += 1) await h.postAlertmanager(newGroup());
    await h.baton.drain();
    const listRefreshes = async () =>
      (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.page_list_refresh')))).map((r) => r.payload);
    const now = h.clock.nowMs();
    // As shown: both triggered, and so they are: nothing to update.
    const asShown = [
      { id: 1, status: 'triggered' },
      { id: 2, status: 'triggered' },
    ];
    await recordPageList(h.baton.db, { id: 9001, channel: 'D0ADA00001', ts: '1.000100' }, asShown, now);
    expect(await listRefreshes()).toEqual([]);
    // #2 is acknowledged: the list recorded already is updated, as any change after it was recorded.
    expect((await h.baton.incidents.act('acknowledge', 2, BOB)).outcome).toBe('done');
    expect(await listRefreshes()).toEqual([{ listId: 9001 }]);
    // A second list, rendered before that acknowledgement and recorded after it: updated as well.
    await recordPageList(h.baton.db, { id: 9002, channel: 'D0ADA00001', ts: '1.000200' }, asShown, now);
    expect(await listRefreshes()).toEqual([{ listId: 9001 }, { listId: 9002 }]);
  });

  it('pages first: a card refresh of an older incident waits while pages wait for their DM', async () => {
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    const older = await h.slack.expectChannelMessage(TEAM_CHANNEL, /#1 /);
    // Four new incidents: Ada's DM has room for two more now, so two pages wait for the next free second.
    for (let i = 0; i < 4; i += 1) await h.postAlertmanager(newGroup());
    await h.baton.drain();
    expect(dmsToAda()).toBe(3);
    // The older incident is acknowledged meanwhile: its card is due for a refresh, and waits for the pages.
    await older.click('Acknowledge', { as: ADA });
    await acknowledged(1);
    await h.baton.drain();
    expect(calls('chat.update')).toEqual([]);
    const held = await outboxRow((await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.refresh'))))[0]!.id);
    expect(held.lastError).toBe('pages go first');
    nextFreeSecond();
    await h.baton.drain();
    // The pages went together; more may follow in a storm, so the refresh waits a second after them.
    await h.slack.expectDM(ADA, /You are paged for 2 incidents/);
    expect(calls('chat.update')).toEqual([]);
    nextFreeSecond();
    await h.baton.drain();
    await older.waitForUpdate(/Acknowledged/);
    const order = h.slack.standin.calls.filter((c) => c.status === 200).map((c) => c.method);
    const bundleAt = h.slack.standin.calls.findIndex((c) => /You are paged for 2 incidents/.test(String(c.args.text)));
    const updateAt = h.slack.standin.calls.findIndex((c) => c.method === 'chat.update');
    expect(bundleAt).toBeGreaterThan(-1);
    expect(updateAt).toBeGreaterThan(bundleAt);
    expect(order.filter((m) => m === 'chat.update').length).toBeGreaterThan(0);
  });

  it("a 429 on one person's DM holds their pages, not the rest of the workspace's Slack work", async () => {
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    const older = await h.slack.expectChannelMessage(TEAM_CHANNEL, /#1 /);
    // Slack refuses the next DM to Ada for 30 s; her next pages wait that long.
    h.slack.standin.failNext('chat.postMessage', { status: 429, retryAfter: 30, channel: ADA });
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    await h.postAlertmanager(newGroup());
    await h.baton.drain();
    expect(dmsToAda()).toBe(1);
    // Meanwhile the older incident is acknowledged: its card is updated within seconds, not after the 30.
    await older.click('Acknowledge', { as: ADA });
    await acknowledged(1);
    nextFreeSecond();
    nextFreeSecond();
    await h.baton.drain();
    await older.waitForUpdate(/Acknowledged/);
    expect(dmsToAda()).toBe(1);
  });

  it('a storm of changes to one incident makes one timeline entry per card refresh, not one per payload', async () => {
    const group = newGroup() as { alerts: { fingerprint: string }[] };
    await h.postAlertmanager(group);
    await h.baton.drain();
    const template = group.alerts[0]!;
    // Ten payloads within a second, each with one more alert: a change every time.
    for (let i = 1; i <= 10; i += 1) {
      group.alerts.push({ ...structuredClone(template), fingerprint: `${template.fingerprint}-more-${i}` });
      expect((await h.postAlertmanager(group)).status).toBe(200);
    }
    const updates = async () =>
      (await h.baton.db.query((q) => q.select().from(incidentEvents).where(eq(incidentEvents.incidentId, 1)))).filter(
        (e) => e.kind === 'alerts_updated',
      );
    const refreshes = async () =>
      (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.incidentId, 1)))).filter((r) => r.kind === 'slack.refresh');
    // A change queues a refresh (alert-only changes are spaced 10 s apart); the ones after it join it.
    const first = (await updates()).length;
    expect(first).toBe((await refreshes()).length);
    expect(first).toBeLessThanOrEqual(2);
    h.clock.advanceSeconds(11);
    await h.baton.drain();
    group.alerts.push({ ...structuredClone(template), fingerprint: `${template.fingerprint}-later` });
    await h.postAlertmanager(group);
    expect((await updates()).length).toBe(first + 1);
    expect((await refreshes()).length).toBe(first + 1);
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
