// biome-ignore-all lint/suspicious/noExplicitAny: the tables are built at run time from the SQLite ones, so their columns have no static types here.
import { getTableColumns, type SQL } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as sqlite from './schema.js';

/**
 * The PostgreSQL schema: the tables of `schema.ts`, column for column, derived rather than written twice so the
 * two engines cannot drift apart. Queries are written once, with drizzle's builders over `schema.ts`, and run on
 * either engine (docs/adr/0006-two-engines.md), so PostgreSQL stores every value in the shape SQLite does:
 * - instants and ids are `bigint` (UTC milliseconds do not fit a 32-bit `integer`); ids are identity columns;
 * - flags are `integer` 0/1, JSON is `text`: the builders write them that way on both engines.
 * drizzle-kit reads this module to generate `migrations-postgres/` (drizzle.postgres.config.ts).
 */

type AnyPgTable = PgTableWithColumns<any>;

function columnOf(column: SQLiteColumn): PgColumnBuilderBase {
  const kind = column.columnType;
  let builder: any;
  if (kind === 'SQLiteText' || kind === 'SQLiteTextJson') builder = text(column.name);
  else if (kind === 'SQLiteBoolean') builder = integer(column.name);
  else if (kind === 'SQLiteInteger') builder = bigint(column.name, { mode: 'number' });
  else throw new Error(`no PostgreSQL type for ${kind} (${column.name})`);
  if (column.primary) {
    builder = builder.primaryKey();
    if ((column as unknown as { autoIncrement?: boolean }).autoIncrement) builder = builder.generatedByDefaultAsIdentity();
  }
  if (column.notNull && !column.primary) builder = builder.notNull();
  if (column.default !== undefined) {
    builder = builder.default(typeof column.default === 'boolean' ? Number(column.default) : column.default);
  }
  return builder;
}

function mirror(tables: Record<string, SQLiteTable>): Record<string, AnyPgTable> {
  const out: Record<string, AnyPgTable> = {};
  const byName = new Map<string, string>(Object.entries(tables).map(([key, t]) => [getTableConfig(t).name, key]));
  for (const [key, table] of Object.entries(tables)) {
    const config = getTableConfig(table);
    const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
    const built: Record<string, any> = {};
    for (const [prop, column] of Object.entries(columns)) built[prop] = columnOf(column);
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const [from] = ref.columns;
      const [to] = ref.foreignColumns;
      const fromProp = Object.keys(columns).find((p) => columns[p] === from)!;
      const target = byName.get(getTableConfig(ref.foreignTable).name)!;
      const toProp = Object.entries(getTableColumns(ref.foreignTable)).find(([, c]) => c === to)![0];
      built[fromProp] = built[fromProp].references(() => out[target]![toProp], fk.onDelete ? { onDelete: fk.onDelete } : {});
    }
    out[key] = pgTable(config.name, built, (t: Record<string, any>) => {
      const propOf = (c: SQLiteColumn) => t[Object.keys(columns).find((p) => columns[p] === c)!];
      return [
        ...config.primaryKeys.map((pk) => primaryKey({ columns: pk.columns.map((c) => propOf(c as SQLiteColumn)) as [any, ...any[]] })),
        ...config.indexes.map((ix) => {
          const { name, columns: on, unique, where } = ix.config;
          const cols = on.map((c) => propOf(c as SQLiteColumn)) as [any, ...any[]];
          const made = (unique ? uniqueIndex(name) : index(name)).on(...cols);
          return where ? made.where(where as SQL) : made;
        }),
      ];
    });
  }
  return out;
}

const tables = Object.fromEntries(
  Object.entries(sqlite).filter(([, value]) => {
    try {
      getTableConfig(value as SQLiteTable);
      return true;
    } catch {
      return false;
    }
  }),
) as Record<string, SQLiteTable>;

export const pgTables = mirror(tables);

export const {
  users,
  teams,
  rotations,
  rotationParticipants,
  escalationPolicies,
  services,
  integrationKeys,
  rawPayloads,
  incidents,
  alerts,
  incidentEvents,
  incidentMessages,
  pageListItems,
  outbox,
  auditLog,
  overrides,
  timeOff,
  swapRequests,
  coverRequests,
  settings,
  handoverNotes,
  heartbeats,
  maintenanceWindows,
  pacing,
} = pgTables;
