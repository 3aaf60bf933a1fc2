import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster from Debian's `postgresql` package, in a temp dir, trusting 127.0.0.1.
 * The server refuses to run as root, so as root it runs as the `postgres` user (runuser). Developer tooling
 * for the tests (test/support/postgres.ts re-exports it) and the bench (bench/postgres.ts).
 */
export interface PostgresCluster {
  /** The cluster's own database, to create others from. */
  adminUrl: string;
  /** A new, empty database on the cluster; its URL. */
  createDatabase(): Promise<string>;
  stop(): void;
}

let created = 0;

/** A new, empty database on the cluster `adminUrl` names; its URL. */
export async function createDatabase(adminUrl: string): Promise<string> {
  created += 1;
  const name = `baton_${process.pid}_${created}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return null;
}

export function postgresAvailable(): boolean {
  return binDir() !== null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts a cluster. By default durability is off (fsync, synchronous_commit and full_page_writes): a test
 * cluster is thrown away, and fsync would only slow the suite. `durable: true` keeps PostgreSQL's defaults
 * (every commit flushed to the WAL on disk before it is acknowledged), for measurements to set beside
 * Baton's SQLite, which fsyncs every commit before acknowledging it (ADR 3).
 */
export async function startPostgresCluster(opts: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = binDir();
  if (!bin) throw new Error("PostgreSQL is not installed (Debian's postgresql package)");
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-locale', '-E', 'UTF8']);
  const port = await freePort();
  const durability = opts.durable
    ? '-c fsync=on -c synchronous_commit=on -c full_page_writes=on'
    : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${durability} -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    createDatabase: () => createDatabase(adminUrl),
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** For a one-off check from a shell: `node --import tsx devtools/postgres.ts` prints a database URL. */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.env.VITEST === undefined) {
  const cluster = await startPostgresCluster();
  console.log(await cluster.createDatabase());
  execFileSync('sleep', ['1']);
  cluster.stop();
}
