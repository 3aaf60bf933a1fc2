import { openDatabase, type DB } from '../../src/db/client.js';

/** A fresh, migrated in-memory database, private to the caller. */
export function freshDb(): DB {
  return openDatabase(':memory:');
}
