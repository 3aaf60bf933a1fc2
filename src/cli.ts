#!/usr/bin/env node
import { ConfigError, loadConfigFile } from './config/file.js';
import { configJsonSchema } from './config/json-schema.js';
import { closeDatabase, openDatabaseReadOnly } from './db/client.js';
import { danglingReferences } from './services/config-references.js';

/**
 * `baton <command>`: tools for operators and their CI, beside the server (`npm start`).
 * Exit codes: 0 fine, 1 a problem found (printed one per line), 2 a usage mistake.
 */
const USAGE = `usage: baton check-config FILE [--database PATH]
       baton config-schema
  check-config   validates FILE exactly as start-up does; with --database (the live SQLite file, opened
                 read-only) also that nothing made in Slack still refers to what the file removes
  config-schema  prints the config file's JSON Schema (also in schema/baton.schema.json)`;

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function checkConfig(args: string[]): number {
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
      let db;
      try {
        db = openDatabaseReadOnly(databasePath);
      } catch (err) {
        throw new ConfigError(`${databasePath}: cannot open the database (${(err as Error).message})`);
      }
      try {
        const problems = danglingReferences(db, config);
        if (problems.length > 0) throw new ConfigError(problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'));
      } finally {
        closeDatabase(db);
      }
    }
    const counts = [count(config.users.length, 'user'), count(config.rotations.length, 'rotation'), count(config.escalation_policies.length, 'escalation policy'), count(config.services.length, 'service')];
    console.log(`${file}: ok (${counts.join(', ').replace('policys', 'policies')})`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 1;
  }
}

function main(argv: string[]): number {
  const [command, ...args] = argv;
  switch (command) {
    case 'check-config':
      return checkConfig(args);
    case 'config-schema':
      console.log(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
