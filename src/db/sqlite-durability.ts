import { open, stat, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The embedded engine's disk work, kept off the thread that answers requests (ADR 3). SQLite runs in WAL
 * with synchronous=NORMAL, so a commit only writes its frames to the WAL; a unit that wrote resolves once an
 * fsync of the WAL that began after its commit has finished (`WalSync`), and that fsync runs on libuv's thread
 * pool, shared by every unit that committed meanwhile. Checkpoints (copying the WAL into the database file,
 * and its fsync) run on a connection of their own in a worker thread (`startCheckpointer`).
 *
 * Why this is as durable as synchronous=FULL: SQLite recovers, on open, every transaction whose frames and
 * commit frame are in the WAL; once the WAL is fsynced after a commit, that commit survives a power cut. FULL
 * does the same fsync, only inside COMMIT, on the calling thread.
 */
export interface Durability {
  /** Resolves once everything committed before the call is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** fsyncs of the WAL file, one at a time, each shared by every caller that asked while the previous ran. */
export class WalSync implements Durability {
  private handle: { file: FileHandle; ino: number } | null = null;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** fsyncs done: for tests and metrics. */
  syncs = 0;

  constructor(
    private readonly walPath: string,
    /** The fsync itself (a test may watch it). */
    private readonly fsync: (file: FileHandle) => Promise<void> = (file) => file.sync(),
  ) {}

  flush(): Promise<void> {
    if (!this.inFlight) return this.start();
    // The fsync under way may have begun before the caller's commit: the next one covers it, and every caller
    // that asks meanwhile shares it.
    this.queued ??= this.inFlight.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<void> {
    this.queued = null;
    return this.start();
  }

  private start(): Promise<void> {
    const syncing = this.syncOnce().finally(() => {
      if (this.inFlight === syncing) this.inFlight = null;
    });
    this.inFlight = syncing;
    return syncing;
  }

  private async syncOnce(): Promise<void> {
    let ino: number;
    try {
      ino = (await stat(this.walPath)).ino;
    } catch (err) {
      // No WAL: everything was checkpointed into the database file, which the checkpoint synced.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    // SQLite makes the WAL anew only once every connection has closed; a stale handle would sync nothing.
    if (this.handle?.ino !== ino) {
      await this.handle?.file.close();
      this.handle = { file: await open(this.walPath, 'r'), ino };
    }
    await this.fsync(this.handle.file);
    this.syncs += 1;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.inFlight, this.queued]);
    await this.handle?.file.close();
    this.handle = null;
  }
}

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
