import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBaton, type Baton } from '../../src/app.js';
import { postToSlackEndpoint, slashCommandBody } from '../../devtools/slack/requests.js';
import { rawPayloads } from '../../src/db/schema.js';
import { ManualClock } from '../../src/domain/clock.js';
import { MAX_BODY_BYTES } from '../../src/http/io.js';
import { createLogger } from '../../src/logger.js';
import { ADA, GENERIC_KEY, KEY, BEARER, PD_ROUTING_KEY, SIGNING_SECRET, SOURCES_CONFIG, TEST_NOW } from '../support/config.js';
import { sqliteOf } from '../support/db.js';
import { testEngine } from '../support/engine.js';
import { FakeSlack } from '../support/fake-slack.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const firing = () => fixture('alertmanager/v0.25-firing.json').body;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await sleep(10);
  return done();
}

/** A raw TCP connection to the app, recording what it answers and whether the server closed it. */
async function openSocket(baseUrl: string): Promise<{ socket: Socket; answer: () => string; closed: () => boolean }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let answer = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  socket.on('error', () => (closed = true));
  socket.on('close', () => (closed = true));
  return { socket, answer: () => answer, closed: () => closed };
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

interface UploadOutcome {
  status: number;
  /** The client sent every byte it meant to: the server read the whole upload. */
  sentEverything: boolean;
  closedByServer: boolean;
  answer: string;
}

/**
 * A chunked upload (no Content-Length) of `totalBytes`, sent as fast as the server reads it. Stops early
 * when the server closes the connection or stops reading for a second.
 */
async function chunkedUpload(baseUrl: string, path: string, headers: Record<string, string>, totalBytes: number): Promise<UploadOutcome> {
  const { socket, answer, closed } = await openSocket(baseUrl);
  const head = [
    `POST ${path} HTTP/1.1`,
    `host: ${new URL(baseUrl).host}`,
    'transfer-encoding: chunked',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ];
  socket.write(head.join('\r\n'));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  while (sent < totalBytes && !closed()) {
    const flushed = socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    sent += chunk.length;
    if (!flushed) {
      const drained = await Promise.race([
        once(socket, 'drain').then(
          () => true,
          () => false,
        ),
        once(socket, 'close').then(
          () => false,
          () => false,
        ),
        sleep(1000).then(() => false),
      ]);
      if (!drained) break;
    }
  }
  const sentEverything = sent >= totalBytes && !closed();
  if (sentEverything) socket.write('0\r\n\r\n');
  await waitUntil(() => closed() || answer().includes('\r\n\r\n'), 5000);
  await waitUntil(closed, 500);
  const outcome = { status: statusOf(answer()), sentEverything, closedByServer: closed(), answer: answer() };
  socket.destroy();
  return outcome;
}

const slackUrl = (h: Harness) => `${h.baton.url}/slack/events`;
const signedSlack = (h: Harness, body: string, contentType: string, timestamp?: number) =>
  postToSlackEndpoint(slackUrl(h), body, { signingSecret: SIGNING_SECRET, contentType, ...(timestamp === undefined ? {} : { timestamp }) });

describe('/slack/events refuses what Slack never sends, before Bolt sees it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a signed body of null (JSON, text/plain, form payload=null) → 400, and the process still serves', async () => {
    const bodies: [string, string][] = [
      ['null', 'application/json'],
      ['null', 'text/plain'],
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['[]', 'application/json'],
      ['"text"', 'application/json'],
      ['{"type":"weird"}', 'application/json'],
      ['payload=%5B1%5D', 'application/x-www-form-urlencoded'],
      ['payload=%7B%7D', 'application/x-www-form-urlencoded'],
      ['text=who', 'application/x-www-form-urlencoded'],
    ];
    for (const [body, contentType] of bodies) {
      const res = await signedSlack(h, body, contentType);
      expect(res.status, `${contentType} ${body}`).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_slack_payload', message: expect.stringContaining('the body is not') });
    }
    expect((await h.postAlertmanager(firing())).status).toBe(200);
    expect((await fetch(`${h.baton.url}/livez`)).status).toBe(200);
  });

  it('known shapes still reach Bolt: URL verification, the unsigned SSL check and a slash command', async () => {
    const challenge = await signedSlack(
      h,
      JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-123' }),
      'application/json',
    );
    expect(challenge.status).toBe(200);
    expect(await challenge.json()).toEqual({ challenge: 'c-123' });
    const sslCheck = await postToSlackEndpoint(slackUrl(h), 'ssl_check=1&token=t', { signingSecret: SIGNING_SECRET, unsigned: true });
    expect(sslCheck.status).toBe(200);
    const who = await h.slack.command(ADA, 'who');
    expect(who.text).toContain(`<@${ADA}>`);
  });

  it('a deeply nested Slack body → 400 too_deeply_nested', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const event = await signedSlack(h, `{"type":"event_callback","event":{"type":"app_mention","x":${deep}}}`, 'application/json');
    expect(event.status).toBe(400);
    expect(await event.json()).toMatchObject({ error: 'too_deeply_nested' });
    const payload = await signedSlack(
      h,
      new URLSearchParams({ payload: `{"type":"block_actions","x":${deep}}` }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(payload.status).toBe(400);
    expect((await fetch(`${h.baton.url}/livez`)).status).toBe(200);
  });
});

describe('Slack signatures: timestamps within ±5 minutes of wall time', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const command = (h: Harness) => slashCommandBody({ userId: ADA, text: 'who', responseUrl: h.slack.standin.newResponseUrl() });

  it('6 minutes in the future or the past → 401 stale_signature', async () => {
    for (const offset of [6 * 60, -6 * 60]) {
      const res = await signedSlack(h, command(h), 'application/x-www-form-urlencoded', nowSeconds() + offset);
      expect(res.status, `offset ${offset} s`).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'stale_signature' });
    }
    expect(h.slack.standin.responseUrlPosts).toHaveLength(0);
  });

  it('4 minutes either way is accepted, whatever the virtual clock says', async () => {
    // The app's clock is on 2026-11-18; Slack signs with real time, and so does the check.
    expect(h.baton.clock.now().toISOString()).toBe(new Date(TEST_NOW).toISOString());
    for (const offset of [4 * 60, -4 * 60]) {
      const res = await signedSlack(h, command(h), 'application/x-www-form-urlencoded', nowSeconds() + offset);
      expect(res.status, `offset ${offset} s`).toBe(200);
    }
    await h.slack.standin.waitFor(() => h.slack.standin.responseUrlPosts.length >= 2);
  });

  it('a wrong signature or a malformed timestamp → 401 invalid_signature', async () => {
    const tampered = await postToSlackEndpoint(slackUrl(h), command(h), { signingSecret: SIGNING_SECRET, tamper: true });
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ error: 'invalid_signature' });
    const res = await fetch(slackUrl(h), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': 'soon', 'x-slack-signature': 'v0=00' },
      body: command(h),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_signature' });
  });
});

describe('body limits count the bytes that arrive, and stop reading at the limit', () => {
  let h: Harness;
  const UPLOAD_BYTES = 8 * MAX_BODY_BYTES;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('an unsigned chunked upload to /slack/events over the limit → 413 before it is read whole, connection closed', async () => {
    const outcome = await chunkedUpload(h.baton.url, '/slack/events', { 'content-type': 'application/json' }, UPLOAD_BYTES);
    expect(outcome.status).toBe(413);
    expect(outcome.answer).toContain('payload_too_large');
    expect(outcome.sentEverything).toBe(false);
    expect(outcome.closedByServer).toBe(true);
    expect((await fetch(`${h.baton.url}/livez`)).status).toBe(200);
  });

  it('a chunked upload to an alert route over the limit → 413, connection closed', async () => {
    const outcome = await chunkedUpload(
      h.baton.url,
      `/integrations/alertmanager/${KEY}`,
      { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
      UPLOAD_BYTES,
    );
    expect(outcome.status).toBe(413);
    expect(outcome.sentEverything).toBe(false);
    expect(outcome.closedByServer).toBe(true);
  });

  it('an upload refused before its body is read (wrong key, unknown path) is not drained for ever', async () => {
    const wrongKey = await chunkedUpload(
      h.baton.url,
      '/integrations/alertmanager/not-a-key',
      { 'content-type': 'application/json' },
      UPLOAD_BYTES,
    );
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.sentEverything).toBe(false);
    expect(wrongKey.closedByServer).toBe(true);
    const nowhere = await chunkedUpload(h.baton.url, '/nowhere', {}, UPLOAD_BYTES);
    expect(nowhere.status).toBe(404);
    expect(nowhere.sentEverything).toBe(false);
    expect((await h.postAlertmanager(firing())).status).toBe(200);
  });
});

describe('a sender that half-closes once its alert is sent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('is answered 200 after the commit reaches the disk, and the alert is stored', async () => {
    // The answer waits for the fsync of the WAL on the thread pool (or PostgreSQL's commit): the client's FIN
    // arrives first, and used to end the socket before the answer was written.
    const body = JSON.stringify(firing());
    const { socket, answer, closed } = await openSocket(h.baton.url);
    socket.end(
      `POST /integrations/alertmanager/${KEY} HTTP/1.1\r\nhost: baton\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${BEARER}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await once(socket, 'close');
    expect(closed()).toBe(true);
    expect(statusOf(answer())).toBe(200);
    expect(JSON.parse(answer().slice(answer().indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 'ok', outcome: 'opened' });
    const stored = await h.baton.db.query((q) => q.select({ id: rawPayloads.id }).from(rawPayloads).where(eq(rawPayloads.body, body)));
    expect(stored).toHaveLength(1);
  });
});

describe('JSON nesting is bounded on every ingest route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: SOURCES_CONFIG });
  });
  afterAll(async () => {
    await h.stop();
  });

  // 100,000 levels in 200 KB: the body that overflowed the stack.
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const post = (path: string, body: string) =>
    fetch(`${h.baton.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('generic webhook details 100,000 levels deep → 400 too_deeply_nested; 20 levels are fine', async () => {
    const res = await post(`/integrations/generic/${GENERIC_KEY}`, `{"summary":"deep","details":{"x":${deep}}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'too_deeply_nested', message: expect.stringContaining('64 levels') });
    const nested = `${'{"a":'.repeat(20)}1${'}'.repeat(20)}`;
    expect((await post(`/integrations/generic/${GENERIC_KEY}`, `{"summary":"nested","details":${nested}}`)).status).toBe(202);
  });

  it('PagerDuty custom_details 100,000 levels deep → 400 in PagerDuty form, naming the nesting', async () => {
    const body = `{"routing_key":"${PD_ROUTING_KEY}","event_action":"trigger","payload":{"summary":"deep","source":"x","severity":"critical","custom_details":${deep}}}`;
    const res = await post('/v2/enqueue', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'invalid event', errors: [expect.stringContaining('64 levels')] });
  });

  it('Alertmanager labels 100,000 levels deep → 400 too_deeply_nested', async () => {
    const res = await h.postAlertmanager(null, { rawBody: `{"version":"4","groupKey":"g","alerts":[{"labels":${deep}}]}` });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'too_deeply_nested' });
    expect((await fetch(`${h.baton.url}/livez`)).status).toBe(200);
  });
});

describe('server timeouts: slow and idle sockets are closed', () => {
  let baton: Baton;
  let slack: FakeSlack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-timeouts-'));
    slack = await FakeSlack.start();
    baton = await startBaton({
      port: 0,
      host: '127.0.0.1',
      databasePath: join(dir, 'baton.sqlite'),
      clock: new ManualClock(TEST_NOW),
      cron: false,
      logger: createLogger('silent'),
      slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl },
      httpTimeouts: { headersMs: 300, requestMs: 600, keepAliveMs: 300, idleSocketMs: 500, checkIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await baton.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('headers sent one byte at a time are cut off with 408', async () => {
    const { socket, answer, closed } = await openSocket(baton.url);
    socket.write('GET /livez HTTP/1.1\r\nhost: baton\r\nx-slow: ');
    const started = Date.now();
    while (!closed() && Date.now() - started < 3000) {
      socket.write('a');
      await sleep(25);
    }
    expect(closed()).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(statusOf(answer())).toBe(408);
  });

  it('a body that trickles in is cut off once the request takes too long', async () => {
    const { socket, closed } = await openSocket(baton.url);
    socket.write(
      `POST /integrations/alertmanager/${KEY} HTTP/1.1\r\nhost: baton\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n`,
    );
    const started = Date.now();
    while (!closed() && Date.now() - started < 3000) {
      socket.write('{');
      await sleep(25);
    }
    expect(closed()).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a connection that sends nothing, or idles after an answer, is closed', async () => {
    const silent = await openSocket(baton.url);
    expect(await waitUntil(silent.closed, 2000)).toBe(true);

    const keptAlive = await openSocket(baton.url);
    keptAlive.socket.write('GET /livez HTTP/1.1\r\nhost: baton\r\n\r\n');
    expect(await waitUntil(() => keptAlive.answer().includes('"status":"ok"'), 2000)).toBe(true);
    expect(statusOf(keptAlive.answer())).toBe(200);
    expect(await waitUntil(keptAlive.closed, 2000)).toBe(true);
  });
});

describe('/livez and /readyz: readiness means the database takes writes', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${h.baton.url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  // The SQLite file's own failure modes; PostgreSQL's availability is the failover test's (postgres-failover).
  it.skipIf(testEngine === 'postgres')(
    'read-only database, then disk full: /readyz and /healthz 503 naming the database, /livez 200; ready again once writable',
    async () => {
      h = await startHarness();
      expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready', database: { ok: true } } });
      // A success is reused for a second; wait it out so the next probe really writes.
      await sleep(1100);

      sqliteOf(h.baton.db).pragma('query_only = ON');
      const readOnly = await get('/readyz');
      expect(readOnly).toMatchObject({
        status: 503,
        body: { status: 'not_ready', database: { ok: false, error: expect.stringMatching(/readonly/i) } },
      });
      expect(await get('/healthz')).toMatchObject({ status: 503, body: { database: { ok: false } } });
      expect(await get('/livez')).toEqual({ status: 200, body: { status: 'ok' } });
      sqliteOf(h.baton.db).pragma('query_only = OFF');

      // As outage.test.ts simulates a full disk: every write fails as SQLite fails it then.
      sqliteOf(h.baton.db).exec(
        "CREATE TRIGGER disk_full BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
      );
      const full = await get('/readyz');
      expect(full).toMatchObject({ status: 503, body: { database: { ok: false, error: 'database or disk is full' } } });
      sqliteOf(h.baton.db).exec('DROP TRIGGER disk_full');

      expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready', database: { ok: true } } });
    },
  );

  it('Slack down: /readyz stays 200 and shows Slack failing; /healthz 503 as before', async () => {
    h = await startHarness();
    h.slack.standin.setDown(true);
    h.clock.advanceMinutes(1); // past the 30 s cache of the last Slack check
    const ready = await get('/readyz');
    expect(ready).toMatchObject({
      status: 200,
      body: {
        status: 'ready',
        database: { ok: true },
        slack: { ok: false, mode: 'http', error: expect.any(String) },
        twilio: { configured: false },
      },
    });
    expect((await get('/healthz')).status).toBe(503);
    h.slack.standin.setDown(false);
  });
});
