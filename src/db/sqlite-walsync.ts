import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * The fsync of the embedded engine's commits, kept off the thread that answers requests (ADR 3). SQLite runs in
 * WAL with synchronous=NORMAL, so a commit only writes its frames to the WAL; a unit that wrote resolves once
 * an fsync of the WAL that began after its commit has finished (`WalSync`), and that fsync runs on libuv's
 * thread pool, shared by every unit that committed meanwhile. Checkpoints run in a worker thread
 * (sqlite-checkpointer.ts).
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
