#!/usr/bin/env node
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ConfigError, loadConfigFile } from './config/file.js';
import { configJsonSchema } from './config/json-schema.js';
import { closeDatabase, openDatabaseReadOnly, type DB } from './db/client.js';
import { connectPostgres, describePostgresUrl, isPostgresUrl } from './db/postgres.js';
import { danglingReferences } from './services/admin/config-references.js';

/**
 * `baton <command>`: tools for operators and their CI, beside the server (`npm start`).
 * Exit codes: 0 fine, 1 a problem found (printed one per line), 2 a usage mistake.
 */
const USAGE = `usage: baton check-config FILE [--database PATH|URL]
       baton config-schema
       baton backup FILE [--database PATH]
  check-config   validates FILE exactly as start-up does; with --database (the live SQLite file, opened
                 read-only, or the PostgreSQL URL) also that nothing made in Slack still refers to what the
                 file removes
  config-schema  prints the config file's JSON Schema (also in schema/baton.schema.json)
  backup         an online, consistent copy of the database (default DATABASE_PATH) into FILE, taken with
                 VACUUM INTO while Baton keeps running, then checked with integrity_check`;

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function checkConfig(args: string[]): Promise<number> {
  const file = args[0];
  const dbAt = args.indexOf('--database');
  const databasePath = dbAt >= 0 ? args[dbAt + 1] : undefined;
  if (!file || file.startsWith('--') || (dbAt >= 0 && !databasePath)) {
    console.error(USAGE);
    return 2;
  }
  try {
    const config = loadConfigFile(file);
    if (databasePath) {
      const postgres = isPostgresUrl(databasePath);
      const label = postgres ? describePostgresUrl(databasePath) : databasePath;
      let db: DB;
      try {
        db = postgres ? connectPostgres(databasePath) : openDatabaseReadOnly(databasePath);
      } catch (err) {
        throw new ConfigError(`${label}: cannot open the database (${(err as Error).message})`);
      }
      try {
        const problems = await db
          .query((q) => danglingReferences(q, config))
          .catch((err: Error) => {
            throw new ConfigError(`${label}: cannot read the database (${err.message})`);
          });
        if (problems.length > 0) throw new ConfigError(problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'));
      } finally {
        await closeDatabase(db);
      }
    }
    const counts = [
      count(config.users.length, 'user'),
      count(config.rotations.length, 'rotation'),
      count(config.escalation_policies.length, 'escalation policy'),
      count(config.services.length, 'service'),
    ];
    console.log(`${file}: ok (${counts.join(', ').replace('policys', 'policies')})`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
}

function backup(args: string[]): number {
  const target = args[0];
  const dbAt = args.indexOf('--database');
  const source = dbAt >= 0 ? args[dbAt + 1] : (process.env.DATABASE_PATH ?? './data/baton.sqlite');
  if (!target || target.startsWith('--') || !source) {
    console.error(USAGE);
    return 2;
  }
  if (existsSync(target)) {
    console.error(`${target}: already exists; a backup never overwrites a file`);
    return 1;
  }
  try {
    // A read transaction of its own: writers go on (WAL), and the copy is the database as of one instant.
    const db = new Database(source, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    db.prepare('vacuum into ?').run(target);
    db.close();
    const copy = new Database(target, { readonly: true });
    const check = copy.pragma('integrity_check', { simple: true });
    copy.close();
    if (check !== 'ok') throw new Error(`the copy failed integrity_check: ${String(check)}`);
    console.log(`${target}: backup of ${source} ok (${statSync(target).size} bytes, integrity_check ok)`);
    return 0;
  } catch (err) {
    console.error(`${source}: backup failed: ${(err as Error).message}`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'check-config':
      return await checkConfig(args);
    case 'backup':
      return backup(args);
    case 'config-schema':
      console.log(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
