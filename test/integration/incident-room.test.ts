import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidentEvents, incidents } from '../../src/db/schema.js';
import { ADA, BOB, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const STAKEHOLDERS = 'C0STAKEHOLD1';
const CONFIG = TEST_CONFIG.replace(
  '  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1 }',
  `  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1, stakeholders_channel: ${STAKEHOLDERS} }`,
).replace('    escalation_policy: payments-default\n', '    escalation_policy: payments-default\n    incident_channels: high\n');

describe('incident channels', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain('incident_channels: high');
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addChannel(STAKEHOLDERS, 'stakeholders');
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const calls = (method: string) => h.slack.standin.calls.filter((c) => c.method === method && c.status === 200 && (c.response as { ok: boolean }).ok);

  it('a high-urgency incident gets a channel; roles, updates, more responders and pins; on resolve a summary, then archive', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const created = calls('conversations.create')[0]!;
    expect(created.args.name).toBe('inc-20261118-1-5xx-ratio-5-on-checkout');
    const channel = (created.response as { channel: { id: string } }).channel.id;
    expect(h.baton.db.select().from(incidents).get()!.channelId).toBe(channel);
    expect(calls('conversations.invite')[0]!.args).toMatchObject({ channel, users: ADA });
    const card = await h.slack.expectChannelMessage(channel, '5xx ratio');
    expect(card.buttons).toEqual(['Acknowledge', 'Escalate', 'Resolve']);
    h.clock.advanceSeconds(2);
    await h.baton.tick();
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `Incident channel: <#${channel}>`);

    expect((await h.slack.commandIn(channel, ADA, 'role commander')).text).toContain(`<@${ADA}> is the incident commander`);
    expect((await h.slack.commandIn(channel, ADA, `role comms <@${BOB}|bob>`)).text).toContain('communications lead');
    expect((await h.slack.commandIn(TEAM_CHANNEL, ADA, 'role commander')).text).toContain('Run this in an incident channel');
    expect((await h.slack.commandIn(channel, ADA, 'update Rolling back the deploy')).text).toContain(`<#${STAKEHOLDERS}>`);
    await h.slack.expectChannelMessage(STAKEHOLDERS, 'Rolling back the deploy');
    await h.slack.expectChannelMessage(channel, 'Rolling back the deploy');
    expect((await h.slack.commandIn(channel, ADA, `page <@${BOB}|bob> need the DB expert`)).text).toContain(`Paging <@${BOB}>`);
    const help = await h.slack.expectDM(BOB, '5xx ratio');
    expect(help.rendered).toContain('asks for help: need the DB expert');
    await h.slack.standin.waitFor(() => calls('conversations.invite').some((c) => c.args.users === BOB));

    expect(await h.slack.event({ type: 'reaction_added', user: BOB, reaction: 'pushpin', item: { type: 'message', channel, ts: card.message.ts }, item_user: 'UBATONBOT' })).toBe(200);
    const kinds = () => h.baton.db.select().from(incidentEvents).all().map((e) => e.kind);
    await h.slack.standin.waitFor(() => kinds().includes('pinned'));
    expect(kinds()).toEqual(expect.arrayContaining(['role', 'status_update', 'responder_paged', 'pinned', 'channel_created']));

    await card.click('Resolve', { as: ADA });
    const wrapUp = await h.slack.expectChannelMessage(channel, 'Resolved: #1');
    expect(wrapUp.rendered).toContain('Postmortem');
    expect(wrapUp.rendered).toContain(`*Incident commander* <@${ADA}>`);
    expect(wrapUp.rendered).toContain('Status update by');
    expect(wrapUp.rendered).toContain('pinned a message');
    expect(calls('conversations.archive')).toHaveLength(0);
    for (let hour = 0; hour < 25; hour += 1) await h.advance(60);
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
    expect(h.baton.db.select().from(incidents).get()).toMatchObject({ source: 'declared', severity: 'error', title: 'Payments are failing' });
    expect(h.baton.db.select().from(auditLog).where(eq(auditLog.action, 'incident.declare')).all()).toMatchObject([{ actor: ADA }]);
    // Anyone may declare, even someone Baton does not know.
    h.slack.standin.addUser('U0VISITOR01', { name: 'Visitor', tz: 'UTC' });
    const visitor = await h.slack.openModal('U0VISITOR01', 'declare');
    expect((await visitor.set('title', 'The website is down').submit()).closed).toBe(true);
    await h.slack.expectDM(ADA, 'The website is down');
  });
});
