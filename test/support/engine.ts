import { inject } from 'vitest';
import { createDatabase } from './postgres.js';

/**
 * Which engine the suite runs on: SQLite (the default), or PostgreSQL with TEST_ENGINE=postgres, where
 * test/support/global-setup.ts starts one throwaway cluster for the run and every harness gets a database of
 * its own on it.
 */
export const testEngine: 'sqlite' | 'postgres' = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh PostgreSQL database for one harness, or undefined on SQLite. */
export async function testDatabaseUrl(): Promise<string | undefined> {
  if (testEngine === 'sqlite') return undefined;
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) throw new Error('TEST_ENGINE=postgres, but no cluster was started (test/support/global-setup.ts)');
  return createDatabase(adminUrl);
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | undefined;
  }
}
