import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { incidents } from '../../src/db/schema.js';
import { writeAudit } from '../../src/services/admin/audit.js';
import { ONCALL_SUBCOMMAND_NAMES } from '../../src/slack/listeners/oncall-command.js';
import { escapeMrkdwn } from '../../src/slack/views/format.js';
import { SUBCOMMANDS } from '../../src/slack/views/help.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** Issue 13, point 13 ("paper cuts"): wording, help, confirmations, the audit log, the App Home, the manifest. */
const CONFIG = TEST_CONFIG.replace('name: Ada Lovelace, time_zone', 'name: Ada Lovelace, role: admin, time_zone');
const NO_CHANNELS = CONFIG.replace(
  '    escalation_policy: payments-default\n',
  '    escalation_policy: payments-default\n    incident_channels: none\n',
);

describe('paper cuts', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain('role: admin');
    h = await startHarness({ config: CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const sectionTexts = (body: Record<string, unknown>) =>
    ((body.blocks ?? []) as { text?: { text?: string } }[]).map((b) => b.text?.text ?? '');

  it('a: a count of one reads in the singular (stats, fairness, the handover digest)', async () => {
    await h.baton.tick(); // Baton learns who holds the pager now.
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.advance(1); // stats count incidents opened before now

    const stats = await h.slack.command(BOB, 'stats checkout 7d');
    expect(stats.text).toContain('*1 incident* in the last 7 days (Checkout)');
    expect(stats.text).toContain('HighErrorRate: 1 alert in 1 incident');
    expect(stats.text).not.toMatch(/\b1 (alerts|incidents)\b/);

    const fairness = await h.slack.command(BOB, 'fairness payments-primary 1');
    expect(JSON.stringify(fairness.body.blocks)).toContain('On-call load, 1 week back and ahead');

    expect((await h.slack.command(ADA, 'note The ledger job is flaky.')).text).toContain('Noted');
    h.clock.set('2026-11-23T08:00:05Z'); // Monday 09:00 in Berlin: Ada hands over to Bob.
    await h.baton.tick();
    const digest = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Handover for Payments primary');
    expect(digest.text).toContain('1 still open, 1 this shift, 1 note.');
  });

  it('b: /oncall help <command> explains its options and gives examples, for every command', async () => {
    for (const c of SUBCOMMANDS) {
      const help = await h.slack.command(BOB, `help ${c.name}`);
      // `<service>` and the like are escaped: Slack reads `<…>` as a link even inside code.
      expect(help.text).toContain(escapeMrkdwn(c.usage));
      expect(help.text, c.name).not.toMatch(/<(?![@#!])/);
      expect(help.text, c.name).toContain('*Examples*');
      const invocation = c.name === 'summary' ? '/oncall' : `/oncall ${c.name}`;
      expect(help.text, c.name).toMatch(new RegExp(`• \`${invocation}[^\`]*\``));
      // A command that takes anything after its name says what each option means.
      if (/[[<]/.test(c.usage)) expect(help.text, c.name).toContain('*Options*');
    }
    const maintenance = await h.slack.command(BOB, 'help maintenance');
    expect(maintenance.text).toContain('`/oncall maintenance checkout 2h`');
    expect(maintenance.text).toMatch(/`end`: /);
    // The list of every command is still there without a command name.
    expect((await h.slack.command(BOB, 'help')).text).toContain('*Baton commands*');
  });

  it('c: saving a policy or a service tells the admin privately what was saved', async () => {
    const policy = await h.slack.openModal(ADA, 'policy');
    const dmsBefore = h.slack.dmsTo(ADA).length;
    expect((await policy.submit()).errors).toMatchObject({ name: 'Give the policy a name.' });
    const saved = await policy
      .set('name', 'Search on-call')
      .set('level1_rotations', ['payments-primary'])
      .set('level1_delay', '10')
      .set('level2_users', [CLEO])
      .set('repeat', '1')
      .submit();
    expect(saved.closed).toBe(true);
    const created = await h.slack.expectDM(ADA, 'Created escalation policy');
    // Nothing was said about the refused attempt.
    expect(h.slack.dmsTo(ADA)).toHaveLength(dmsBefore + 1);
    expect(created.text).toContain('Created escalation policy *Search on-call* (`search-on-call`)');
    expect(created.text).toContain('Level 1 (10 min): the on-call of *Payments primary*');
    expect(created.text).toContain(`Level 2 (15 min): <@${CLEO}>`);
    expect(created.text).toContain('After the last level, every level is paged once more.');
    expect(created.text).toContain('/oncall service');

    const edit = await h.slack.openModal(ADA, 'policy search-on-call');
    expect((await edit.set('name', 'Search primary').submit()).closed).toBe(true);
    await h.slack.expectDM(ADA, 'Saved changes to escalation policy *Search primary* (`search-on-call`)');

    const service = await h.slack.openModal(ADA, 'service');
    expect(
      (
        await service
          .set('name', 'Search')
          .set('team', 'payments')
          .set('policy', 'search-on-call')
          .set('incident_channels', 'none')
          .submit()
      ).closed,
    ).toBe(true);
    const made = await h.slack.expectDM(ADA, 'Created service');
    expect(made.text).toContain(
      'Created service *Search* (`search`): team *Payments*, escalation policy *Search primary*, no incident channels.',
    );
    expect(made.text).toContain('`/oncall integration search &lt;type&gt;`');
    // Only Ada hears of it: nothing in the team channel.
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('Search'))).toEqual([]);
  });

  it('d: the audit log reads as words, with a compact, escaped before → after', async () => {
    const policy = await h.slack.openModal(ADA, 'policy');
    expect((await policy.set('name', 'Search on-call').set('level1_rotations', ['payments-primary']).submit()).closed).toBe(true);
    const edit = await h.slack.openModal(ADA, 'policy search-on-call');
    expect((await edit.set('name', 'Search <!channel> & co').submit()).closed).toBe(true);
    const long = await h.slack.openModal(ADA, 'policy search-on-call');
    expect((await long.set('name', `Search ${'x'.repeat(110)}`).submit()).closed).toBe(true);
    const now = h.clock.now().getTime();
    const override = await h.slack.openModal(BOB, 'override');
    expect(
      (
        await override
          .set('from', now)
          .set('to', now + 3_600_000)
          .submit()
      ).closed,
    ).toBe(true);
    await h.baton.db.query((q) =>
      writeAudit(q, {
        at: now,
        actor: ADA,
        action: 'widget.frobnicate',
        target: 'widget:w1',
        before: { size: 1 },
        after: { size: 2 },
      }),
    );
    // Secrets and phone numbers are only said to have changed, even nested in a value.
    await h.baton.db.query((q) =>
      writeAudit(q, {
        at: now,
        actor: 'config:baton.yml',
        action: 'service.update',
        target: 'service:checkout',
        before: { keys: [{ kind: 'grafana', hmacSecret: 'old-s3cret' }] },
        after: { keys: [{ kind: 'grafana', hmacSecret: 'new-s3cret' }] },
      }),
    );
    await h.baton.db.query((q) =>
      writeAudit(q, {
        at: now,
        actor: BOB,
        action: 'phone.verify',
        target: `user:${BOB}`,
        before: { phone: null },
        after: { phone: '+15550001111' },
      }),
    );

    const audit = await h.slack.command(CLEO, 'audit');
    expect(audit.text).toContain(`<@${ADA}> *created escalation policy* \`search-on-call\``);
    expect(audit.text).toContain(
      `<@${ADA}> *changed escalation policy* \`search-on-call\`: name: Search on-call → Search &lt;!channel&gt; &amp; co`,
    );
    expect(audit.text).not.toContain('<!channel>');
    // A long value is cut, not shown whole.
    expect(audit.text).toContain('→ Search xxxx');
    expect(audit.text).not.toContain('x'.repeat(100));
    expect(audit.text).toContain(`<@${BOB}> *took the pager for* \`payments-primary\``);
    expect(audit.text).toContain(`<@${ADA}> *frobnicate widget* \`w1\`: size: 1 → 2`);
    expect(audit.text).toContain('`config:baton.yml` *changed service* `checkout`: keys changed');
    expect(audit.text).toContain(`<@${BOB}> *verified a phone number for* <@${BOB}>: phone changed`);
    for (const secret of ['s3cret', '+15550001111']) expect(audit.text).not.toContain(secret);
    for (const raw of ['escalation_policy.create', 'escalation_policy.update', 'override.create']) expect(audit.text).not.toContain(raw);
    for (const text of sectionTexts(audit.body)) expect(text.length).toBeLessThan(3000);

    const rotation = await h.slack.command(CLEO, 'audit payments-primary');
    expect(rotation.text).toContain('*created rotation* `payments-primary`');
    expect(rotation.text).not.toContain('rotation.create');
  });

  it('e: a shift you are on now says "on call now, until …" (App Home and /oncall)', async () => {
    // Ada's week runs Mon 16 Nov 09:00 → Mon 23 Nov 09:00 Berlin; "now" is Wed 18 Nov 11:00 Berlin.
    const home = await h.slack.openHome(ADA);
    expect(home.rendered).toContain('*Payments primary*: on call now, until Mon 23 Nov 09:00 GMT+1');
    expect(home.rendered).toContain('*Payments primary*: Mon 30 Nov 09:00 GMT+1 → Mon 7 Dec 09:00 GMT+1');
    expect(home.rendered).not.toContain('Wed 18 Nov 11:00');
    const summary = await h.slack.command(ADA, '');
    expect(summary.text).toContain('You are on call now: *Payments primary* until Mon 23 Nov 09:00 GMT+1.');
    // Bob's next shift is still to come.
    expect((await h.slack.command(BOB, '')).text).toContain(
      'Your next shift: *Payments primary* Mon 23 Nov 02:00 CST → Mon 30 Nov 02:00 CST.',
    );
  });

  it('f: App Home incidents show their age and a link to their channel', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx ratio');
    const channel = await vi.waitUntil(async () => (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]?.channelId, {
      timeout: 3000,
      interval: 25,
    });
    await h.advance(12);
    const home = await h.slack.openHome(ADA);
    expect(home.rendered).toContain('opened 12 min ago');
    expect(home.rendered).toContain(`<#${channel}>`);

    // A service without incident channels: the link goes to the team channel, where the card is.
    await h.stop();
    h = await startHarness({ config: NO_CHANNELS });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    h.clock.advanceMinutes(1);
    const teamOnly = await h.slack.openHome(ADA);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]?.channelId).toBeNull();
    expect(teamOnly.rendered).toContain('opened 1 min ago');
    expect(teamOnly.rendered).toContain(`<#${TEAM_CHANNEL}>`);
  });

  it("g: the manifest's usage hint lists every subcommand the router accepts, within Slack's limit", async () => {
    const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      features: { slash_commands: { command: string; usage_hint: string }[] };
      oauth_config: { scopes: { bot: string[] } };
    };
    const oncall = manifest.features.slash_commands.find((c) => c.command === '/oncall')!;
    expect(oncall.usage_hint.length).toBeLessThanOrEqual(1000);
    const hinted = oncall.usage_hint.split('|').map((w) => w.trim());
    // `summary` is what `/oncall` alone does, so the hint need not offer it.
    const routed = ONCALL_SUBCOMMAND_NAMES.filter((n) => n !== 'summary');
    expect([...hinted].sort()).toEqual([...routed].sort());
    expect(new Set(hinted).size).toBe(hinted.length);
    // Every command the router accepts has its own help entry, which a signed request reaches.
    expect(SUBCOMMANDS.map((c) => c.name).sort()).toEqual([...ONCALL_SUBCOMMAND_NAMES].sort());
    for (const name of hinted) expect((await h.slack.command(BOB, `help ${name}`)).text, name).not.toContain('*Baton commands*');
    expect(manifest.oauth_config.scopes.bot).toContain('im:write');
  });
});
