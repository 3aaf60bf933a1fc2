import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, SqliteDB, type DB } from '../../src/db/client.js';
import { PostgresDB } from '../../src/db/postgres.js';

/** A fresh, migrated in-memory database, private to the caller. */
export function freshDb(): SqliteDB {
  return openDatabase(':memory:');
}

/** The embedded engine's connection, for tests that reach under Baton (a trigger, a pragma, a count). */
export function sqliteOf(db: DB): Database.Database {
  if (!(db instanceof SqliteDB)) throw new Error('this test needs the embedded (SQLite) engine');
  return db.sqlite;
}

/** Row counts of every table: what bad input must leave exactly as it was. */
export async function rowCounts(db: DB): Promise<Record<string, number>> {
  if (db instanceof PostgresDB) {
    const { rows } = await db.pool.query<{ name: string }>(
      "select table_schema || '.' || table_name as name from information_schema.tables where table_schema in ('public', 'drizzle') order by 1",
    );
    const counts: Record<string, number> = {};
    for (const { name } of rows) counts[name] = (await db.pool.query<{ n: number }>(`select count(*)::int as n from ${name}`)).rows[0]!.n;
    return counts;
  }
  const sqlite = sqliteOf(db);
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as {
    name: string;
  }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (sqlite.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  );
}

/**
 * Database files on disk, each in a temp directory with a `probe` table made before Baton opens it (a watching
 * connection may read it from the start), opened as Baton opens its own; `cleanup` closes and removes them all.
 */
export function probeDatabases(prefix: string) {
  const dirs: string[] = [];
  const open: SqliteDB[] = [];
  return {
    fresh(defaults: Parameters<typeof openDatabase>[1] = {}) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      const path = join(dir, 'baton.sqlite');
      const setup = new Database(path);
      setup.pragma('journal_mode = WAL');
      setup.exec('create table probe (id integer primary key, body text)');
      setup.close();
      return { path, open: (opts = defaults) => open[open.push(openDatabase(path, opts)) - 1]! };
    },
    async cleanup() {
      for (const db of open.splice(0)) await db.close();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
