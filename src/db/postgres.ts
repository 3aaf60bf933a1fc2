import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { JOB_LOCK_SPACE, registerPgRunner, type DB, type Tx } from './client.js';

export const POSTGRES_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations-postgres', import.meta.url));

/** Any fixed number: every node takes this advisory lock to migrate, so nodes starting together migrate once. */
const MIGRATION_LOCK = 7_310_001;

// int8 (counts, ids, UTC milliseconds) as a JS number: every value Baton stores is below 2^53. Set on the
// driver's global table because drizzle reads type parsers from there for each query it builds.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

interface Unit {
  tx: Tx;
  open: boolean;
}

/**
 * PostgreSQL, for several nodes on one database. Units run on the pool; a transaction holds one connection
 * and everything its callback runs (helpers included, through the async context) uses it.
 */
export class PostgresDB implements DB {
  readonly engine = 'postgres' as const;
  readonly orm: NodePgDatabase;
  private readonly units = new AsyncLocalStorage<Unit>();

  constructor(readonly pool: pg.Pool) {
    this.orm = drizzle(pool);
    registerPgRunner(this.orm, pool);
  }

  async query<T>(fn: (q: Tx) => Promise<T>): Promise<T> {
    const unit = this.units.getStore();
    return fn(unit?.open ? unit.tx : (this.orm as unknown as Tx));
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const outer = this.units.getStore();
    const base = outer?.open ? (outer.tx as unknown as NodePgDatabase) : this.orm;
    return base.transaction(async (pgTx) => {
      const tx = pgTx as unknown as Tx;
      registerPgRunner(tx, (pgTx as unknown as { session: { client: pg.PoolClient } }).session.client);
      const unit: Unit = { tx, open: true };
      try {
        return await this.units.run(unit, () => fn(tx));
      } finally {
        unit.open = false;
      }
    });
  }

  /** A PostgreSQL commit is durable when it returns (synchronous_commit). */
  async transactionThenSync<T>(fn: (tx: Tx) => Promise<T>): Promise<{ value: T; durable: Promise<void> }> {
    return { value: await this.transaction(fn), durable: Promise.resolve() };
  }

  async exclusively<T>(job: string, fn: () => Promise<T>): Promise<T | undefined> {
    // A session lock on a connection of its own, held while fn runs on the pool.
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query('select pg_try_advisory_lock($1, hashtext($2)) as ok', [JOB_LOCK_SPACE, job]);
      if (!rows[0].ok) return undefined;
      try {
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK_SPACE, job]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/** Connects to PostgreSQL as it is (not migrated): for checks made beside running nodes. */
export function connectPostgres(url: string): PostgresDB {
  return new PostgresDB(new pg.Pool({ connectionString: url, max: 2 }));
}

/** A PostgreSQL URL without its password, to name the database in messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'the PostgreSQL database';
  }
}

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//.test(target);

/** Connects to PostgreSQL and applies migrations under an advisory lock (one node migrates, the rest wait). */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<PostgresDB> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: POSTGRES_MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  return new PostgresDB(pool);
}
