import cron from 'node-cron';
import type { Logger } from 'pino';

/** The longest the escalation timer is armed ahead: further due times are re-read at the next periodic run. */
const MAX_ARM_MS = 5_000;

export interface LoopJobs {
  /** Everything periodic: escalation, heartbeats, upkeep, digests, retention, the admin group. */
  periodic(): Promise<void>;
  /**
   * Escalates what is due now (and wakes the outbox). The timer's run and the periodic one's may overlap now
   * that it is asynchronous: escalation re-checks each incident inside its transaction, so that is safe.
   */
  escalate(): Promise<void>;
  /** When the next escalation falls due (epoch ms), or null when none is waiting. */
  nextEscalationAt(): Promise<number | null>;
}

/**
 * The loop. node-cron runs the periodic jobs every 5 seconds (never two at once), and between runs a timer
 * is armed for the next due escalation, so an unanswered page escalates on time rather than on the next
 * 5-second poll. Neither waits for the outbox to drain: sends go on beside it. Registrations only; the work
 * is in services.
 */
export function scheduleJobs(jobs: LoopJobs, logger: Logger): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const arm = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const due = await jobs.nextEscalationAt();
    // Another run armed the timer while this one read: the later reading wins.
    if (timer) clearTimeout(timer);
    timer = null;
    if (stopped || due === null) return;
    const inMs = due - Date.now();
    if (inMs > MAX_ARM_MS) return;
    timer = setTimeout(
      async () => {
        timer = null;
        try {
          await jobs.escalate();
        } catch (err) {
          logger.error({ err }, 'escalation failed');
        }
        await arm();
      },
      Math.max(0, inMs),
    );
    timer.unref();
  };
  const task = cron.schedule(
    '*/5 * * * * *',
    async () => {
      try {
        await jobs.periodic();
      } catch (err) {
        logger.error({ err }, 'periodic jobs failed');
      }
      await arm();
    },
    { noOverlap: true, name: 'baton-loop' },
  );
  void arm();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await task.destroy();
    },
  };
}
