import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, incidents, settings } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, ERIN, INFRA_CHANNEL, TEAM_CHANNEL, TEST_CONFIG, withInfraTeam } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * An escalation level that pages a Slack user group or a channel reaches people by a mention or a card in a
 * channel, not by a DM each. Whoever it reached must be able to answer: members of the group (as Slack says
 * now) from any card, and people Baton knows from the card in the channel it paged. Strangers still never act.
 * Erin (Infra team) is in the DBA group; Fay is a Baton user in no rotation; the visitor is unknown to Baton;
 * Ada is an admin (she reloads the config file).
 */
const DBAS = 'S0DBAS0001';
const BRIDGE = 'C0BRIDGE001';
const FAY = 'U0FAY00006';
const VISITOR = 'U0VISITOR01';
const WITHOUT_GROUP_PAGES = withInfraTeam(TEST_CONFIG)
  .replace('name: Ada Lovelace, time_zone', 'name: Ada Lovelace, role: admin, time_zone')
  .replace(/( {2}- \{ id: U0CLEO0003, [^\n]*\n)/, `$1  - { id: ${FAY}, name: Fay Okafor, time_zone: UTC }\n`);
const CONFIG = WITHOUT_GROUP_PAGES.replace(
  `      - targets: [{ user: ${CLEO} }]\n`,
  `      - targets: [{ user: ${CLEO} }]\n      - targets: [{ user_group: ${DBAS} }, { channel: ${BRIDGE} }]\n`,
);

describe('pages to a user group or a channel', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain(`user_group: ${DBAS}`);
    expect(CONFIG).toContain(`id: ${FAY}`);
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addChannel(INFRA_CHANNEL, 'infra');
    h.slack.standin.addChannel(BRIDGE, 'ops-bridge');
    h.slack.standin.addUser(ERIN, { name: 'Erin Infra', tz: 'UTC' });
    h.slack.standin.addUser(FAY, { name: 'Fay Okafor', tz: 'UTC' });
    h.slack.standin.addUser(VISITOR, { name: 'Visitor', tz: 'UTC' });
    h.slack.standin.addUsergroup(DBAS, 'dbas', [ERIN, VISITOR]);
    // Membership is read from Slack at start-up and every minute.
    h.clock.advanceSeconds(61);
    await h.baton.tick();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const incident = async () => (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.id, 1)).limit(1)))[0]!;
  /** Waits until the incident is as `expected`: a click is answered at once and acted on just after. */
  const incidentBecomes = (expected: Record<string, unknown>) =>
    vi.waitFor(async () => expect(await incident()).toMatchObject(expected), { timeout: 3000, interval: 20 });
  /** Bob (on the team) escalates, one level after the other, to the level that pages the group and the bridge. */
  const escalateToGroup = async (card: Awaited<ReturnType<Harness['slack']['expectChannelMessage']>>) => {
    for (const level of [1, 2, 3]) {
      await card.click('Escalate', { as: BOB });
      await incidentBecomes({ escalationLevel: level });
    }
    // The team channel has had its burst of posts: the group's mention waits for its one a second.
    h.clock.advanceSeconds(5);
    await h.baton.tick();
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `<!subteam^${DBAS}>`);
  };
  const audit = () => h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.target, 'incident:1')));

  it('reads the members of every group a policy pages from Slack, and keeps them in the database', async () => {
    const reads = h.slack.standin.calls.filter((c) => c.method === 'usergroups.users.list').map((c) => c.args.usergroup);
    expect(reads).toContain(DBAS);
    const [kept] = await h.baton.db.query((q) =>
      q
        .select()
        .from(settings)
        .where(eq(settings.key, `user_group_members:${DBAS}`)),
    );
    expect(JSON.parse(kept!.value)).toMatchObject({ members: [ERIN, VISITOR] });
  });

  it('the group (members Baton knows) and known readers of the paged channel may act once that level is paged', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    const card = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');

    // Before the level that pages the group: Erin is on another team and was not paged, Fay neither.
    expect(await (await card.click('Acknowledge', { as: ERIN })).reply()).toContain('Only the Payments team');
    expect(await (await card.click('Acknowledge', { as: FAY })).reply()).toContain('Only the Payments team');

    // Bob escalates to the secondary, to Cleo, then to the DBA group and the bridge channel.
    await escalateToGroup(card);
    const bridgeCard = await h.slack.expectChannelMessage(BRIDGE, '5xx ratio');

    // Fay reads the bridge: from its card she may act; from the team channel's card, where nothing paged her, not.
    expect(await (await card.click('Acknowledge', { as: FAY })).reply()).toContain('Only the Payments team');
    // The visitor is in the group but unknown to Baton: a stranger never acts, wherever they click.
    expect(await (await bridgeCard.click('Acknowledge', { as: VISITOR })).reply()).toContain('Baton does not know you');
    expect(await (await card.click('Acknowledge', { as: VISITOR })).reply()).toContain('Baton does not know you');
    expect((await incident()).status).toBe('triggered');

    // Erin is in the paged group: she may acknowledge from the team channel's card.
    expect((await card.click('Acknowledge', { as: ERIN })).status).toBe(200);
    await incidentBecomes({ status: 'acknowledged', acknowledgedBy: ERIN });
    // Fay resolves from the bridge's card.
    expect((await bridgeCard.click('Resolve', { as: FAY })).status).toBe(200);
    await incidentBecomes({ status: 'resolved', resolvedBy: FAY });
    expect((await audit()).map((a) => [a.actor, a.action])).toEqual([
      [BOB, 'incident.escalate'],
      [BOB, 'incident.escalate'],
      [BOB, 'incident.escalate'],
      [ERIN, 'incident.acknowledge'],
      [FAY, 'incident.resolve'],
    ]);
  });

  it('a group no policy pages any more is forgotten once the config file stops naming it', async () => {
    const kept = () =>
      h.baton.db.query((q) =>
        q
          .select()
          .from(settings)
          .where(eq(settings.key, `user_group_members:${DBAS}`)),
      );
    expect(await kept()).toHaveLength(1);
    expect(WITHOUT_GROUP_PAGES).not.toContain(DBAS);
    writeFileSync(join(h.dir, 'baton.yml'), WITHOUT_GROUP_PAGES);
    expect((await h.slack.command(ADA, 'reload')).text).toContain('Config file reloaded');
    h.clock.advanceSeconds(61);
    await h.baton.tick();
    expect(await kept()).toEqual([]);
  });

  it('someone who leaves the group in Slack loses the right at the next read', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    const card = await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    await escalateToGroup(card);

    h.slack.standin.addUsergroup(DBAS, 'dbas', [FAY]);
    h.clock.advanceSeconds(61);
    await h.baton.tick();
    expect(await (await card.click('Acknowledge', { as: ERIN })).reply()).toContain('Only the Payments team');
    expect((await card.click('Acknowledge', { as: FAY })).status).toBe(200);
    await incidentBecomes({ status: 'acknowledged', acknowledgedBy: FAY });
  });
});
