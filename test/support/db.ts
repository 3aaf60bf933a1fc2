import type Database from 'better-sqlite3';
import { openDatabase, SqliteDB, type DB } from '../../src/db/client.js';

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
export function rowCounts(db: DB): Record<string, number> {
  const sqlite = sqliteOf(db);
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as {
    name: string;
  }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (sqlite.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  );
}
