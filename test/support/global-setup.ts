import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.js';

/** With TEST_ENGINE=postgres: one throwaway PostgreSQL cluster for the whole run (see engine.ts). */
export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TEST_ENGINE !== 'postgres') {
    project.provide('postgresAdminUrl', undefined);
    return () => {};
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
