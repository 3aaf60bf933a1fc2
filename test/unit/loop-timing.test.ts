import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduleJobs } from '../../src/jobs/cron.js';
import { createLogger } from '../../src/logger.js';

describe('the loop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('escalates when an escalation falls due, not at the next 5-second poll, and never waits for the periodic jobs', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T10:00:00.300Z') });
    const start = Date.now();
    let due: number | null = start + 1_500;
    const escalated: number[] = [];
    let periodicRuns = 0;
    const loop = scheduleJobs(
      {
        // The periodic jobs are slow (a backlog, a slow Slack): escalation must not wait for them.
        periodic: () => {
          periodicRuns += 1;
          return new Promise((resolve) => setTimeout(resolve, 4_000));
        },
        escalate: async () => {
          escalated.push(Date.now());
          due = escalated.length < 3 ? Date.now() + 61_000 : null;
        },
        nextEscalationAt: async () => due,
      },
      createLogger('silent'),
    );
    await vi.advanceTimersByTimeAsync(1_499);
    expect(escalated).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(escalated).toEqual([start + 1_500]);
    // The next ones, a minute on, are armed by a periodic run within 5 s before them and fire on the dot.
    await vi.advanceTimersByTimeAsync(130_000);
    expect(escalated).toEqual([start + 1_500, start + 62_500, start + 123_500]);
    expect(periodicRuns).toBeGreaterThan(10);
    await loop.stop();
  });
});
