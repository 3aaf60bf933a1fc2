import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's checkpoints (copying the WAL into the database file, and its fsync), kept off the thread that
 * answers requests (ADR 3): they run on a connection of their own in a worker thread. Left to the writer, a
 * checkpoint runs inside the COMMIT that crosses SQLite's threshold.
 */

/** How often the worker checkpoints; the writer checkpoints itself only past SAFETY_CHECKPOINT_PAGES. */
export const CHECKPOINT_EVERY_MS = 500;
/**
 * The writer's own automatic checkpoint (SQLite's `wal_autocheckpoint`, in pages of 4 KiB), far above what the
 * worker leaves behind: it only runs if the worker stopped, so the WAL cannot grow without bound.
 */
export const SAFETY_CHECKPOINT_PAGES = 16_000;

// CommonJS, since an eval'd worker is one; better-sqlite3 is passed as a resolved path.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
// The checkpoint syncs the WAL before copying it, and the database file after.
db.pragma('synchronous = FULL');
let checkpoints = 0;
const timer = setInterval(() => {
  try {
    // PASSIVE: copies what no reader still needs, never waits and never blocks the writer.
    db.pragma('wal_checkpoint(PASSIVE)');
    checkpoints += 1;
    parentPort.postMessage({ checkpoints });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export interface Checkpointer {
  /** Checkpoints the worker has run so far. */
  readonly checkpoints: number;
  close(): Promise<void>;
}

/** Checkpoints the database at `path` every `everyMs` from a worker thread, on a connection of its own. */
export function startCheckpointer(path: string, onError: (message: string) => void, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { path, driver, everyMs } });
  let checkpoints = 0;
  let lastError: string | null = null;
  worker.on('message', (m: { checkpoints?: number; error?: string }) => {
    if (m.checkpoints !== undefined) checkpoints = m.checkpoints;
    // Logged once per kind of failure, not every half second.
    if (m.error && m.error !== lastError) onError(m.error);
    lastError = m.error ?? null;
  });
  worker.on('error', (err) => onError(err.message));
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    get checkpoints() {
      return checkpoints;
    },
    close: async () => {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
