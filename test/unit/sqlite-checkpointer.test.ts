import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDB } from '../../src/db/client.js';
import { SAFETY_CHECKPOINT_PAGES } from '../../src/db/sqlite-checkpointer.js';

describe('SQLite commits reach the disk off the request thread', () => {
  const dirs: string[] = [];
  const open: SqliteDB[] = [];
  const fresh = (opts: Parameters<typeof openDatabase>[1] = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-durability-'));
    dirs.push(dir);
    const path = join(dir, 'baton.sqlite');
    // Made before the watched connection: the watcher reads the same table.
    const setup = new Database(path);
    setup.pragma('journal_mode = WAL');
    setup.exec('create table probe (id integer primary key, body text)');
    setup.close();
    return { path, open: (o = opts) => open[open.push(openDatabase(path, o)) - 1]! };
  };
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

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
    const copy = join(dirs.at(-1)!, 'copy.sqlite');
    copyFileSync(path, copy);
    const alone = new Database(copy, { readonly: true });
    expect((alone.prepare('select count(*) as n from probe').get() as { n: number }).n).toBe(500);
    alone.close();
  });
});
