import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkServer, type Child } from '../../bench/lib/processes.js';
import { BEARER, KEY, PEOPLE, SIGNING_SECRET, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { FakeSlack } from '../support/fake-slack.js';
import { alertGroup } from '../support/fixtures.js';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../support/postgres.js';
import { bundleOfPayload, listRowOf, pagedIncidentsOf } from '../support/pages.js';

// CI installs Debian's postgresql; elsewhere this runs wherever it is installed.
const required = process.env.CI !== undefined;

/** The test config, with the first level escalating after one minute (real time: these are real processes). */
const CONFIG = TEST_CONFIG.replace(
  '      - targets: [{ rotation: payments-primary }]\n',
  '      - targets: [{ rotation: payments-primary }]\n        delay_minutes: 1\n',
);

/**
 * Two nodes on one PostgreSQL behind no load balancer but the test itself: alerts go to both, one is killed
 * with SIGKILL half-way, and the survivor carries on alone.
 */
describe.skipIf(!postgresAvailable() && !required)('two nodes, one pager: a node killed half-way', () => {
  let cluster: PostgresCluster;
  let url: string;
  let slack: FakeSlack;
  let dir: string;
  const nodes: Child[] = [];

  beforeAll(async () => {
    expect(CONFIG).toContain('delay_minutes: 1');
    cluster = await startPostgresCluster();
    url = await cluster.createDatabase();
    slack = await FakeSlack.start(PEOPLE);
    slack.standin.addChannel(TEAM_CHANNEL, 'payments');
    dir = mkdtempSync(join(tmpdir(), 'baton-failover-'));
    writeFileSync(join(dir, 'baton.yml'), CONFIG);
    const env = { BENCH_DATABASE_URL: url, BENCH_CONFIG: join(dir, 'baton.yml'), BENCH_SLACK_API_URL: slack.apiUrl, BENCH_CRON: 'true' };
    // Started together: they migrate and apply the config file once between them.
    nodes.push(...(await Promise.all([forkServer('baton.ts', env), forkServer('baton.ts', env)])));
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) await node.stop().catch(() => {});
    await slack?.stop();
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loses no accepted alert, pages every group once, escalates from the survivor, and takes its clicks', async () => {
    const [doomed, survivor] = nodes as [Child, Child];
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const rows = async <T>(text: string, values: unknown[] = []) => (await db.query(text, values)).rows as T[];
    const post = async (node: Child, body: unknown) => {
      try {
        const res = await fetch(`${node.url}/integrations/alertmanager/${KEY}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${BEARER}` },
          body: JSON.stringify(body),
        });
        return res.status;
      } catch {
        return 0; // the node is gone
      }
    };
    // A card names its incident; a list of pages that waited for a DM names its outbox row, read here as it comes.
    const bundles = new Map<number, number[]>();
    const readBundles = setInterval(() => {
      void (async () => {
        for (const c of slack.standin.calls) {
          const row = listRowOf(c);
          if (row === null || bundles.has(row)) continue;
          const bundle = bundleOfPayload((await rows<{ payload: string }>('select payload from outbox where id = $1', [row]))[0]?.payload);
          if (bundle) bundles.set(row, bundle);
        }
      })().catch(() => {});
    }, 100);
    // Ids come back from PostgreSQL as text (bigint).
    const pageDMs = (incidentId: number | string) =>
      slack.standin.calls.filter((c) => pagedIncidentsOf(c, (row) => bundles.get(row)).includes(Number(incidentId)));

    // One group opened on the node about to die, and paged: its page came from there.
    const first = alertGroup('Failover0');
    expect(await post(doomed, first)).toBe(200);
    await slack.standin.waitFor(() => pageDMs(1).length > 0, 10_000);
    const pagedAt = Date.now();

    // Groups to both nodes at once, each group to both (as two Alertmanagers would send it); SIGKILL half-way.
    const accepted: string[] = [];
    let refusedByTheDead = 0;
    const groups = Array.from({ length: 30 }, (_, i) => alertGroup(`Failover${i + 1}`));
    for (const [i, group] of groups.entries()) {
      if (i === 15) void doomed.kill9();
      const statuses = await Promise.all([post(doomed, group), post(survivor, group)]);
      if (i > 15 && statuses[0] === 0) refusedByTheDead += 1;
      if (statuses.some((s) => s === 200)) accepted.push(JSON.stringify(group));
      else expect(statuses).toContain(0); // refused only by the dead node, never by the survivor
    }
    expect(accepted.length).toBe(30);
    expect(refusedByTheDead).toBe(14);

    // Every accepted payload is stored, and every group has exactly one incident.
    const stored = await rows<{ body: string }>('select body from raw_payloads');
    for (const body of accepted) expect(stored.some((s) => JSON.stringify(JSON.parse(s.body)) === body)).toBe(true);
    const perGroup = await rows<{ dedup_key: string; n: number }>('select dedup_key, count(*)::int as n from incidents group by dedup_key');
    expect(perGroup).toHaveLength(31);
    expect(perGroup.every((g) => g.n === 1)).toBe(true);

    // Every group is paged, once per person (the dead node's claims are taken over after their lease).
    const incidents = await rows<{ id: number }>('select id from incidents order by id');
    await slack.standin.waitFor(() => incidents.every((i) => pageDMs(i.id).length > 0), 60_000);
    for (const { id } of incidents) {
      const to = pageDMs(id).map((c) => String(c.args.channel));
      expect(new Set(to).size).toBe(to.length);
    }

    // The first incident, paged by the dead node, escalates after its minute from the survivor alone.
    await slack.standin.waitFor(() => pageDMs(1).length >= 2, 90_000);
    const lateMs = Date.now() - pagedAt - 60_000;
    expect(lateMs).toBeLessThanOrEqual(15_000);

    // A click on the survivor acknowledges it.
    slack.connect(survivor.url, SIGNING_SECRET);
    const paged = String(pageDMs(1)[0]!.args.channel);
    await (await slack.expectDM(paged, /#1\b/)).click('Acknowledge', { as: paged });
    for (let waited = 0; waited < 5000; waited += 100) {
      if ((await rows<{ status: string }>('select status from incidents where id = 1'))[0]!.status === 'acknowledged') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      (await rows<{ status: string; acknowledged_by: string }>('select status, acknowledged_by from incidents where id = 1'))[0],
    ).toEqual({
      status: 'acknowledged',
      acknowledged_by: paged,
    });
    clearInterval(readBundles);
    await db.end();
  }, 180_000);
});
