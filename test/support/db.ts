import { openDatabase, type DB } from '../../src/db/client.js';

/** A fresh, migrated in-memory database, private to the caller. */
export function freshDb(): DB {
  return openDatabase(':memory:');
}

/** Row counts of every table: what bad input must leave exactly as it was. */
export function rowCounts(db: DB): Record<string, number> {
  const sqlite = db.$client;
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as {
    name: string;
  }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (sqlite.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  );
}
