/** The throwaway PostgreSQL cluster lives in devtools/ (the bench uses it too); the tests import it from here. */
export { createDatabase, type PostgresCluster, postgresAvailable, startPostgresCluster } from '../../devtools/postgres.js';
