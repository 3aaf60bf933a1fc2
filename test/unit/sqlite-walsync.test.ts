import type { FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { probeDatabases } from '../support/db.js';

/** An fsync held until the test lets it go, noting what another connection could read when it began. */
function heldFsync(path: string) {
  const started: number[] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  const reader = new Database(path, { readonly: true });
  return {
    started,
    /** Rows of `probe` committed (visible to another connection) when each fsync began. */
    fsync: async (file: FileHandle) => {
      started.push((reader.prepare('select count(*) as n from probe').get() as { n: number }).n);
      await gate;
      await file.sync();
    },
    release: () => {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
    close: () => reader.close(),
  };
}

/** Waits (briefly: the fsync's stat and open run on the thread pool) until `done()`. */
async function until(done: () => boolean) {
  for (let i = 0; i < 400 && !done(); i += 1) await new Promise((r) => setTimeout(r, 5));
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  // Every turn that could settle it without the fsync's help.
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
  return done;
};

describe('SQLite commits are fsynced off the request thread (WalSync)', () => {
  const databases = probeDatabases('baton-walsync-');
  const fresh = databases.fresh;
  afterEach(() => databases.cleanup());

  it('a write resolves only after an fsync of the WAL that began after its commit; a read syncs nothing', async () => {
    const { path, open: openDb } = fresh();
    const held = heldFsync(path);
    const db = openDb({ fsync: held.fsync });

    const write = db.query((q) => q.run(sql`insert into probe (body) values ('one')`));
    await until(() => held.started.length > 0);
    expect(await settled(write)).toBe(false);
    // The fsync began once the row was committed, so it covers it.
    expect(held.started).toEqual([1]);
    held.release();
    await write;

    const read = await db.query((q) => q.all(sql`select * from probe`));
    expect(read).toHaveLength(1);
    expect(held.started).toHaveLength(1);
    held.close();
  });

  it('commits made while an fsync runs share the next one, which begins after all of them', async () => {
    const { path, open: openDb } = fresh();
    const held = heldFsync(path);
    const db = openDb({ fsync: held.fsync });

    const first = db.transaction((tx) => tx.run(sql`insert into probe (body) values ('first')`));
    await until(() => held.started.length > 0);
    const more = Array.from({ length: 20 }, (_, i) => db.transaction((tx) => tx.run(sql`insert into probe (body) values (${`w${i}`})`)));
    expect(await settled(Promise.race(more))).toBe(false);
    held.release();
    await first;
    // The second fsync began after all twenty had committed, and none resolved before it ended.
    await until(() => held.started.length >= 2);
    expect(held.started).toEqual([1, 21]);
    expect(await settled(Promise.race(more))).toBe(false);
    held.release();
    await Promise.all(more);
    expect(db.syncs).toBe(2);
    held.close();
  });

  it('a failed fsync fails the write that waited for it', async () => {
    const { open: openDb } = fresh();
    const db = openDb({
      fsync: async () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
    });
    await expect(db.query((q) => q.run(sql`insert into probe (body) values ('lost?')`))).rejects.toThrow(/EIO/);
  });
});
