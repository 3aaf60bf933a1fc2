import { startBaton } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';

/**
 * Baton as its own process for the crash tests (test/reliability), through tsx and with logging off unless
 * LOG_LEVEL is set, configured by the parent over env: BENCH_DB, BENCH_CONFIG, BENCH_SLACK_API_URL,
 * BENCH_PORT. The bench does not use it: it starts Baton as users do (bench/lib/baton-main.ts).
 */
const baton = await startBaton({
  port: Number(process.env.BENCH_PORT ?? 0),
  host: '127.0.0.1',
  databasePath: process.env.BENCH_DB ?? '',
  ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : {}),
  configPath: process.env.BENCH_CONFIG,
  logger: createLogger(process.env.LOG_LEVEL ?? 'silent'),
  cron: process.env.BENCH_CRON !== 'false',
  slack: { botToken: 'xoxb-bench', signingSecret: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', apiUrl: process.env.BENCH_SLACK_API_URL },
});
process.send?.({ port: baton.port });
process.on('message', async (message: unknown) => {
  if (message === 'stop') {
    await baton.stop();
    process.exit(0);
  }
});
