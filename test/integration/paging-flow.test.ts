import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, incidentEvents, incidents } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const firing = () => fixture('alertmanager/v0.25-firing.json').body;
const resolved = () => fixture('alertmanager/v0.25-resolved.json').body;

describe('an Alertmanager alert pages the on-call in Slack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('DMs the primary and posts in the team channel; Acknowledge updates every message and stops escalation', async () => {
    const res = await h.postAlertmanager(firing());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', outcome: 'opened' });

    const dm = await h.slack.expectDM(ADA, '5xx ratio &gt; 5% on checkout');
    expect(dm.buttons).toEqual(['Acknowledge', 'Escalate', 'Resolve']);
    expect(dm.rendered).toContain('runbooks.example.com/checkout-5xx');
    expect(dm.rendered).toContain('prometheus.example:9090');
    expect(dm.rendered).toContain('severity=critical');
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    expect(post.text).toContain('CRITICAL');
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);

    const click = await dm.click('Acknowledge', { as: ADA });
    expect(click.status).toBe(200);
    await dm.waitForUpdate(/Acknowledged/);
    await post.waitForUpdate(/Acknowledged/);
    expect(dm.rendered).toContain(`Acknowledged* by <@${ADA}>`);
    expect(dm.buttons).toEqual(['Escalate', 'Resolve']);

    const incident = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!;
    expect(incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADA, nextEscalationAt: null });
    expect(incident.acknowledgedAt).toBe(h.clock.now().getTime());
    const audit = await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'incident.acknowledge')));
    expect(audit).toMatchObject([{ actor: ADA, target: `incident:${incident.id}` }]);

    await h.baton.drain();
    const mark = h.slack.callCount();
    for (let minute = 0; minute < 60; minute += 1) await h.advance(1);
    h.slack.expectNoCallsSince(mark);
  });

  it('escalates an unanswered page: the secondary at 15 minutes, the next level at 30', async () => {
    await h.postAlertmanager(firing());
    await h.slack.expectDM(ADA);

    await h.advance(14);
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);
    await h.advance(1);
    const bobDm = await h.slack.expectDM(BOB, '5xx ratio');
    expect(bobDm.rendered).toContain('did not acknowledge within 15 minutes');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, /Escalated to level 2: paging <@U0BOB00002>/);
    expect(h.slack.dmsTo(CLEO)).toHaveLength(0);

    await h.advance(14);
    expect(h.slack.dmsTo(CLEO)).toHaveLength(0);
    await h.advance(1);
    await h.slack.expectDM(CLEO, '5xx ratio');

    // Everyone was paged once: escalation never re-sends a level's page.
    expect([h.slack.dmsTo(ADA).length, h.slack.dmsTo(BOB).length, h.slack.dmsTo(CLEO).length]).toEqual([1, 1, 1]);
    const incident = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!;
    expect(incident.escalationLevel).toBe(2);

    // Out of levels (repeat 0): the team is told once and nobody else is paged.
    await h.advance(15);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, /Nobody acknowledged after every level/);
    const mark = h.slack.callCount();
    await h.advance(30);
    h.slack.expectNoCallsSince(mark);
  });

  it('the team card names who is paged now, and the next level once it escalates; alert labels stay text', async () => {
    // A label from the alert's sender that looks like Baton's own stays text: it mentions nobody.
    const body = structuredClone(firing()) as unknown as { commonLabels: Record<string, string> };
    body.commonLabels.paged_by = BOB;
    await h.postAlertmanager(body);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    expect(post.rendered).toContain(`paging <@${ADA}>`);
    expect(post.rendered).toContain(`paged_by=${BOB}`);
    expect(post.rendered).not.toContain(`<@${BOB}>`);

    await h.advance(15);
    await h.slack.expectDM(BOB, '5xx ratio');
    await h.slack.standin.waitFor(() => post.rendered.includes(`paging <@${BOB}>`));
    expect(post.rendered).not.toContain(`paging <@${ADA}>`);

    await post.click('Acknowledge', { as: BOB });
    await post.waitForUpdate(/Acknowledged/);
    expect(post.rendered).not.toContain('paging');
  });

  it('a level of one minute escalates "within 1 minute", in words that fit the number', async () => {
    await h.stop();
    const oneMinute = TEST_CONFIG.replace(
      '      - targets: [{ rotation: payments-primary }]\n',
      '      - { delay_minutes: 1, targets: [{ rotation: payments-primary }] }\n',
    );
    expect(oneMinute).toContain('delay_minutes: 1');
    h = await startHarness({ config: oneMinute });
    await h.postAlertmanager(firing());
    await h.slack.expectDM(ADA);
    await h.advance(1);
    const note = await h.slack.expectChannelMessage(TEAM_CHANNEL, /Escalated to level 2/);
    expect(note.text).toContain('Level 1 did not acknowledge within 1 minute.');
    expect((await h.slack.expectDM(BOB)).rendered).not.toContain('1 minutes');
  });

  it('a re-send of the same group pages nobody again', async () => {
    await h.postAlertmanager(firing());
    await h.slack.expectDM(ADA);
    await h.baton.drain();
    const mark = h.slack.callCount();
    const again = await h.postAlertmanager(firing());
    expect(await again.json()).toMatchObject({ outcome: 'unchanged' });
    await h.baton.drain();
    h.slack.expectNoCallsSince(mark);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(1);
  });

  it('a resolved payload resolves the incident and updates its messages', async () => {
    await h.postAlertmanager(firing());
    const dm = await h.slack.expectDM(ADA);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx');
    await h.baton.drain();
    const res = await h.postAlertmanager(resolved());
    expect(await res.json()).toMatchObject({ outcome: 'resolved' });
    await dm.waitForUpdate(/Resolved/);
    await post.waitForUpdate(/Resolved/);
    await h.baton.drain();
    expect(dm.buttons).toEqual([]);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({
      status: 'resolved',
      resolvedBy: null,
      nextEscalationAt: null,
    });
    const kinds = (await h.baton.db.query((q) => q.select({ kind: incidentEvents.kind }).from(incidentEvents))).map((e) => e.kind);
    // High urgency gets its own channel by default.
    expect(kinds).toEqual(['opened', 'paged', 'channel_created', 'resolved']);

    // Nothing escalates once resolved.
    const mark = h.slack.callCount();
    await h.advance(45);
    h.slack.expectNoCallsSince(mark);
  });

  it('Escalate pages the next level now; Resolve resolves; a click on a resolved incident is harmless and says so', async () => {
    await h.postAlertmanager(firing());
    const dm = await h.slack.expectDM(ADA);

    await dm.click('Escalate', { as: ADA });
    const bobDm = await h.slack.expectDM(BOB);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.escalationLevel).toBe(1);

    await bobDm.click('Resolve', { as: BOB });
    await dm.waitForUpdate(/Resolved/);
    await bobDm.waitForUpdate(/Resolved/);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ status: 'resolved', resolvedBy: BOB });

    const late = await dm.click('Acknowledge', { as: ADA, stale: true });
    expect(late.status).toBe(200);
    expect(await late.reply()).toMatch(/already resolved by <@U0BOB00002>/);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({
      status: 'resolved',
      acknowledgedBy: null,
    });
  });

  it('a second Acknowledge is harmless and says who acknowledged', async () => {
    await h.postAlertmanager(firing());
    const dm = await h.slack.expectDM(ADA);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx');
    await dm.click('Acknowledge', { as: ADA });
    await post.waitForUpdate(/Acknowledged/);
    const late = await post.click('Acknowledge', { as: BOB, stale: true });
    expect(late.status).toBe(200);
    expect(await late.reply()).toMatch(/already acknowledged by <@U0ADA00001>/);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ acknowledgedBy: ADA });
    const acks = await h.baton.db.query((q) => q.select().from(incidentEvents).where(eq(incidentEvents.kind, 'acknowledged')));
    expect(acks).toHaveLength(1);
  });

  it('survives a restart: a new process on the same database escalates on time and re-sends nothing', async () => {
    await h.postAlertmanager(firing());
    await h.slack.expectDM(ADA);
    await h.baton.drain();
    await h.restart();
    await h.advance(10);
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);
    await h.advance(5);
    await h.slack.expectDM(BOB);
    await h.baton.drain();
    expect(h.slack.dmsTo(ADA)).toHaveLength(1);
    expect(h.slack.dmsTo(BOB)).toHaveLength(1);
  });
});
