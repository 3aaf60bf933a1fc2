import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, incidentEvents, incidents } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const STAKEHOLDERS = 'C0STAKEHOLD1';
const CONFIG = TEST_CONFIG.replace(
  '  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1 }',
  `  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1, stakeholders_channel: ${STAKEHOLDERS} }`,
);

describe('incident channels', () => {
  let h: Harness;
  beforeEach(async () => {
    // No incident_channels setting: high urgency gets a channel by default.
    expect(CONFIG).not.toContain('incident_channels');
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addChannel(STAKEHOLDERS, 'stakeholders');
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const calls = (method: string) =>
    h.slack.standin.calls.filter((c) => c.method === method && c.status === 200 && (c.response as { ok: boolean }).ok);
  /** Everyone asked into `channel`, over every conversations.invite. */
  const invitedTo = (channel: string) =>
    calls('conversations.invite')
      .filter((c) => c.args.channel === channel)
      .flatMap((c) => String(c.args.users).split(','));
  /** Lets paced and waiting messages go out: a few seconds of virtual time, then a drain. */
  const settleOutbox = async () => {
    for (let i = 0; i < 3; i += 1) {
      h.clock.advanceSeconds(2);
      await h.baton.tick();
    }
    await h.baton.drain();
  };

  it('a high-urgency incident gets a channel; roles, updates, more responders and pins; on resolve a summary, then archive', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const created = calls('conversations.create')[0]!;
    expect(created.args.name).toBe('inc-20261118-1-5xx-ratio-5-on-checkout');
    const channel = (created.response as { channel: { id: string } }).channel.id;
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId).toBe(channel);
    expect(calls('conversations.invite')[0]!.args).toMatchObject({ channel, users: ADA });
    const card = await h.slack.expectChannelMessage(channel, '5xx ratio');
    expect(card.buttons).toEqual(['Acknowledge', 'Escalate', 'Resolve']);
    h.clock.advanceSeconds(2);
    await h.baton.tick();
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `Incident channel: <#${channel}>`);

    expect((await h.slack.commandIn(channel, ADA, 'role commander')).text).toContain(`<@${ADA}> is the incident commander`);
    expect((await h.slack.commandIn(channel, ADA, `role comms <@${CLEO}|cleo>`)).text).toContain('communications lead');
    await h.slack.expectChannelMessage(channel, `<@${CLEO}> is now the communications lead`);
    expect((await h.slack.commandIn(TEAM_CHANNEL, ADA, 'role commander')).text).toContain('Run this in an incident channel');
    expect((await h.slack.commandIn(channel, ADA, 'update Rolling back the deploy')).text).toContain(`<#${STAKEHOLDERS}>`);
    await h.slack.expectChannelMessage(STAKEHOLDERS, 'Rolling back the deploy');
    // The fifth post in the channel in one (virtual) instant waits for its slot: one a second after a burst of 3.
    h.clock.advanceSeconds(2);
    await h.baton.tick();
    await h.slack.expectChannelMessage(channel, 'Rolling back the deploy');
    expect((await h.slack.commandIn(channel, ADA, `page <@${BOB}|bob> need the DB expert`)).text).toContain(`Paging <@${BOB}>`);
    const help = await h.slack.expectDM(BOB, '5xx ratio');
    expect(help.rendered).toContain('asks for help: need the DB expert');
    await h.slack.standin.waitFor(() => calls('conversations.invite').some((c) => c.args.users === BOB));

    // Roles by button: Bob takes over comms from Cleo.
    const welcome = await h.slack.expectChannelMessage(channel, 'Take a role');
    expect(welcome.buttons).toEqual(["I'm incident commander", "I'll handle comms"]);
    expect(await (await welcome.click("I'll handle comms", { as: BOB })).reply()).toContain('You are the communications lead');
    // Posts to one channel are paced (a burst, then one a second): let virtual time pass.
    h.clock.advanceSeconds(3);
    await h.baton.drain();
    await h.slack.expectChannelMessage(channel, `<@${BOB}> is now the communications lead`);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ commanderId: ADA, commsLeadId: BOB });
    // Someone Baton does not know is told why, privately, and nothing changes.
    h.slack.standin.addUser('U0VISITOR01', { name: 'Visitor', tz: 'UTC' });
    expect(await (await welcome.click("I'm incident commander", { as: 'U0VISITOR01' })).reply()).toContain('Baton does not know you');
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ commanderId: ADA });

    // A person's message marked with :pushpin: goes on the timeline with its text; a second pin adds nothing.
    const finding = h.slack.standin.postAsUser(channel, BOB, 'Found it: the 14:02 deploy doubled the pool size');
    for (let i = 0; i < 2; i += 1) {
      expect(
        await h.slack.event({
          type: 'reaction_added',
          user: BOB,
          reaction: 'pushpin',
          item: { type: 'message', channel, ts: finding },
          item_user: BOB,
        }),
      ).toBe(200);
    }
    // A thumbs-up is not a pin.
    expect(
      await h.slack.event({
        type: 'reaction_added',
        user: ADA,
        reaction: '+1',
        item: { type: 'message', channel, ts: finding },
        item_user: BOB,
      }),
    ).toBe(200);
    const pins = async () => (await h.baton.db.query((q) => q.select().from(incidentEvents))).filter((e) => e.kind === 'pinned');
    await vi.waitUntil(async () => (await pins()).some((p) => typeof p.detail.text === 'string'), { timeout: 3000, interval: 25 });
    expect(await pins()).toHaveLength(1);
    expect((await pins())[0]!.detail).toMatchObject({ ts: finding, text: 'Found it: the 14:02 deploy doubled the pool size', author: BOB });
    expect(calls('conversations.history').at(-1)!.args).toMatchObject({
      channel,
      latest: finding,
      inclusive: expect.toSatisfy((v) => String(v) === 'true'),
      limit: expect.toSatisfy((v) => String(v) === '1'),
    });
    const kinds = async () => (await h.baton.db.query((q) => q.select().from(incidentEvents))).map((e) => e.kind);
    expect(await kinds()).toEqual(expect.arrayContaining(['role', 'status_update', 'responder_paged', 'pinned', 'channel_created']));

    await card.click('Resolve', { as: ADA });
    const wrapUp = await h.slack.expectChannelMessage(channel, 'Resolved: #1');
    expect(wrapUp.rendered).toContain('Postmortem');
    expect(wrapUp.rendered).toContain(`*Incident commander* <@${ADA}>`);
    expect(wrapUp.rendered).toContain('Status update by');
    expect(wrapUp.rendered).toContain(`<@${BOB}> pinned: Found it: the 14:02 deploy doubled the pool size`);
    expect(wrapUp.rendered).toContain(`<@${BOB}> set communications lead`);
    expect(wrapUp.rendered).toMatch(/\*Time to acknowledge\* never acknowledged/);
    // The duration is from when Baton opened the incident: it is the time to resolve, so it is not shown twice.
    expect(wrapUp.rendered).toMatch(/\*Duration\* \d+ min, from when Baton opened it/);
    expect(wrapUp.rendered).not.toContain('Time to resolve');
    expect(wrapUp.rendered).toContain('archived 24 hours after');
    expect(calls('conversations.archive')).toHaveLength(0);
    for (let hour = 0; hour < 23; hour += 1) await h.advance(60);
    expect(calls('conversations.archive')).toHaveLength(0);
    for (let hour = 0; hour < 2; hour += 1) await h.advance(60);
    expect(calls('conversations.archive').map((c) => c.args.channel)).toEqual([channel]);
  });

  it('/oncall declare opens an incident by hand, pages, and gives it a channel; a taken name gets a suffix', async () => {
    const modal = await h.slack.openModal(ADA, 'declare');
    expect((await modal.submit()).errors).toMatchObject({ title: expect.any(String) });
    h.slack.standin.addChannel('C0TAKEN0001', 'inc-20261118-1-payments-are-failing');
    expect((await modal.set('title', 'Payments are failing').set('severity', 'error').submit()).closed).toBe(true);
    await h.slack.expectDM(ADA, 'Payments are failing');
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    expect(calls('conversations.create').map((c) => c.args.name)).toEqual(['inc-20261118-1-payments-are-failing-2']);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({
      source: 'declared',
      severity: 'error',
      title: 'Payments are failing',
    });
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'incident.declare')))).toMatchObject([
      { actor: ADA },
    ]);
    // Anyone may declare, even someone Baton does not know.
    h.slack.standin.addUser('U0VISITOR01', { name: 'Visitor', tz: 'UTC' });
    const visitor = await h.slack.openModal('U0VISITOR01', 'declare');
    expect((await visitor.set('title', 'The website is down').submit()).closed).toBe(true);
    // Ada's fourth DM in one (virtual) instant: DMs are paced like channels, a burst of 3, then one a second.
    h.clock.advanceSeconds(2);
    await h.baton.tick();
    await h.slack.expectDM(ADA, 'The website is down');
  });

  it("a name someone else holds is never adopted, even when the next name's call fails and the channel is made on a retry", async () => {
    const theirs = 'inc-20261118-1-payments-are-failing';
    h.slack.standin.addChannel('C0TAKEN0001', theirs);
    // The first name is refused as taken; Slack then fails the call for the second, so the row is tried again.
    const stop = h.slack.standin.onCall((call) => {
      if (call.method === 'conversations.create' && call.args.name === theirs) {
        stop();
        h.slack.standin.failNext('conversations.create', { status: 500 });
      }
    });
    const modal = await h.slack.openModal(ADA, 'declare');
    expect((await modal.set('title', 'Payments are failing').submit()).closed).toBe(true);
    await h.slack.expectDM(ADA, 'Payments are failing');
    await h.slack.standin.waitFor(() => h.slack.standin.calls.some((c) => c.method === 'conversations.create' && c.status === 500));
    // The retry, after its backoff.
    for (let i = 0; i < 5; i += 1) {
      h.clock.advanceSeconds(30);
      await h.baton.tick();
    }
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const incident = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!;
    expect(calls('conversations.create').map((c) => c.args.name)).toEqual([`${theirs}-2`]);
    expect(incident.channelId).not.toBe('C0TAKEN0001');
    expect(incident.channelId).toBe((calls('conversations.create')[0]!.response as { channel: { id: string } }).channel.id);
  });

  it('whoever declares is invited to the channel and told where it is, once; the card says who declared', async () => {
    // Bob is not on call (Ada is): only declaring brings him in.
    const modal = await h.slack.openModal(BOB, 'declare');
    expect((await modal.set('title', 'Payments are failing').submit()).closed).toBe(true);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    await h.slack.standin.waitFor(() => invitedTo(channel).includes(BOB));
    expect(invitedTo(channel)).toEqual(expect.arrayContaining([ADA, BOB]));
    const link = await h.slack.expectDM(BOB, `<#${channel}>`);
    expect(link.text).toContain('#1');
    await settleOutbox();
    expect(h.slack.dmsTo(BOB).filter((m) => m.text.includes(`<#${channel}>`))).toHaveLength(1);

    const card = await h.slack.expectChannelMessage(channel, 'Payments are failing');
    expect(card.rendered).toContain(`*Declared by*\\n<@${BOB}>`);
    expect(card.rendered).not.toContain('declared_by');
  });

  it('"Page someone": the person who paged is invited to the channel and gets its link once; the page says who asked', async () => {
    const home = await h.slack.openHome(BOB);
    await home.click('Page someone');
    const modal = await h.slack.expectModal(BOB, 'Page someone');
    expect((await modal.set('who', CLEO).set('message', 'The ledger job is stuck').submit()).closed).toBe(true);
    const page = await h.slack.expectDM(CLEO, 'The ledger job is stuck');
    expect(page.rendered).toContain(`*Paged by*\\n<@${BOB}>`);
    expect(page.rendered).not.toContain('paged_by');
    await h.slack.expectDM(BOB, `Paging <@${CLEO}> now`);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    await h.slack.standin.waitFor(() => invitedTo(channel).includes(BOB));
    expect(invitedTo(channel)).toEqual(expect.arrayContaining([CLEO, BOB]));
    await h.slack.expectDM(BOB, `<#${channel}>`);
    await settleOutbox();
    expect(h.slack.dmsTo(BOB).filter((m) => m.text.includes(`<#${channel}>`))).toHaveLength(1);
  });

  it('the summary counts the duration from when Baton opened the incident and shows when the alert says the problem started', async () => {
    const weekAgo = '2026-11-11T09:23:00Z';
    const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body);
    for (const alert of body.alerts) alert.startsAt = weekAgo;
    await h.postAlertmanager(body);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    h.clock.advanceMinutes(37);
    await h.postAlertmanager(fixture('alertmanager/v0.25-resolved.json').body);
    const wrapUp = await h.slack.expectChannelMessage(channel, 'Resolved: #1');
    expect(wrapUp.text).toContain('Duration 37 min.');
    expect(wrapUp.rendered).toContain('*Duration* 37 min');
    expect(wrapUp.rendered).toContain(`*Problem started* <!date^${Date.parse(weekAgo) / 1000}^`);
  });

  it('the archive delay is set per service; a service may turn channels off, or give every incident one', async () => {
    await h.stop();
    const withServices = (channels: string) =>
      CONFIG.replace('    escalation_policy: payments-default\n', `    escalation_policy: payments-default\n${channels}`);
    h = await startHarness({ config: withServices('    incident_channel_archive_after_hours: 2\n') });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    await h.postAlertmanager(fixture('alertmanager/v0.25-resolved.json').body);
    expect((await h.slack.expectChannelMessage(channel, 'Resolved: #1')).rendered).toContain('archived 2 hours after');
    await h.advance(119);
    expect(calls('conversations.archive')).toHaveLength(0);
    await h.advance(2);
    expect(calls('conversations.archive').map((c) => c.args.channel)).toEqual([channel]);
    await h.stop();

    h = await startHarness({ config: withServices('    incident_channels: none\n') });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.baton.drain();
    expect(calls('conversations.create')).toHaveLength(0);
    await h.stop();

    // `all`: even a low-urgency incident gets a channel.
    h = await startHarness({
      config: withServices('    incident_channels: all\n    routing:\n      - { match: { alertname: HighErrorRate }, urgency: low }\n'),
    });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ urgency: 'low' });
  });
});
