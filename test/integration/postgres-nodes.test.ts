import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaton, type Baton } from '../../src/app.js';
import { auditLog, incidentEvents, users as usersTable } from '../../src/db/schema.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { BEARER, KEY, PEOPLE, SIGNING_SECRET, TEAM_CHANNEL, TEST_CONFIG, TEST_NOW } from '../support/config.js';
import { FakeSlack } from '../support/fake-slack.js';
import { alertGroup } from '../support/fixtures.js';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../support/postgres.js';

const required = process.env.CI !== undefined;

const SEARCH_ROTATION = `  - id: search-primary
    name: Search primary
    team: payments
    time_zone: Europe/Berlin
    shift: 1w
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [U0ADA00001]
`;

/** Two nodes in one process on one PostgreSQL database, on one virtual clock: what they share, and how. */
describe.skipIf(!postgresAvailable() && !required)('two nodes on one PostgreSQL database', () => {
  let cluster: PostgresCluster;
  let slack: FakeSlack;
  let dir: string;
  let a: Baton;
  let b: Baton;
  const clock = new ManualClock(TEST_NOW);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const databaseUrl = await cluster.createDatabase();
    slack = await FakeSlack.start(PEOPLE);
    slack.standin.addChannel(TEAM_CHANNEL, 'payments');
    dir = mkdtempSync(join(tmpdir(), 'baton-nodes-'));
    writeFileSync(join(dir, 'baton.yml'), TEST_CONFIG);
    const start = () =>
      startBaton({
        port: 0,
        host: '127.0.0.1',
        databasePath: '',
        databaseUrl,
        configPath: join(dir, 'baton.yml'),
        clock,
        cron: false,
        logger: createLogger('silent'),
        slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl },
      });
    [a, b] = await Promise.all([start(), start()]);
    slack.connect(b.url, SIGNING_SECRET);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await slack?.stop();
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (node: Baton, body: unknown) =>
    fetch(`${node.url}/integrations/alertmanager/${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BEARER}` },
      body: JSON.stringify(body),
    });

  it('apply the config file once when started together', async () => {
    const created = await a.db.query((q) => q.select().from(auditLog));
    const userCreates = created.filter((e) => e.action === 'user.create');
    const users = await a.db.query((q) => q.select().from(usersTable));
    expect(users.length).toBeGreaterThan(0);
    expect(userCreates.length).toBe(users.length);
  });

  it('open one incident for a group sent to both at once, page it once, and escalate it once', async () => {
    const group = alertGroup('BothNodes');
    const answers = await Promise.all([post(a, group), post(b, group), post(a, group), post(b, group)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const ids = new Set((await Promise.all(answers.map((r) => r.json() as Promise<{ incident_id: number }>))).map((r) => r.incident_id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    await Promise.all([a.drain(), b.drain()]);
    const pages = () =>
      slack.standin.calls.filter(
        (c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('U') && String(c.args.text).includes(`#${id} `),
      );
    expect(pages()).toHaveLength(1);
    // Both loops run at the level's timeout: one of them escalates, once.
    clock.advanceMinutes(16);
    await Promise.all([a.tick(), b.tick()]);
    await Promise.all([a.drain(), b.drain()]);
    expect(pages()).toHaveLength(2);
    const events = await b.db.query((q) => q.select().from(incidentEvents));
    expect(events.filter((e) => e.incidentId === id && e.kind === 'escalated')).toHaveLength(1);
  });

  it("see each other's changes: a rotation added by a reload on one is on call on the other after its next loop", async () => {
    const names = async (node: Baton) => (await node.oncall.whoIsOnCall()).map((r) => r.rotation.name);
    expect(await names(b)).not.toContain('Search primary');
    writeFileSync(join(dir, 'baton.yml'), TEST_CONFIG.replace('\nescalation_policies:\n', `\n${SEARCH_ROTATION}escalation_policies:\n`));
    const reloaded = await a.reloadConfig('test');
    expect(reloaded).toMatchObject({ ok: true });
    expect(await names(a)).toContain('Search primary');
    await b.tick();
    expect(await names(b)).toContain('Search primary');
  });
});
