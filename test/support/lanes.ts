/**
 * Two test lanes. `npm test` is the fast lane: every unit and integration test, property tests at a fifth of
 * their size. `npm run test:slow` is the slow lane: crash, outage, storm and fuzz runs, the start-up tests
 * (each spawns a process), and the property tests at full size. CI runs both.
 */
export const SLOW_LANE = process.env.TEST_LANE === 'slow';

/** How many cases a property test runs: `full` in the slow lane, a fifth (at least 20) in the fast one. */
export function propertyRuns(full: number): number {
  return SLOW_LANE ? full : Math.max(20, Math.round(full / 5));
}
