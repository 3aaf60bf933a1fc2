import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, coverRequests, escalationPolicies, incidents, integrationKeys, overrides, timeOff } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, DAN, ERIN, INFRA_CHANNEL, TEAM_CHANNEL, TEST_CONFIG, withInfraTeam } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Every permission rule, allowed and refused, through signed Slack requests. Ada is an admin in the YAML
 * file, Dan only through the admin user group (he is not a Baton user otherwise); Bob is a member in the
 * rotation, Cleo a member outside it; the visitor is unknown to Baton.
 */
const ADMINS = 'S0ADMINS01';
const VISITOR = 'U0VISITOR01';
const CONFIG = `${TEST_CONFIG.replace('name: Ada Lovelace, time_zone', 'name: Ada Lovelace, role: admin, time_zone')}admin_user_group: ${ADMINS}\n`;

describe('permissions', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain('role: admin');
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addUser(VISITOR, { name: 'Visitor', tz: 'UTC' });
    h.slack.standin.addUsergroup(ADMINS, 'oncall-admins', [DAN]);
    // Membership is read from Slack at start-up and every minute.
    h.clock.advanceSeconds(61);
    await h.baton.tick();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const count = async (table: typeof overrides | typeof timeOff | typeof integrationKeys) =>
    (await h.baton.db.query((q) => q.select().from(table))).length;

  it('admins (YAML role or the Slack user group) manage rotations and integrations; members are told why not', async () => {
    // Rotations.
    expect((await h.slack.command(BOB, 'rotation')).text).toBe('Only an admin can create or edit rotations.');
    expect((await h.slack.openModal(ADA, 'rotation')).title).toBe('New rotation');
    const byGroup = await h.slack.openModal(DAN, 'rotation');
    expect(byGroup.title).toBe('New rotation');
    const saved = await byGroup.set('name', 'Search').set('team', 'payments').set('participants', [BOB, CLEO]).submit();
    expect(saved.closed).toBe(true);
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.target, 'rotation:search')))).toMatchObject([
      { actor: DAN, action: 'rotation.create' },
    ]);

    // Integration keys.
    const keys = await count(integrationKeys);
    expect((await h.slack.command(CLEO, 'integration checkout generic')).text).toBe('Only an admin can create or rotate integration keys.');
    expect((await h.slack.command(VISITOR, 'integration checkout generic')).text).toContain('Baton does not know you');
    expect(await count(integrationKeys)).toBe(keys);
    expect((await h.slack.command(ADA, 'integration checkout generic')).text).toContain('New *generic* key');
    expect((await h.slack.command(DAN, 'integration checkout heartbeat 5')).text).toContain('New *heartbeat* key');
    expect(await count(integrationKeys)).toBe(keys + 2);

    // Leaving the group in Slack takes the rights away at the next refresh.
    h.slack.standin.addUsergroup(ADMINS, 'oncall-admins', [CLEO]);
    h.clock.advanceSeconds(61);
    await h.baton.tick();
    expect((await h.slack.command(DAN, 'rotation')).text).toBe('Only an admin can create or edit rotations.');
    expect((await h.slack.openModal(CLEO, 'rotation')).title).toBe('New rotation');
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'admin_user_group.update')))).toMatchObject([
      { after: ADMINS },
    ]);
  });

  it('members manage their own overrides and time off; only admins act for someone else', async () => {
    // Override: for oneself yes; for someone else no (on the field); an admin yes.
    const now = h.clock.now().getTime();
    const forCleo = await (await h.slack.openModal(BOB, 'override')).set('who', CLEO).submit();
    expect(forCleo.errors).toEqual({ who: 'Only an admin can set an override for someone else.' });
    expect(await count(overrides)).toBe(0);
    expect(
      (
        await (
          await h.slack.openModal(BOB, 'override')
        )
          .set('from', now)
          .set('to', now + 3_600_000)
          .submit()
      ).closed,
    ).toBe(true);
    expect(
      (
        await (
          await h.slack.openModal(DAN, 'override')
        )
          .set('who', CLEO)
          .set('from', now + 3_600_000)
          .set('to', now + 7_200_000)
          .submit()
      ).closed,
    ).toBe(true);
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toMatchObject([
      { userId: BOB, createdBy: BOB },
      { userId: CLEO, createdBy: DAN },
    ]);
    expect((await h.slack.command(VISITOR, 'override')).text).toContain('Baton does not know you');

    // Time off: the modal names who is away; members may only name themselves.
    const bobForAda = await (await h.slack.openModal(BOB, 'timeoff'))
      .set('who', ADA)
      .set('from', '2026-11-25')
      .set('to', '2026-11-26')
      .submit();
    expect(bobForAda.errors).toEqual({ who: 'Only an admin can book time off for someone else.' });
    const adaForBob = await (await h.slack.openModal(ADA, 'timeoff'))
      .set('who', BOB)
      .set('from', '2026-11-25')
      .set('to', '2026-11-26')
      .submit();
    expect(adaForBob.next?.title).toBe('Confirm time off');
    expect(adaForBob.next?.rendered).toContain(`<@${BOB}> is away`);
    expect((await adaForBob.next!.submit()).closed).toBe(true);
    const own = await (await h.slack.openModal(CLEO, 'timeoff')).set('from', '2026-12-01').set('to', '2026-12-01').submit();
    expect((await own.next!.submit()).closed).toBe(true);
    expect(await h.baton.db.query((q) => q.select().from(timeOff))).toMatchObject([
      { userId: BOB, createdBy: ADA },
      { userId: CLEO, createdBy: CLEO },
    ]);
    expect((await h.slack.command(VISITOR, 'timeoff')).text).toContain('Baton does not know you');
  });

  it("swaps and cover: only one's own shifts, only the asked teammate answers, nobody takes their own request", async () => {
    expect((await h.slack.command(CLEO, 'swap')).text).toBe('You have no shifts in the next 4 weeks to swap.');
    expect((await h.slack.command(VISITOR, 'swap')).text).toContain('Baton does not know you');
    const swap = await h.slack.openModal(ADA, 'swap');
    expect((await swap.set('teammate', BOB).submit()).closed).toBe(true);
    const ask = await h.slack.expectDM(BOB, 'asks you to take their');
    expect(await ask.click('Accept', { as: CLEO }).then((c) => c.reply())).toBe('Only the teammate who was asked can answer this swap.');
    expect(await ask.click('Accept', { as: DAN }).then((c) => c.reply())).toBe('Only the teammate who was asked can answer this swap.');
    expect(await count(overrides)).toBe(0);
    await ask.click('Decline', { as: BOB });
    await ask.waitForUpdate(/declined/i);

    expect((await h.slack.command(CLEO, 'cover')).text).toBe('You have no shifts in the next 4 weeks that need cover.');
    expect((await h.slack.command(VISITOR, 'cover')).text).toContain('Baton does not know you');
    expect((await (await h.slack.openModal(ADA, 'cover')).submit()).closed).toBe(true);
    const post = await h.slack.expectChannelMessage('C0PAYMENTS1', 'needs someone to cover');
    expect(await post.click('Take it', { as: ADA }).then((c) => c.reply())).toContain('your own request');
    expect(await post.click('Take it', { as: VISITOR }).then((c) => c.reply())).toContain('Baton does not know you');
    expect(await post.click('Take it', { as: BOB }).then((c) => c.reply())).toContain('It is yours');
  });

  it('anyone may declare and page; the audit log is for people Baton knows', async () => {
    const declared = await h.slack.openModal(VISITOR, 'declare');
    expect((await declared.set('title', 'Checkout is down').submit()).closed).toBe(true);
    await h.slack.expectDM(ADA, 'Checkout is down');
    await vi.waitUntil(async () => (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]?.channelId, {
      timeout: 3000,
      interval: 25,
    });
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    expect((await h.slack.commandIn(channel, VISITOR, `page <@${BOB}|bob> please look`)).text).toContain(`Paging <@${BOB}>`);
    await h.slack.expectDM(BOB, 'Checkout is down');

    expect((await h.slack.command(VISITOR, 'audit')).text).toContain('Baton does not know you');
    const audit = await h.slack.command(CLEO, 'audit');
    expect(audit.text).toContain('*declared incident* #1');
    expect(audit.text).toContain(`<@${VISITOR}>`);
  });

  it('members may not change roles or post updates unless Baton knows them; refusals are private', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await vi.waitUntil(async () => (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]?.channelId, {
      timeout: 3000,
      interval: 25,
    });
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    const refused = await h.slack.commandIn(channel, VISITOR, 'update All good now');
    expect(refused.text).toContain('Baton does not know you');
    expect(refused.body.response_type ?? 'ephemeral').toBe('ephemeral');
    expect((await h.slack.commandIn(channel, BOB, 'update Looking into it')).text).toContain('Posted');
  });

  it('overrides and time off are cancelled from "My changes": by the person, whoever set them, or an admin', async () => {
    const now = h.clock.now().getTime();
    expect(
      (
        await (
          await h.slack.openModal(BOB, 'override')
        )
          .set('from', now)
          .set('to', now + 3 * 3_600_000)
          .set('reason', 'Ada at the dentist')
          .submit()
      ).closed,
    ).toBe(true);
    const adaForBob = await (await h.slack.openModal(ADA, 'timeoff'))
      .set('who', BOB)
      .set('from', '2026-11-25')
      .set('to', '2026-11-26')
      .submit();
    expect((await adaForBob.next!.submit()).closed).toBe(true);
    expect((await h.baton.oncall.whoIsOnCall())[0]!.now.primary!.userId).toBe(BOB);

    const mine = await h.slack.openModal(BOB, 'changes');
    expect(mine.title).toBe('My changes');
    expect(mine.rendered).toContain('Ada at the dentist');
    expect(Object.keys(mine.buttonsByBlock)).toEqual(['override_1', 'time_off_1']);
    // A forged click by someone else is refused, says why, and changes nothing.
    await mine.click('Cancel', { block: 'override_1', as: CLEO });
    await h.slack.standin.waitFor(() => mine.rendered.includes('Only an admin can cancel an override for someone else.'));
    expect((await h.baton.db.query((q) => q.select().from(overrides).limit(1)))[0]!.cancelledAt).toBeNull();
    // The modal still shows Bob's own list.
    expect(Object.keys(mine.buttonsByBlock)).toEqual(['override_1', 'time_off_1']);

    // Admins may open anyone's list; members only their own.
    expect((await h.slack.command(CLEO, `changes <@${BOB}|bob>`)).text).toBe("Only an admin can see and cancel someone else's changes.");
    const bobsForAda = await h.slack.openModal(ADA, `changes <@${BOB}|bob>`);
    expect(Object.keys(bobsForAda.buttonsByBlock)).toEqual(['override_1', 'time_off_1']);

    const again = await h.slack.openModal(BOB, 'changes');
    await again.click('Cancel', { block: 'override_1' });
    await vi.waitUntil(async () => (await h.baton.db.query((q) => q.select().from(overrides).limit(1)))[0]!.cancelledAt !== null, {
      timeout: 3000,
      interval: 25,
    });
    const after = await h.slack.expectModal(BOB, 'My changes');
    await h.slack.standin.waitFor(() => after.rendered.includes('Override cancelled'));
    expect(Object.keys(after.buttonsByBlock)).toEqual(['time_off_1']);
    expect((await h.baton.oncall.whoIsOnCall())[0]!.now.primary!.userId).toBe(ADA);
    h.clock.advanceSeconds(2);
    await h.baton.drain();
    await h.slack.expectChannelMessage('C0PAYMENTS1', `<@${BOB}> cancelled <@${BOB}>'s override`);

    // Time off booked for Bob by Ada: Bob may cancel it (it is his), Cleo may not.
    await expect(h.baton.timeOff.cancelTimeOff(CLEO, 1)).rejects.toThrow('Only an admin can cancel time off for someone else.');
    await after.click('Cancel', { block: 'time_off_1' });
    await vi.waitUntil(async () => (await h.baton.db.query((q) => q.select().from(timeOff).limit(1)))[0]!.cancelledAt !== null, {
      timeout: 3000,
      interval: 25,
    });
    expect((await h.baton.db.query((q) => q.select().from(auditLog))).filter((a) => a.action.endsWith('.cancel'))).toMatchObject([
      { action: 'override.cancel', actor: BOB },
      { action: 'time_off.cancel', actor: BOB },
    ]);
    expect((await h.slack.command(VISITOR, 'changes')).text).toContain('Baton does not know you');
  });

  it('admins make escalation policies and services in Slack; alerts to the new service page through the new policy', async () => {
    expect((await h.slack.command(BOB, 'policy')).text).toBe('Only an admin can create or edit escalation policies.');
    expect((await h.slack.command(BOB, 'service')).text).toBe('Only an admin can create or edit services.');
    expect((await h.slack.command(ADA, 'policy payments-default')).text).toContain('declared in the config file');
    expect((await h.slack.command(ADA, 'service checkout')).text).toContain('declared in the config file');

    const policy = await h.slack.openModal(DAN, 'policy');
    expect(policy.title).toBe('New escalation policy');
    expect((await policy.submit()).errors).toEqual({
      name: 'Give the policy a name.',
      level1_rotations: 'Level 1 needs at least one rotation or person to page.',
    });
    const saved = await policy
      .set('name', 'Search on-call')
      .set('level1_rotations', ['payments-primary'])
      .set('level1_delay', '10')
      .set('level2_users', [CLEO])
      .submit();
    expect(saved.closed).toBe(true);
    expect(
      (await h.baton.db.query((q) => q.select().from(escalationPolicies).where(eq(escalationPolicies.id, 'search-on-call')).limit(1)))[0],
    ).toMatchObject({
      source: 'slack',
      repeat: 0,
      levels: [
        { delayMinutes: 10, targets: [{ kind: 'rotation', rotationId: 'payments-primary', role: 'primary' }] },
        { delayMinutes: 15, targets: [{ kind: 'user', userId: CLEO }] },
      ],
    });
    // Editing shows what was saved.
    const edit = await h.slack.openModal(ADA, 'policy search-on-call');
    expect(edit.title).toBe('Edit policy');
    expect(edit.initial('level1_rotations')).toEqual(['payments-primary']);
    expect(edit.initial('level2_users')).toEqual([CLEO]);

    const service = await h.slack.openModal(DAN, 'service');
    expect((await service.set('name', 'Search').submit()).errors).toMatchObject({ policy: 'Pick an escalation policy.' });
    expect((await service.set('policy', 'search-on-call').set('incident_channels', 'none').submit()).closed).toBe(true);
    expect(
      (await h.baton.db.query((q) => q.select().from(auditLog).orderBy(auditLog.id))).filter((a) => a.actor === DAN).map((a) => a.action),
    ).toEqual(['escalation_policy.create', 'service.create']);

    // The new service takes alerts at once: a key, an alert, a page through the new policy.
    const made = await h.slack.command(ADA, 'integration search generic');
    const url = /`(http[^`]+)`/.exec(made.text)![1]!;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'Search index stale', severity: 'critical', dedup_key: 'idx' }),
    });
    expect(res.status).toBe(202);
    await h.slack.expectDM(ADA, 'Search index stale');
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({
      serviceId: 'search',
      policy: { id: 'search-on-call' },
    });
    await h.advance(10);
    await h.slack.expectDM(CLEO, 'Search index stale');
  });
});

/**
 * Who may take a rotation's pager (issue 12, point 2): its team and admins. Erin is on the Infra team;
 * Cleo is in Infra's database rotation, so she is on the Infra team without being in Infra primary.
 */
describe("who may take a rotation's pager", () => {
  const TEAMS_CONFIG = withInfraTeam(CONFIG).replace(
    '\nescalation_policies:\n',
    `\n  - { id: infra-db, name: Infra database, team: infra, time_zone: UTC, shift: 1w, handoff_time: "09:00", start_date: "2026-11-02", participants: [${CLEO}] }\nescalation_policies:\n`,
  );
  const HOUR = 3_600_000;
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: TEAMS_CONFIG });
    h.slack.standin.addChannel(INFRA_CHANNEL, 'infra');
    h.slack.standin.addUser(ERIN, { name: 'Erin Infra', tz: 'UTC' });
    h.slack.standin.addUsergroup(ADMINS, 'oncall-admins', [DAN]);
    h.clock.advanceSeconds(61);
    await h.baton.tick();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const onCall = async (rotationId: string) =>
    (await h.baton.oncall.whoIsOnCall()).find((r) => r.rotation.id === rotationId)!.now.primary?.userId;
  const overrideAudit = () => h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'override.create')));

  it("an override is for the rotation's team and admins; another team's member is refused on the rotation field", async () => {
    const now = h.clock.now().getTime();
    expect(await onCall('payments-primary')).toBe(ADA);
    const refusal =
      "Only people in the Payments team's rotations and admins can take the pager of Payments primary. Ask an admin if you should cover it.";

    // Erin (Infra) cannot divert Payments' pages, from the command or the App Home's "Take the pager".
    const typed = await (await h.slack.openModal(ERIN, 'override payments-primary'))
      .set('from', now)
      .set('to', now + HOUR)
      .submit();
    expect(typed.errors).toEqual({ rotation: refusal });
    const home = await h.slack.openHome(ERIN);
    await home.click('Take the pager');
    const fromHome = await (await h.slack.expectModal(ERIN, 'Take the pager')).set('rotation', 'payments-primary').submit();
    expect(fromHome.errors).toEqual({ rotation: refusal });
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toEqual([]);
    expect(await overrideAudit()).toEqual([]);
    expect(await onCall('payments-primary')).toBe(ADA);

    // Her own rotation, and another rotation of her team (Cleo, from Infra database), are fine.
    expect(
      (
        await (
          await h.slack.openModal(ERIN, 'override infra-primary')
        )
          .set('from', now)
          .set('to', now + HOUR)
          .submit()
      ).closed,
    ).toBe(true);
    expect(
      (
        await (
          await h.slack.openModal(CLEO, 'override infra-primary')
        )
          .set('from', now + HOUR)
          .set('to', now + 2 * HOUR)
          .submit()
      ).closed,
    ).toBe(true);
    expect((await (await h.slack.openModal(CLEO, 'override payments-primary')).submit()).errors).toEqual({ rotation: refusal });
    // Payments' own people, and admins (who may put anyone Baton knows on it).
    expect(
      (
        await (
          await h.slack.openModal(BOB, 'override payments-primary')
        )
          .set('from', now)
          .set('to', now + HOUR)
          .submit()
      ).closed,
    ).toBe(true);
    expect(
      (
        await (
          await h.slack.openModal(DAN, 'override payments-primary')
        )
          .set('who', ERIN)
          .set('from', now + HOUR)
          .set('to', now + 2 * HOUR)
          .submit()
      ).closed,
    ).toBe(true);
    expect((await overrideAudit()).map((a) => [a.actor, a.target])).toEqual([
      [ERIN, 'rotation:infra-primary'],
      [CLEO, 'rotation:infra-primary'],
      [BOB, 'rotation:payments-primary'],
      [DAN, 'rotation:payments-primary'],
    ]);
    expect(await onCall('payments-primary')).toBe(BOB);
  });

  it("a cover request is taken only by someone of the rotation's team (or an admin)", async () => {
    expect((await (await h.slack.openModal(ADA, 'cover')).submit()).closed).toBe(true);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'needs someone to cover');
    expect(await post.click('Take it', { as: ERIN }).then((c) => c.reply())).toBe(
      "Only people in the Payments team's rotations and admins can cover a shift of Payments primary. Ask an admin if you should cover it.",
    );
    expect(await post.click('Take it', { as: CLEO }).then((c) => c.reply())).toContain("Only people in the Payments team's rotations");
    expect((await h.baton.db.query((q) => q.select().from(coverRequests).limit(1)))[0]).toMatchObject({ status: 'open', takenBy: null });
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toEqual([]);
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'cover.take')))).toEqual([]);
    expect(await post.click('Take it', { as: BOB }).then((c) => c.reply())).toContain('It is yours');
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toMatchObject([
      { userId: BOB, kind: 'cover', rotationId: 'payments-primary' },
    ]);
  });
});
