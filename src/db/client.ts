import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema.js';
import { SAFETY_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { WalSync, type Durability } from './sqlite-walsync.js';

/**
 * What queries are written on: drizzle's builders over the tables of `schema.ts`, executed with `await` and
 * nothing else (never `.all()`, `.get()` or `.run()`, which only the embedded engine has). The same builder code
 * runs on either engine: see docs/adr/0006-two-engines.md.
 */
export type Tx = BaseSQLiteDatabase<'async', unknown, typeof schema>;

/**
 * The database, whichever engine holds it. Every query runs inside a unit of work:
 * - `query(fn)`: each statement commits on its own (reads, or one write);
 * - `transaction(fn)`: all of fn's statements commit together or not at all.
 * A unit must only await the database: awaiting Slack, Twilio or a timer inside one holds every other unit
 * up on the embedded engine. A unit started inside another joins it (a transaction inside one becomes a
 * savepoint), so a helper may open a unit without knowing whether its caller has one.
 */
export interface DB {
  readonly engine: 'sqlite' | 'postgres';
  query<T>(fn: (q: Tx) => Promise<T>): Promise<T>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As `transaction`, for a caller that pipelines its commits (ingest's group commit): resolves once fn's
   * statements are committed, with `durable`, which resolves once they would also survive a power cut. The
   * caller tells nobody outside (answers no request) before `durable` resolves.
   */
  transactionThenSync<T>(fn: (tx: Tx) => Promise<T>): Promise<{ value: T; durable: Promise<void> }>;
  /**
   * Runs a periodic job on one node at a time: every node runs the loop, and a node that finds `job` under way
   * elsewhere skips it this turn (undefined). A node that dies lets go of it with its connection.
   */
  exclusively<T>(job: string, fn: () => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** How many rows an insert, update or delete touched, on either engine. */
export function changedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** What raw SQL runs on with PostgreSQL: the pool, or the connection a transaction holds. */
export interface PgRunner {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const pgRunners = new WeakMap<object, PgRunner>();

/** Marks a PostgreSQL unit's handle with the connection its raw SQL must run on. */
export function registerPgRunner(q: object, runner: PgRunner): void {
  pgRunners.set(q, runner);
}

/** The connection a PostgreSQL handle runs on; undefined for the embedded engine. */
export function pgRunnerOf(q: Tx): PgRunner | undefined {
  return pgRunners.get(q);
}

/**
 * Inside a transaction: waits until no other transaction holds `key`, and holds it until this one ends. For a
 * check-then-write that must not interleave with the same one on another node or connection (a person's phone
 * throttle, a pin recorded twice). SQLite needs nothing: its transactions already run one at a time.
 */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  const runner = pgRunnerOf(tx);
  if (runner) await runner.query({ text: 'select pg_advisory_xact_lock($1, hashtext($2))', values: [KEY_LOCK_SPACE, key] });
}

/** Any fixed number: the first half of the advisory lock keys of lockKey. */
const KEY_LOCK_SPACE = 7_310_003;

let savepoints = 0;

/**
 * Inside a transaction: fn's statements, undone alone if fn throws (the transaction goes on). On PostgreSQL a
 * failed statement spoils the whole transaction unless it ran under a savepoint; SQLite undoes only the
 * statement, but a savepoint keeps fn's earlier statements from staying behind.
 */
export async function savepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  if (pgRunnerOf(tx)) return (tx as unknown as { transaction(f: () => Promise<T>): Promise<T> }).transaction(fn);
  const sqlite = (tx as unknown as { $client: Database.Database }).$client;
  savepoints += 1;
  const name = `baton_sp${savepoints}`;
  sqlite.exec(`savepoint ${name}`);
  try {
    const result = await fn();
    sqlite.exec(`release ${name}`);
    return result;
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec(`rollback to ${name}; release ${name}`);
    throw err;
  }
}

/** A row still referred to (a foreign key), on either engine; drizzle wraps the driver's error in `cause`. */
export function isForeignKeyViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === '23503') return true;
  }
  return false;
}

/** A number inside a JSON text column (`field` at its top level), in the dialect of the engine `q` runs on. */
export function jsonNumber(q: Tx, column: SQLWrapper, field: string): SQL<number | null> {
  if (!/^\w+$/.test(field)) throw new Error(`not a JSON field name: ${field}`);
  return pgRunnerOf(q)
    ? sql<number | null>`((${column})::json ->> ${sql.raw(`'${field}'`)})::bigint`
    : sql<number | null>`json_extract(${column}, ${sql.raw(`'$.${field}'`)})`;
}

/** Any fixed number: the first half of the advisory lock keys Baton's jobs take (the second is the job's name). */
export const JOB_LOCK_SPACE = 7_310_002;

interface Unit {
  /** False once the unit has ended: work it started that runs later (a timer, a wake-up) must open its own. */
  open: boolean;
}

/**
 * The embedded engine: one better-sqlite3 connection, so one unit at a time holds it. Without the lock, a
 * statement of another request could run between two awaits of an open transaction and join it (and be rolled
 * back with it). Statements themselves run synchronously, so a unit holds the lock only for its own queries.
 */
export class SqliteDB implements DB {
  readonly engine = 'sqlite' as const;
  readonly orm: BetterSQLite3Database<typeof schema> & { $client: Database.Database };
  private readonly tx: Tx;
  private readonly units = new AsyncLocalStorage<Unit>();
  private held = false;
  private readonly waiting: (() => void)[] = [];

  private readonly totalChanges: Database.Statement<[], number>;

  constructor(
    readonly sqlite: Database.Database,
    /** Makes commits durable off this thread (a database on disk); none for one in memory or read-only. */
    private readonly durability: Durability | null = null,
    /** Checkpoints in a worker thread (a database on disk); none for one in memory or read-only. */
    private readonly checkpointer: Checkpointer | null = null,
  ) {
    this.orm = drizzle(withStatementCache(sqlite), { schema });
    // The synchronous driver answers `await` like an asynchronous one; only the type differs.
    this.tx = this.orm as unknown as Tx;
    this.totalChanges = sqlite.prepare<[], number>('select total_changes()').pluck();
  }

  /** Checkpoints the worker has run so far (a database on disk). */
  get checkpoints(): number {
    return this.checkpointer?.checkpoints ?? 0;
  }

  /** fsyncs of the WAL so far (a database on disk). */
  get syncs(): number {
    return this.durability instanceof WalSync ? this.durability.syncs : 0;
  }

  async query<T>(fn: (q: Tx) => Promise<T>): Promise<T> {
    if (this.units.getStore()?.open) return fn(this.tx);
    await this.lock();
    const unit: Unit = { open: true };
    const before = this.durability ? this.totalChanges.get()! : 0;
    try {
      return await this.units.run(unit, () => fn(this.tx));
    } finally {
      const wrote = this.durability !== null && this.totalChanges.get() !== before;
      unit.open = false;
      this.unlock();
      // The lock is free for the next unit while this one's commit reaches the disk.
      if (wrote) await this.durability!.flush();
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.units.getStore()?.open) return savepoint(this.tx, () => fn(this.tx));
    const { value, durable } = await this.transactionThenSync(fn);
    await durable;
    return value;
  }

  async transactionThenSync<T>(fn: (tx: Tx) => Promise<T>): Promise<{ value: T; durable: Promise<void> }> {
    if (this.units.getStore()?.open) return { value: await savepoint(this.tx, () => fn(this.tx)), durable: Promise.resolve() };
    await this.lock();
    const unit: Unit = { open: true };
    const before = this.durability ? this.totalChanges.get()! : 0;
    try {
      // IMMEDIATE: take the write lock now, so another process's writer cannot make this one fail mid-way.
      this.sqlite.exec('begin immediate');
      const value = await this.units.run(unit, () => fn(this.tx));
      this.sqlite.exec('commit');
      const wrote = this.durability !== null && this.totalChanges.get() !== before;
      return { value, durable: wrote ? this.durability!.flush() : Promise.resolve() };
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec('rollback');
      throw err;
    } finally {
      unit.open = false;
      this.unlock();
    }
  }

  /** One process per SQLite file: nothing else can be running the job. */
  exclusively<T>(_job: string, fn: () => Promise<T>): Promise<T | undefined> {
    return fn();
  }

  private lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    await this.durability?.close();
    if (this.sqlite.open) this.sqlite.close();
  }
}

/**
 * Opens (creating if needed) and migrates the embedded database. ':memory:' gives a private in-memory one.
 * A database on disk is durable as with synchronous=FULL (an alert answered 2xx survives a power cut), with
 * the fsyncs (sqlite-walsync.ts) and checkpoints (sqlite-checkpointer.ts) done off this thread: ADR 3.
 */
export function openDatabase(
  path: string,
  opts: {
    onCheckpointError?: (message: string) => void;
    /** The fsync of the WAL (a test watches or fails it). */
    fsync?: (file: FileHandle) => Promise<void>;
  } = {},
): SqliteDB {
  const onDisk = path !== ':memory:' && path !== '';
  if (onDisk) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (!onDisk) {
    const db = new SqliteDB(sqlite);
    migrate(db.orm, { migrationsFolder: MIGRATIONS_FOLDER });
    return db;
  }
  // Migrations are few and rare: committed the plain way, synced inside COMMIT.
  sqlite.pragma('synchronous = FULL');
  migrate(drizzle(sqlite, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  // From here on, each unit that wrote waits for an fsync of the WAL done on the thread pool (WalSync).
  sqlite.pragma('synchronous = NORMAL');
  // The writer checkpoints itself only if the worker has stopped.
  sqlite.pragma(`wal_autocheckpoint = ${SAFETY_CHECKPOINT_PAGES}`);
  const onError = opts.onCheckpointError ?? ((message: string) => console.error(`baton: checkpoint failed: ${message}`));
  return new SqliteDB(sqlite, new WalSync(`${resolve(path)}-wal`, opts.fsync), startCheckpointer(path, onError));
}

/** Statements kept by withStatementCache; past this many (queries with lists of any length), it starts afresh. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * The connection as drizzle sees it, with `prepare` served from a cache by SQL text. drizzle prepares every
 * query it did not prepare ahead anew, each time it runs it, and SQLite's parsing then cost more than running
 * it (opening an incident ran a dozen such queries). A statement is reused only synchronously (drizzle prepares
 * and runs it in one go), and drizzle switches raw mode on before every use that wants it, so the mode is reset
 * on each reuse.
 */
function withStatementCache(sqlite: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string) => {
    let statement = cache.get(source);
    if (statement) {
      if (statement.reader) statement.raw(false);
      return statement;
    }
    statement = sqlite.prepare(source);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
    cache.set(source, statement);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Opens an existing database to read only, as it is (not migrated): for checks made beside a running Baton. */
export function openDatabaseReadOnly(path: string): SqliteDB {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  return new SqliteDB(sqlite);
}

export async function closeDatabase(db: DB): Promise<void> {
  await db.close();
}
