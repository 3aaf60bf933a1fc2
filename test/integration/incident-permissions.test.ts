import { and, eq, like } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, incidentEvents, incidents, outbox } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, DAN, ERIN, INFRA_CHANNEL, TEAM_CHANNEL, TEST_CONFIG, withInfraTeam } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Who may act on an incident, from every Slack surface (issue 12, point 1). The Payments team is Ada (on
 * call, paged first) and Bob; Cleo is a Baton user in no rotation, paged only at level 3; Erin is on the
 * Infra team; Dan is an admin through the admin user group only; the visitor is unknown to Baton.
 */
const ADMINS = 'S0ADMINS01';
const VISITOR = 'U0VISITOR01';
const CONFIG = `${withInfraTeam(TEST_CONFIG)}admin_user_group: ${ADMINS}\n`;

describe('who may act on an incident', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addChannel(INFRA_CHANNEL, 'infra');
    h.slack.standin.addUser(VISITOR, { name: 'Visitor', tz: 'UTC' });
    h.slack.standin.addUser(ERIN, { name: 'Erin Infra', tz: 'UTC' });
    h.slack.standin.addUsergroup(ADMINS, 'oncall-admins', [DAN]);
    // Membership is read from Slack at start-up and every minute.
    h.clock.advanceSeconds(61);
    await h.baton.tick();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const incident = async (id = 1) => (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.id, id)).limit(1)))[0]!;
  const incidentAudit = (id = 1) =>
    h.baton.db.query((q) =>
      q
        .select()
        .from(auditLog)
        .where(eq(auditLog.target, `incident:${id}`)),
    );
  const outboxRows = async () => (await h.baton.db.query((q) => q.select().from(outbox))).length;
  const lastReply = () => h.slack.standin.responseUrlPosts.at(-1)!.body;

  /** An alert fires; resolves once Ada has her page and the incident channel is set up and linked from the team thread. */
  async function fire(): Promise<{ channel: string }> {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    const channel = await vi.waitUntil(async () => (await incident()).channelId, { timeout: 3000, interval: 25 });
    await h.slack.standin.waitFor(() => h.slack.standin.calls.some((c) => c.method === 'pins.add'));
    await vi.waitUntil(
      async () => (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.dedupeKey, 'channel-note:1')).limit(1)))[0],
      { timeout: 3000, interval: 25 },
    );
    return { channel };
  }

  it('a stranger clicking Acknowledge or Escalate on the page is refused privately and changes nothing', async () => {
    await fire();
    const dm = await h.slack.expectDM(ADA, '5xx ratio');
    const queued = await outboxRows();
    const mark = h.slack.callCount();

    const ack = await dm.click('Acknowledge', { as: VISITOR });
    expect(ack.status).toBe(200);
    expect(await ack.reply()).toContain('Baton does not know you yet, so you cannot act on incidents');
    expect(lastReply()).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(await incident()).toMatchObject({ status: 'triggered', acknowledgedBy: null, escalationLevel: 0 });

    const escalate = await dm.click('Escalate', { as: VISITOR });
    expect(await escalate.reply()).toContain('Baton does not know you');
    expect(await incident()).toMatchObject({ status: 'triggered', escalationLevel: 0 });

    // Nothing written: no audit entry, no timeline entry, nothing queued (no page, no card update).
    expect(await incidentAudit()).toEqual([]);
    expect(await h.baton.db.query((q) => q.select().from(incidentEvents).where(eq(incidentEvents.kind, 'acknowledged')))).toEqual([]);
    expect(await h.baton.db.query((q) => q.select().from(incidentEvents).where(eq(incidentEvents.kind, 'escalated')))).toEqual([]);
    expect(await outboxRows()).toBe(queued);
    expect(h.slack.standin.calls.slice(mark).filter((c) => c.method === 'chat.update')).toEqual([]);
    expect(h.slack.dmsTo(BOB)).toEqual([]);
    expect(dm.text).not.toMatch(/Acknowledged/);
  });

  it("another team's member is refused and told who can act; the team, the people paged and admins may act", async () => {
    await fire();
    const card = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');

    // Erin is on Infra: refused, with who may act and what to do instead.
    const refused = await (await card.click('Resolve', { as: ERIN })).reply();
    expect(refused).toBe(
      'Only the Payments team, the people paged for incident #1, whoever declared it, its commander and comms lead, and admins can resolve it. ' +
        'To help, ask one of them to page you (`/oncall page @you` in its channel), or ask an admin.',
    );
    expect(await incident()).toMatchObject({ status: 'triggered', resolvedBy: null });
    // Cleo is a Baton user, but neither on the team nor paged yet.
    expect(await (await card.click('Acknowledge', { as: CLEO })).reply()).toContain('Only the Payments team');
    expect(await incidentAudit()).toEqual([]);

    // Bob is on the team though not paged: he may escalate (to himself, the secondary, then to Cleo).
    await card.click('Escalate', { as: BOB });
    await h.slack.expectDM(BOB, '5xx ratio');
    await card.click('Escalate', { as: BOB });
    const cleoPage = await h.slack.expectDM(CLEO, '5xx ratio');
    expect((await incident()).escalationLevel).toBe(2);
    // Paged now, Cleo may acknowledge.
    await cleoPage.click('Acknowledge', { as: CLEO });
    // Three clicks in one (virtual) instant updated every copy of the card each time: more chat.update calls
    // than Slack's tier allows at once, so the latest update goes out when the tier allows it.
    h.clock.advanceSeconds(30);
    await h.baton.tick();
    await cleoPage.waitForUpdate(/Acknowledged/);
    expect(await incident()).toMatchObject({ status: 'acknowledged', acknowledgedBy: CLEO });
    // Dan is an admin (by the user group) and nothing else: he may resolve.
    await card.click('Resolve', { as: DAN });
    // Four clicks in one (virtual) instant updated every copy of the card each time: more chat.update calls
    // than Slack's tier allows at once, so the last update goes out when the tier allows it.
    h.clock.advanceSeconds(30);
    await h.baton.tick();
    await card.waitForUpdate(/Resolved/);
    expect(await incident()).toMatchObject({ status: 'resolved', resolvedBy: DAN });
    expect((await incidentAudit()).map((a) => [a.actor, a.action])).toEqual([
      [BOB, 'incident.escalate'],
      [BOB, 'incident.escalate'],
      [CLEO, 'incident.acknowledge'],
      [DAN, 'incident.resolve'],
    ]);
  });

  it('App Home buttons check the same rule: a refusal is a private notice and changes nothing', async () => {
    await fire();
    const home = await h.slack.openHome(ADA);
    expect(home.buttonsByBlock.home_incident_1).toEqual(['Acknowledge', 'Escalate', 'Resolve']);
    const queued = await outboxRows();

    // Erin presses a button of Ada's Home (a forged request: her own Home does not list it).
    const erinHome = await h.slack.openHome(ERIN);
    const before = erinHome.publishes;
    await h.slack.clickOnView(
      { userId: ERIN, viewId: h.slack.standin.homes.get(ADA)!.id, view: home.view, where: "on Ada's Home" },
      'Acknowledge',
      'home_incident_1',
    );
    expect((await h.slack.expectModal(ERIN, 'Baton')).rendered).toContain('Only the Payments team, the people paged for incident #1');
    await erinHome.waitForPublish(before);
    expect(h.slack.dmsTo(ERIN)).toEqual([]);
    expect(await incident()).toMatchObject({ status: 'triggered', acknowledgedBy: null });
    expect(await incidentAudit()).toEqual([]);
    expect(await outboxRows()).toBe(queued);

    // Ada, paged, acknowledges from her Home.
    const again = home.publishes;
    await home.click('Acknowledge', { block: 'home_incident_1' });
    await home.waitForPublish(again);
    expect(await incident()).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADA });
  });

  it('/oncall role and update and the role buttons in the incident channel check the same rule', async () => {
    const { channel } = await fire();

    const role = await h.slack.commandIn(channel, ERIN, 'role commander');
    expect(role.text).toContain(
      'Only the Payments team, the people paged for incident #1, whoever declared it, its commander and comms lead, and admins can set roles on it.',
    );
    expect(role.body.response_type ?? 'ephemeral').toBe('ephemeral');
    expect((await h.slack.commandIn(channel, VISITOR, 'update All good now')).text).toContain('Baton does not know you');
    expect((await h.slack.commandIn(channel, CLEO, 'update Looking into it')).text).toContain('can post status updates on it');
    const welcome = await h.slack.expectChannelMessage(channel, 'Take a role');
    expect(await (await welcome.click("I'm incident commander", { as: ERIN })).reply()).toContain('Only the Payments team');
    expect(await incident()).toMatchObject({ commanderId: null, commsLeadId: null });
    expect(
      await h.baton.db.query((q) =>
        q
          .select()
          .from(incidentEvents)
          .where(and(eq(incidentEvents.incidentId, 1), eq(incidentEvents.kind, 'status_update'))),
      ),
    ).toEqual([]);
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(like(auditLog.action, 'incident.role.%')))).toEqual([]);

    // Paging oneself is open to anyone, but grants nothing.
    expect((await h.slack.commandIn(channel, ERIN, `page <@${ERIN}|erin> I can help`)).text).toContain(`Paging <@${ERIN}>`);
    expect((await h.slack.commandIn(channel, ERIN, 'role comms')).text).toContain('Only the Payments team');

    // Paged by a responder, Erin may take a role and act; named commander, Cleo may post updates.
    expect((await h.slack.commandIn(channel, ADA, `page <@${ERIN}|erin> need infra`)).text).toContain(`Paging <@${ERIN}>`);
    expect((await h.slack.commandIn(channel, ERIN, 'role comms')).text).toContain(`<@${ERIN}> is the communications lead`);
    expect((await h.slack.commandIn(channel, ADA, `role commander <@${CLEO}|cleo>`)).text).toContain('incident commander');
    expect((await h.slack.commandIn(channel, CLEO, 'update Rolled back')).text).toContain('Posted');
    const erinPage = await h.slack.expectDM(ERIN, '5xx ratio');
    await erinPage.click('Resolve', { as: ERIN });
    await vi.waitUntil(async () => (await incident()).status === 'resolved', { timeout: 3000, interval: 25 });
    expect(await incident()).toMatchObject({ resolvedBy: ERIN, commanderId: CLEO, commsLeadId: ERIN });
  });

  it('whoever declared an incident may act on it, unless Baton does not know them', async () => {
    expect((await (await h.slack.openModal(ERIN, 'declare')).set('title', 'Ledger replication stuck').submit()).closed).toBe(true);
    const declared = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Ledger replication stuck');
    await declared.click('Acknowledge', { as: ERIN });
    await declared.waitForUpdate(/Acknowledged/);
    expect(await incident(1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: ERIN });

    // Anyone may declare; a stranger still may not act on what they declared.
    expect((await (await h.slack.openModal(VISITOR, 'declare')).set('title', 'Checkout is slow').submit()).closed).toBe(true);
    const theirs = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Checkout is slow');
    expect(await (await theirs.click('Resolve', { as: VISITOR })).reply()).toContain('Baton does not know you');
    expect(await incident(2)).toMatchObject({ status: 'triggered', resolvedBy: null });
    expect((await incidentAudit(2)).map((a) => a.action)).toEqual(['incident.declare']);
  });
});
