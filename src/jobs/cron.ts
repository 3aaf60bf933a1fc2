import cron from 'node-cron';
import type { Logger } from 'pino';

/** The escalation and outbox loop: every 5 seconds, never two at once. Registrations only; the work is in services. */
export function scheduleJobs(tick: () => Promise<void>, logger: Logger): { stop(): Promise<void> } {
  const task = cron.schedule(
    '*/5 * * * * *',
    async () => {
      try {
        await tick();
      } catch (err) {
        logger.error({ err }, 'escalation tick failed');
      }
    },
    { noOverlap: true, name: 'baton-tick' },
  );
  return {
    stop: async () => {
      await task.destroy();
    },
  };
}
