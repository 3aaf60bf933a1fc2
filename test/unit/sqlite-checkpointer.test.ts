import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { probeDatabases } from '../support/db.js';
import { SAFETY_CHECKPOINT_PAGES } from '../../src/db/sqlite-checkpointer.js';

describe('SQLite commits reach the disk off the request thread', () => {
  const databases = probeDatabases('baton-durability-');
  const fresh = databases.fresh;
  afterEach(() => databases.cleanup());

  it('a worker thread checkpoints the WAL into the database file; the writer keeps only a safety checkpoint', async () => {
    const { path, open: openDb } = fresh();
    const db = openDb();
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_CHECKPOINT_PAGES);
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: the fsync is WalSync's
    await db.transaction(async (tx) => {
      for (let i = 0; i < 500; i += 1) await tx.run(sql`insert into probe (body) values (${'x'.repeat(1000)})`);
    });
    const after = db.checkpoints;
    const deadline = Date.now() + 10_000;
    while (db.checkpoints < after + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(db.checkpoints).toBeGreaterThanOrEqual(after + 2);
    // The database file alone, without its WAL, now holds the rows.
    const copy = join(dirname(path), 'copy.sqlite');
    copyFileSync(path, copy);
    const alone = new Database(copy, { readonly: true });
    expect((alone.prepare('select count(*) as n from probe').get() as { n: number }).n).toBe(500);
    alone.close();
  });
});
