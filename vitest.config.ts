import { defineConfig } from 'vitest/config';

/** The slow lane (see test/support/lanes.ts): processes killed, outages, storms, fuzzing, full property runs. */
const SLOW = [
  'test/reliability/**/*.test.ts',
  'test/integration/startup.test.ts',
  'test/integration/build.test.ts',
  'test/integration/signals.test.ts',
  'test/integration/backup.test.ts',
  'test/unit/schedule.test.ts',
  'test/unit/fairness.test.ts',
  'test/unit/recurring-maintenance.test.ts',
  'test/unit/zoned-time.test.ts',
];
/** Slow-lane files that also run, at reduced size, in the fast lane. */
const PROPERTY_FILES = SLOW.filter((f) => f.startsWith('test/unit/'));

const slowLane = process.env.TEST_LANE === 'slow';

export default defineConfig({
  test: {
    include: slowLane ? SLOW : ['test/**/*.test.ts'],
    exclude: slowLane ? [] : SLOW.filter((f) => !PROPERTY_FILES.includes(f)),
    // Integration tests start real HTTP servers and (one) a real Alertmanager; keep them isolated.
    pool: 'forks',
    // TEST_ENGINE=postgres: one throwaway PostgreSQL cluster for the run.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
