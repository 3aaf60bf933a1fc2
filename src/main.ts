import { existsSync } from 'node:fs';
import { startBaton } from './app.js';
import { ConfigError } from './config/file.js';
import { EnvError, isDemoMode, parseEnv } from './config/env.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = parseEnv(process.env);
  if (process.argv.includes('--demo') || isDemoMode(env)) {
    await runDemo();
    return;
  }
  const logger = createLogger(env.LOG_LEVEL);
  // Logging only: what is about to end the process is written as JSON with the rest; Node still exits.
  process.on('uncaughtExceptionMonitor', (err, origin) => logger.fatal({ err, origin }, 'uncaught error; the process exits'));
  const baton = await startBaton({
    port: env.PORT,
    databasePath: env.DATABASE_PATH,
    databaseUrl: env.DATABASE_URL,
    configPath: env.BATON_CONFIG,
    logger,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    retentionDays: env.RETENTION_DAYS,
    ...(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM_NUMBER
      ? {
          twilio: {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            fromNumber: env.TWILIO_FROM_NUMBER,
            apiUrl: env.TWILIO_API_URL,
          },
        }
      : {}),
    slack: {
      botToken: env.SLACK_BOT_TOKEN!,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL,
    },
  });
  const base = env.PUBLIC_BASE_URL ?? `http://localhost:${baton.port}`;
  logger.info(
    { port: baton.port, slackMode: baton.slackMode, alertmanagerUrl: `${base}/integrations/alertmanager/<key>` },
    baton.slackMode === 'socket' ? 'Baton is running (Slack Socket Mode)' : `Baton is running (Slack requests at ${base}/slack/events)`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests and sends in flight');
    // Whatever is still open after the deadline is safe to leave: unsent messages stay in the outbox, and
    // one that was being sent is looked up in Slack before it is sent again.
    setTimeout(() => {
      logger.warn({ afterMs: STOP_DEADLINE_MS }, 'stopped before everything in flight had finished');
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
    baton.stop({ graceMs: REQUEST_GRACE_MS }).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // SIGHUP re-reads the config file: applied whole, or not at all and reported.
  process.on('SIGHUP', () => {
    void baton.reloadConfig('SIGHUP');
  });
}

/** Why the demo cannot run here (an install without the development dependencies or the devtools/ folder). */
class DemoUnavailable extends Error {}

/**
 * The demo and the Slack and Twilio stand-ins are developer tooling in devtools/, TypeScript outside src/:
 * never compiled into dist/, and loaded (through tsx) only in demo mode. The same relative path works from
 * src/main.ts under tsx and from dist/main.js.
 */
async function runDemo(): Promise<void> {
  const demoUrl = new URL('../devtools/demo/main.ts', import.meta.url);
  const realBot = 'to run the real bot set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README)';
  let tsImport: (specifier: string, parentURL: string) => Promise<unknown>;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new DemoUnavailable(`The demo needs the development dependencies: run npm ci; ${realBot}.`);
  }
  if (!existsSync(demoUrl))
    throw new DemoUnavailable(`The demo needs a Baton checkout with devtools/ (not part of this install); ${realBot}.`);
  const demo = (await tsImport(demoUrl.href, import.meta.url)) as { runDemo(): Promise<void> };
  await demo.runDemo();
}

/** Requests in flight get this long to finish after SIGTERM; everything is over within the deadline. */
const REQUEST_GRACE_MS = 7_000;
const STOP_DEADLINE_MS = 9_500;

main().catch((err: unknown) => {
  // Start-up errors are one line that names the problem; anything else gets its stack.
  if (err instanceof EnvError || err instanceof ConfigError || err instanceof DemoUnavailable) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
