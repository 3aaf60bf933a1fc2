import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/client.js';
import { openPostgres, type PostgresDB } from '../../src/db/postgres.js';
import {
  escalationPolicies,
  incidentEvents,
  incidents,
  outbox,
  rotationParticipants,
  rotations,
  services,
  settings,
  teams,
  users,
} from '../../src/db/schema.js';
import { statementsOf } from '../../src/db/statements.js';
import { freshDb, sqliteOf } from '../support/db.js';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../support/postgres.js';

// CI installs Debian's postgresql; elsewhere the engine's tests run wherever it is installed.
const required = process.env.CI !== undefined;

/** One scenario, written once, run on both engines: the same builders and statements must give the same rows. */
async function scenario(db: DB) {
  await db.transaction(async (tx) => {
    await tx.insert(users).values([
      {
        id: 'U1',
        name: 'Ada',
        timeZone: 'Europe/Paris',
        source: 'config',
        updatedAt: 1,
        smsOptedOut: true,
        notificationRules: { steps: [] } as never,
      },
      { id: 'U2', name: 'Bo', timeZone: 'UTC', source: 'config', updatedAt: 1 },
    ]);
    await tx.insert(teams).values({ id: 't', name: 'T', slackChannel: 'C1', source: 'config', updatedAt: 1 } as never);
    await tx.insert(rotations).values({
      id: 'r',
      name: 'R',
      teamId: 't',
      timeZone: 'UTC',
      shiftLength: 1,
      shiftUnit: 'weeks',
      handoffTime: '09:00',
      startDate: '2026-01-05',
      source: 'config',
      updatedAt: 1,
    });
    await tx.insert(rotationParticipants).values([
      { rotationId: 'r', position: 1, userId: 'U2' },
      { rotationId: 'r', position: 0, userId: 'U1' },
    ]);
    await tx.insert(escalationPolicies).values({ id: 'p', name: 'P', repeat: 0, levels: [], source: 'config', updatedAt: 1 } as never);
    await tx.insert(services).values({ id: 's', name: 'S', teamId: 't', escalationPolicyId: 'p', source: 'config', updatedAt: 1 } as never);
  });
  const [incident] = await db.query((q) =>
    q
      .insert(incidents)
      .values({
        serviceId: 's',
        dedupKey: 'k',
        status: 'triggered',
        title: 'Disk full',
        severity: 'critical',
        source: 'alertmanager',
        labels: { a: 'b' },
        links: { runbook: null, source: null, externalUrl: null },
        policy: { id: 'p', name: 'P', repeat: 0, levels: [] } as never,
        escalationLevel: 0,
        escalationLoop: 0,
        openedAt: 1_800_000_000_000,
        updatedAt: 1_800_000_000_000,
      })
      .returning({ id: incidents.id }),
  );
  const id = incident!.id;

  // A failed transaction leaves nothing; a failed savepoint inside a transaction leaves the rest.
  await expect(
    db.transaction(async (tx) => {
      await tx.update(incidents).set({ title: 'changed' }).where(eq(incidents.id, id));
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  await db.transaction(async (tx) => {
    await tx.update(incidents).set({ severity: 'warning' }).where(eq(incidents.id, id));
    await db
      .transaction(async (inner) => {
        await inner.update(incidents).set({ title: 'lost' }).where(eq(incidents.id, id));
        throw new Error('inner');
      })
      .catch(() => {});
  });

  return db.query(async (q) => {
    const s = statementsOf(q);
    await s.insertOutbox.run({
      kind: 'slack.page',
      dedupeKey: 'page:1',
      incidentId: id,
      userId: 'U1',
      payloadJson: JSON.stringify({ to: 'U1' }),
      dueAt: 5,
      now: 5,
      priority: 0,
    });
    await s.insertOutbox.run({
      kind: 'slack.page',
      dedupeKey: 'page:1',
      incidentId: id,
      userId: 'U1',
      payloadJson: JSON.stringify({ to: 'U1' }),
      dueAt: 5,
      now: 5,
      priority: 0,
    });
    await s.insertEvent.run({
      incidentId: id,
      at: 6,
      kind: 'paged',
      actor: null,
      detailJson: JSON.stringify({ level: 1, loop: 0, users: ['U1', 'U2'] }),
    });
    await s.insertEvent.run({ incidentId: id, at: 7, kind: 'pinned', actor: 'U1', detailJson: JSON.stringify({ ts: '1.2', text: 'old' }) });
    await s.setPinnedText.run({ incidentId: id, ts: '1.2', text: 'new <b>', author: 'U2' });
    return {
      incident: (await q.select().from(incidents).where(eq(incidents.id, id)))[0],
      users: await q.select().from(users).orderBy(users.id),
      outboxRows: (await q.select({ kind: outbox.kind, payload: outbox.payload, interrupted: outbox.interrupted }).from(outbox)).length,
      status: await s.outboxStatusByKey.get({ dedupeKey: 'page:1' }),
      pending: await s.outboxPendingCount.get(),
      paged: await s.pagedUsers.get({ incidentId: id, level: 1, loop: 0 }),
      pinned: await s.pinnedEventExists.get({ incidentId: id, ts: '1.2' }),
      pinnedDetail: (await q.select({ detail: incidentEvents.detail }).from(incidentEvents).where(eq(incidentEvents.kind, 'pinned')))[0],
      rotations: await s.rotationsWithParticipants.all(),
      overrides: await s.overridesBetween.all({ from: 0, to: 10 }),
      states: await s.incidentsByState.all(),
    };
  });
}

describe.skipIf(!postgresAvailable() && !required)('PostgreSQL engine', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('migrates once when two nodes start together', async () => {
    const url = await cluster.createDatabase();
    const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
    try {
      const applied = await a.pool.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(applied.rows[0].n).toBeGreaterThan(0);
      const tables = await b.pool.query("select count(*)::int as n from information_schema.tables where table_schema = 'public'");
      expect(tables.rows[0].n).toBe(24);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("moves the admin group's members to the key every group now uses, on both engines (an upgrade)", async () => {
    // Each migration's statements, run again on a database that still holds the old row, as an upgrade finds it.
    const legacy = { key: 'admin_user_group_members', value: JSON.stringify({ group: 'S0ADMINS01', members: ['U1'], fetchedAt: 5 }) };
    const sqlOf = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8').split('--> statement-breakpoint');
    const keys = async (db: DB) => (await db.query((q) => q.select().from(settings))).map((r) => [r.key, JSON.parse(r.value).members]);
    const pg: PostgresDB = await openPostgres(await cluster.createDatabase());
    const sqlite = freshDb();
    try {
      for (const db of [pg, sqlite]) await db.query((q) => q.insert(settings).values(legacy));
      for (const statement of sqlOf('migrations-postgres/0004_user_group_members.sql')) await pg.pool.query(statement);
      for (const statement of sqlOf('migrations/0018_user_group_members.sql')) sqliteOf(sqlite).exec(statement);
      expect(await keys(pg)).toEqual([['user_group_members:S0ADMINS01', ['U1']]]);
      expect(await keys(sqlite)).toEqual([['user_group_members:S0ADMINS01', ['U1']]]);
    } finally {
      await pg.close();
      await sqlite.close();
    }
  });

  it('gives the same rows as SQLite for the same builders and statements', async () => {
    const pg: PostgresDB = await openPostgres(await cluster.createDatabase());
    const sqlite = freshDb();
    try {
      const [onPostgres, onSqlite] = [await scenario(pg), await scenario(sqlite)];
      expect(onPostgres).toEqual(onSqlite);
      // And the values are what was written, not merely equal to each other.
      expect(onPostgres.incident).toMatchObject({ title: 'Disk full', severity: 'warning', labels: { a: 'b' }, suppressed: false });
      expect(onPostgres.incident!.openedAt).toBe(1_800_000_000_000);
      expect(onPostgres.users[0]).toMatchObject({ smsOptedOut: true, notificationRules: { steps: [] } });
      expect(onPostgres.outboxRows).toBe(1);
      expect(onPostgres.status).toEqual({ status: 'pending' });
      expect(onPostgres.pending).toEqual({ n: 1 });
      expect(JSON.parse(onPostgres.paged!.users!)).toEqual(['U1', 'U2']);
      expect(onPostgres.pinned).toEqual({ found: 1 });
      expect(onPostgres.pinnedDetail!.detail).toMatchObject({ ts: '1.2', text: 'new <b>', author: 'U2' });
      expect(onPostgres.rotations[0]).toMatchObject({ id: 'r', teamId: 't', participants: 'U1,U2' });
      expect(onPostgres.states).toEqual([
        { status: 'triggered', n: 1 },
        { status: 'resolved', n: 0 },
      ]);
    } finally {
      await pg.close();
      await sqlite.close();
    }
  });
});
