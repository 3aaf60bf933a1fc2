import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts, heartbeats, incidents } from '../../src/db/schema.js';
import { ADA, BEARER, HEARTBEAT_KEY, KEY, SOURCES_CONFIG, TEAM_CHANNEL } from '../support/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const BINARY = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const available = existsSync(BINARY);
if (!available && process.env.CI) {
  throw new Error(`${BINARY} is missing: .ci/run installs the prometheus-alertmanager package`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)('a real Prometheus Alertmanager sends to Baton', () => {
  let h: Harness;
  let am: ChildProcess;
  let amUrl: string;
  let amLog = '';

  beforeAll(async () => {
    h = await startHarness({ config: SOURCES_CONFIG });
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    const dir = join(h.dir, 'alertmanager');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: baton',
        "  group_by: ['alertname', 'service']",
        '  group_wait: 1s',
        '  group_interval: 2s',
        '  repeat_interval: 1h',
        '  routes:',
        // The always-firing Watchdog alert goes to Baton's heartbeat, re-sent often: its silence means Alertmanager is down.
        '  - receiver: heartbeat',
        '    matchers: [alertname="Watchdog"]',
        '    group_wait: 0s',
        '    group_interval: 1s',
        '    repeat_interval: 2s',
        'receivers:',
        '- name: baton',
        '  webhook_configs:',
        `  - url: ${h.baton.url}/integrations/alertmanager/${KEY}`,
        '    send_resolved: true',
        '    http_config:',
        '      authorization:',
        '        type: Bearer',
        `        credentials: ${BEARER}`,
        '- name: heartbeat',
        '  webhook_configs:',
        `  - url: ${h.baton.url}/heartbeats/${HEARTBEAT_KEY}`,
      ].join('\n'),
    );
    am = spawn(
      BINARY,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout!.on('data', (d) => (amLog += d));
    am.stderr!.on('data', (d) => (amLog += d));
    await until('Alertmanager to be ready', async () => (await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok, 15_000);
  });

  afterAll(async () => {
    am?.kill('SIGTERM');
    await h?.stop();
  });

  const postAlerts = (body: unknown) =>
    fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const alert = (instance: string, endsAt?: string) => ({
    labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', instance },
    annotations: { summary: '5xx ratio > 5% on checkout', runbook_url: 'https://runbooks.example.com/checkout-5xx' },
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=x',
    ...(endsAt ? { endsAt } : {}),
  });

  it('groups two alerts into one incident that pages the on-call, and resolves it when both resolve', async () => {
    expect((await postAlerts([alert('checkout-1'), alert('checkout-2')])).status).toBe(200);

    const dm = await h.slack.expectDM(ADA, '5xx ratio &gt; 5% on checkout', 15_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nAlertmanager log:\n${amLog.slice(-3000)}`);
    });
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    await until(
      'both alerts in one incident',
      async () => (await h.baton.db.query((q) => q.select().from(alerts))).length === 2 || undefined,
      10_000,
    );
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(1);
    expect(dm.rendered).toContain('2 firing of 2');

    const past = new Date(Date.now() - 1000).toISOString();
    expect((await postAlerts([alert('checkout-1', past), alert('checkout-2', past)])).status).toBe(200);
    await dm.waitForUpdate(/Resolved/, 20_000);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({ status: 'resolved' });
    expect(h.slack.dmsTo(ADA)).toHaveLength(1);
    h.slack.expectNoContractViolations();
  }, 60_000);

  it('its Watchdog alert keeps a heartbeat alive; when Alertmanager stops, the missed heartbeat pages', async () => {
    const watchdog = {
      labels: { alertname: 'Watchdog', severity: 'none' },
      annotations: { summary: 'Alertmanager is alive' },
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    expect((await postAlerts([watchdog])).status).toBe(200);
    const first = await until(
      'a Watchdog ping',
      async () => (await h.baton.db.query((q) => q.select().from(heartbeats).limit(1)))[0],
      15_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nAlertmanager log:\n${amLog.slice(-3000)}`);
    });
    expect(first.lastPingAt).toBe(h.clock.now().getTime());
    const before = (await h.baton.db.query((q) => q.select().from(incidents))).length;

    am.kill('SIGTERM');
    await new Promise((resolve) => am.once('exit', resolve));
    await h.advance(4);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(before);
    await h.advance(2);
    const missed = (await h.baton.db.query((q) => q.select().from(incidents).orderBy(incidents.id))).at(-1)!;
    expect(missed.title).toMatch(/^Heartbeat missed: Checkout/);
    await h.slack.expectDM(ADA, 'Heartbeat missed');
  }, 60_000);
});
