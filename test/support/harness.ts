import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type Baton } from '../../src/app.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { testDatabaseUrl } from './engine.js';
import { BEARER, KEY, PEOPLE, SIGNING_SECRET, TEAM_CHANNEL, TEST_CONFIG, TEST_NOW } from './config.js';
import { FakeSlack } from './fake-slack.js';
import { FakeTwilio } from './fake-twilio.js';

export interface Harness {
  baton: Baton;
  slack: FakeSlack;
  /** Present when started with `twilio: true`. */
  twilio: FakeTwilio;
  clock: ManualClock;
  dir: string;
  dbPath: string;
  /** Where the database is: the SQLite file, or the PostgreSQL URL (TEST_ENGINE=postgres). */
  database: string;
  /** POSTs an Alertmanager webhook body to the running app. */
  postAlertmanager(
    body: unknown,
    opts?: { key?: string; bearer?: string | null; rawBody?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Moves virtual time forward and runs the escalation loop once, as the cron would. */
  advance(minutes: number): Promise<void>;
  /** Stops the app (as a crash or deploy would) and starts a new one on the same database file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  config?: string;
  now?: string;
  port?: number;
  /** Connect to Slack over Socket Mode (an app-level token) instead of signed HTTP requests. */
  socketMode?: boolean;
  /** Run the real node-cron loop instead of ticking by hand. */
  cron?: boolean;
  /** Receives every log line (pino JSON) at trace level, to check what Baton writes. */
  logSink?: (line: string) => void;
  /** Page phones through a fake Twilio. */
  twilio?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-test-'));
  const dbPath = join(dir, 'baton.sqlite');
  const configPath = join(dir, 'baton.yml');
  writeFileSync(configPath, opts.config ?? TEST_CONFIG);
  const clock = new ManualClock(opts.now ?? TEST_NOW);
  const slack = await FakeSlack.start(PEOPLE);
  slack.standin.addChannel(TEAM_CHANNEL, 'payments');
  const twilio = opts.twilio ? await FakeTwilio.start() : null;
  const databaseUrl = await testDatabaseUrl();
  const boot = () =>
    startBaton({
      port: opts.port ?? 0,
      host: '127.0.0.1',
      databasePath: dbPath,
      ...(databaseUrl ? { databaseUrl } : {}),
      configPath,
      clock,
      cron: opts.cron ?? false,
      ...(twilio ? { twilio: twilio.settings } : {}),
      logger: opts.logSink
        ? createLogger('trace', { write: (line: string) => opts.logSink!(line) })
        : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      slack: opts.socketMode
        ? { botToken: 'xoxb-test-token', appToken: 'xapp-test-token', apiUrl: slack.apiUrl }
        : { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl },
    });
  const transport = opts.socketMode ? 'socket' : 'http';
  const harness: Harness = {
    baton: await boot(),
    slack,
    get twilio(): FakeTwilio {
      if (!twilio) throw new Error('start the harness with { twilio: true }');
      return twilio;
    },
    clock,
    dir,
    dbPath,
    database: databaseUrl ?? dbPath,
    postAlertmanager(body, o = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.headers ?? {}) };
      const bearer = o.bearer === undefined ? BEARER : o.bearer;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      return fetch(`${harness.baton.url}/integrations/alertmanager/${encodeURIComponent(o.key ?? KEY)}`, {
        method: 'POST',
        headers,
        body: o.rawBody ?? JSON.stringify(body),
      });
    },
    async advance(minutes) {
      clock.advanceMinutes(minutes);
      await harness.baton.tick();
    },
    async restart() {
      await harness.baton.stop();
      harness.baton = await boot();
      slack.connect(harness.baton.url, SIGNING_SECRET, transport);
      twilio?.connect(harness.baton.url);
    },
    async stop() {
      await harness.baton.stop();
      await slack.stop();
      await twilio?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  slack.connect(harness.baton.url, SIGNING_SECRET, transport);
  twilio?.connect(harness.baton.url);
  if (opts.socketMode) await slack.standin.waitFor(() => slack.standin.socketConnected, 5000);
  return harness;
}
