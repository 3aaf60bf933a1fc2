import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, lte, sql } from 'drizzle-orm';
import { loadConfigFile } from '../src/config/file.js';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { escalationPolicies, incidents } from '../src/db/schema.js';
import { ManualClock } from '../src/domain/clock.js';
import { applyConfig } from '../src/services/admin/config-apply.js';
import { EscalationService } from '../src/services/incidents/escalation.js';
import { percentile } from './lib/load.js';
import { EXAMPLE_CONFIG } from './lib/workspace.js';

/** One escalation tick with `open` open incidents of which 1% are due, on a real database file. */
export async function benchTick(open = 10_000, ticks = 30) {
  const dir = mkdtempSync(join(tmpdir(), 'baton-tick-'));
  const db = openDatabase(join(dir, 'baton.sqlite'));
  const clock = new ManualClock('2026-11-18T10:00:00Z');
  const base = clock.now().getTime();
  await applyConfig(db, loadConfigFile(EXAMPLE_CONFIG), { actor: 'bench', now: base });
  const [policy] = await db.query(async (q) =>
    q
      .select({
        id: escalationPolicies.id,
        name: escalationPolicies.name,
        repeat: escalationPolicies.repeat,
        levels: escalationPolicies.levels,
      })
      .from(escalationPolicies)
      .where(eq(escalationPolicies.id, 'payments-default'))
      .limit(1),
  );
  const snapshot = { id: policy!.id, name: policy!.name, repeat: policy!.repeat, levels: policy!.levels };
  // One incident falls due every second: each tick below, 100 s later, finds 1% of them due.
  await db.transaction(async (tx) => {
    for (let i = 0; i < open; i += 1)
      await tx.insert(incidents).values({
        serviceId: 'checkout',
        dedupKey: `group-${i}`,
        status: 'triggered',
        title: `Incident ${i}`,
        severity: 'critical',
        source: 'alertmanager',
        labels: {},
        links: { runbook: null, source: null, externalUrl: null },
        policy: snapshot,
        escalationLevel: 0,
        escalationLoop: 0,
        nextEscalationAt: base + (i + 1) * 1000,
        openedAt: base,
        updatedAt: base,
      });
  });
  const escalation = new EscalationService(db, clock, () => {}, { phone: false });
  const tickMs: number[] = [];
  const queryOnlyMs: number[] = [];
  let moved = 0;
  for (let t = 0; t < ticks; t += 1) {
    clock.set(base + (t + 1) * (open / 100) * 1000);
    const now = clock.now().getTime();
    // Baseline: only finding the due incidents, the least any tick must do.
    let started = performance.now();
    await db.query(async (q) =>
      q
        .select({ id: incidents.id })
        .from(incidents)
        .where(and(sql`${incidents.status} = 'triggered'`, lte(incidents.nextEscalationAt, now))),
    );
    queryOnlyMs.push(performance.now() - started);
    started = performance.now();
    moved += await escalation.tick();
    tickMs.push(performance.now() - started);
    // Keep exactly 1% due: incidents just escalated are pushed out of later ticks' windows.
    await db.query(async (q) => {
      await q
        .update(incidents)
        .set({ nextEscalationAt: sql`${incidents.nextEscalationAt} + 1e12` })
        .where(eq(incidents.updatedAt, now));
    });
  }
  await closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
  tickMs.sort((a, b) => a - b);
  queryOnlyMs.sort((a, b) => a - b);
  return {
    openIncidents: open,
    duePerTick: moved / ticks,
    medianTickMs: percentile(tickMs, 50),
    p95TickMs: percentile(tickMs, 95),
    baselineQueryOnlyMs: percentile(queryOnlyMs, 50),
  };
}
