import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, escalationPolicies, integrationKeys, rotations } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEST_CONFIG, TEAM_CHANNEL } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** `baton check-config`, as the config repository's CI runs it. */
function checkConfig(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const ADMIN_CONFIG = TEST_CONFIG.replace('name: Ada Lovelace, time_zone', 'name: Ada Lovelace, role: admin, time_zone');
/** The file without its rotation: the file's own policy pages Cleo instead, so the file alone is valid. */
const WITHOUT_ROTATION = ADMIN_CONFIG.replace(/rotations:\n[\s\S]*?escalation_policies:/, 'rotations: []\nescalation_policies:').replace(
  /levels:\n[\s\S]*?services:/,
  'levels:\n      - targets: [{ user: U0CLEO0003 }]\nservices:',
);

describe('a config change never silently pages nobody', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: ADMIN_CONFIG });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('removing a rotation that a Slack-made policy pages is refused at start and by check-config, naming the policy', async () => {
    expect(WITHOUT_ROTATION).toContain('rotations: []');
    const policy = await h.slack.openModal(ADA, 'policy');
    expect((await policy.set('name', 'Search on-call').set('level1_rotations', ['payments-primary']).submit()).closed).toBe(true);

    const configPath = join(h.dir, 'baton.yml');
    writeFileSync(configPath, WITHOUT_ROTATION);
    // The file alone is fine; beside the database it is not.
    expect(checkConfig(configPath)).toMatchObject({ code: 0 });
    await h.baton.stop();
    const beside = checkConfig(configPath, '--database', h.database);
    expect(beside.code).toBe(1);
    expect(beside.err.trim()).toBe(
      `${configPath}: rotations: "payments-primary" is no longer in the file, but escalation policy "search-on-call" (made in Slack) still refers to it: keep the rotation, or change the policy in Slack (/oncall policy) first`,
    );
    await expect(h.restart()).rejects.toThrow(/escalation policy "search-on-call" \(made in Slack\) still refers to it/);

    // Nothing was applied: with the old file back, the rotation and the policy page as before.
    writeFileSync(configPath, ADMIN_CONFIG);
    await h.restart();
    expect(
      (await h.baton.db.query((q) => q.select().from(rotations).where(eq(rotations.id, 'payments-primary')).limit(1)))[0],
    ).toBeDefined();
    expect(
      (await h.baton.db.query((q) => q.select().from(escalationPolicies).where(eq(escalationPolicies.id, 'search-on-call')).limit(1)))[0],
    ).toMatchObject({
      source: 'slack',
    });
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'rotation.delete')))).toEqual([]);
  });

  it('a service removed from the file but kept for its incidents says so and takes no more alerts', async () => {
    expect((await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body)).status).toBe(200);
    await h.slack.expectDM(ADA, '5xx');
    const withoutService = ADMIN_CONFIG.replace(/services:\n[\s\S]*$/, 'services: []\n');
    writeFileSync(join(h.dir, 'baton.yml'), withoutService);
    await h.restart();

    expect(h.baton.configSummary?.kept).toEqual(['service checkout']);
    expect(
      await h.baton.db.query((q) =>
        q
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'service.keep'), eq(auditLog.target, 'service:checkout'))),
      ),
    ).toHaveLength(1);
    expect(await h.baton.db.query((q) => q.select().from(integrationKeys).where(eq(integrationKeys.serviceId, 'checkout')))).toEqual([]);
    const refused = await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    expect(refused.status).toBe(401);
    // The team is told in its channel, once, why alerts to the service are refused now.
    await h.baton.drain();
    const told = h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('*Checkout* was removed from'));
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('it takes no more alerts');
    await h.restart();
    await h.baton.drain();
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('*Checkout* was removed from'))).toHaveLength(1);
  });
});

/** The file with a second rotation, Search primary, that Cleo holds. */
const WITH_SEARCH = ADMIN_CONFIG.replace(
  '\nescalation_policies:\n',
  `\n  - id: search-primary\n    name: Search primary\n    team: payments\n    time_zone: UTC\n    shift: 1w\n    handoff_time: "09:00"\n    start_date: "2026-11-02"\n    participants: [${CLEO}]\nescalation_policies:\n`,
);

describe('/oncall reload: an admin applies the config file from Slack, whole or not at all', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: ADMIN_CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('an admin reloads after adding a rotation: told privately what changed, and /oncall who lists it at once', async () => {
    expect(WITH_SEARCH).toContain('id: search-primary');
    writeFileSync(join(h.dir, 'baton.yml'), WITH_SEARCH);
    expect((await h.slack.command(ADA, 'who')).text).not.toContain('Search primary');

    const reply = await h.slack.command(ADA, 'reload');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.text).toContain('Config file reloaded');
    expect(reply.text).toContain('Created: `rotation search-primary`');
    expect(reply.text).not.toMatch(/Updated|Deleted|Kept/);
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.target, 'rotation:search-primary')))).toMatchObject([
      { action: 'rotation.create' },
    ]);
    expect((await h.slack.command(BOB, 'who')).text).toContain(`Search primary: <@${CLEO}>`);

    // The same file again changes nothing, and says so.
    expect((await h.slack.command(ADA, 'reload')).text).toContain('nothing changed');
  });

  it('a bad file: the admin is told every problem and that nothing changed, and nothing did', async () => {
    const configPath = join(h.dir, 'baton.yml');
    writeFileSync(
      configPath,
      WITH_SEARCH.replace(`participants: [${CLEO}]`, 'participants: [U0NOBODY99]').replace(
        'time_zone: Asia/Kolkata',
        'time_zone: Mars/Olympus',
      ),
    );
    const reply = await h.slack.command(ADA, 'reload');
    expect(reply.text).toContain('nothing changed');
    expect(reply.text).toContain(`${configPath}: users[2].time_zone: expected an IANA time zone such as Europe/Berlin`);
    expect(reply.text).toContain(`${configPath}: rotations[1].participants[0]: unknown user "U0NOBODY99" (declare it under users)`);
    expect(reply.text).not.toContain('Config file reloaded');
    expect(
      (await h.baton.db.query((q) => q.select().from(rotations).where(eq(rotations.id, 'search-primary')).limit(1)))[0],
    ).toBeUndefined();
    expect((await h.slack.command(ADA, 'who')).text).not.toContain('Search primary');
  });

  it('a member is refused, and the file is not applied', async () => {
    writeFileSync(join(h.dir, 'baton.yml'), WITH_SEARCH);
    expect((await h.slack.command(BOB, 'reload')).text).toBe('Only an admin can reload the config file.');
    expect(
      (await h.baton.db.query((q) => q.select().from(rotations).where(eq(rotations.id, 'search-primary')).limit(1)))[0],
    ).toBeUndefined();
    expect((await h.slack.command(BOB, 'who')).text).not.toContain('Search primary');
  });
});

describe('baton check-config', () => {
  it('says ok for a good file, and lists every problem of a bad one as file: where: problem', () => {
    expect(checkConfig('examples/baton.yml')).toMatchObject({
      code: 0,
      out: 'examples/baton.yml: ok (3 users, 1 rotation, 1 escalation policy, 1 service)\n',
    });

    const dir = mkdtempSync(join(tmpdir(), 'baton-check-'));
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      TEST_CONFIG.replace(`participants: [${ADA}, ${BOB}]`, 'participants: [U0NOBODY99]').replace(
        'time_zone: Asia/Kolkata',
        'time_zone: Mars/Olympus',
      ),
    );
    const result = checkConfig(bad);
    expect(result.code).toBe(1);
    expect(result.err.trim().split('\n')).toEqual([
      `${bad}: users[2].time_zone: expected an IANA time zone such as Europe/Berlin`,
      `${bad}: rotations[0].participants[0]: unknown user "U0NOBODY99" (declare it under users)`,
    ]);
    writeFileSync(bad, TEST_CONFIG.replace(`participants: [${ADA}, ${BOB}]`, 'participants: [U0NOBODY99, U0NOBODY98]'));
    expect(checkConfig(bad).err.trim().split('\n')).toEqual([
      `${bad}: rotations[0].participants[0]: unknown user "U0NOBODY99" (declare it under users)`,
      `${bad}: rotations[0].participants[1]: unknown user "U0NOBODY98" (declare it under users)`,
    ]);

    writeFileSync(bad, 'users:\n  - id: U0ADA00001\n    name: [Ada\nteams: []\n');
    expect(checkConfig(bad)).toMatchObject({
      code: 1,
      err: `${bad}: 4:1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
    });
    expect(checkConfig(join(dir, 'missing.yml'))).toMatchObject({
      code: 1,
      err: `${join(dir, 'missing.yml')}: cannot read the config file (ENOENT)\n`,
    });
    expect(checkConfig()).toMatchObject({ code: 2 });
  });
});
