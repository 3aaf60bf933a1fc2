import { defineConfig } from 'drizzle-kit';

// The PostgreSQL schema is derived from the SQLite one (src/db/pg-schema.ts); its migrations live apart.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg-schema.ts',
  out: './migrations-postgres',
});
