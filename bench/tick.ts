import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, lte, sql } from 'drizzle-orm';
import { loadConfigFile } from '../src/config/file.js';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { incidents } from '../src/db/schema.js';
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
  applyConfig(db, loadConfigFile(EXAMPLE_CONFIG), { actor: 'bench', now: base });
  const policy = db.$client.prepare("select id, name, repeat, levels from escalation_policies where id = 'payments-default'").get() as {
    id: string;
    name: string;
    repeat: number;
    levels: string;
  };
  const snapshot = JSON.stringify({ id: policy.id, name: policy.name, repeat: policy.repeat, levels: JSON.parse(policy.levels) });
  const insert = db.$client.prepare(
    `insert into incidents (service_id, dedup_key, status, title, severity, source, labels, links, policy, escalation_level, escalation_loop, next_escalation_at, opened_at, updated_at)
     values ('checkout', ?, 'triggered', ?, 'critical', 'alertmanager', '{}', '{"runbook":null,"source":null,"externalUrl":null}', ?, 0, 0, ?, ?, ?)`,
  );
  // One incident falls due every second: each tick below, 100 s later, finds 1% of them due.
  db.$client.transaction(() => {
    for (let i = 0; i < open; i += 1) insert.run(`group-${i}`, `Incident ${i}`, snapshot, base + (i + 1) * 1000, base, base);
  })();
  const escalation = new EscalationService(db, clock, () => {}, { phone: false });
  const tickMs: number[] = [];
  const queryOnlyMs: number[] = [];
  let moved = 0;
  for (let t = 0; t < ticks; t += 1) {
    clock.set(base + (t + 1) * (open / 100) * 1000);
    const now = clock.now().getTime();
    // Baseline: only finding the due incidents, the least any tick must do.
    let started = performance.now();
    db.select({ id: incidents.id })
      .from(incidents)
      .where(and(sql`${incidents.status} = 'triggered'`, lte(incidents.nextEscalationAt, now)))
      .all();
    queryOnlyMs.push(performance.now() - started);
    started = performance.now();
    moved += escalation.tick();
    tickMs.push(performance.now() - started);
    // Keep exactly 1% due: incidents just escalated are pushed out of later ticks' windows.
    db.$client.prepare('update incidents set next_escalation_at = next_escalation_at + 1e12 where updated_at = ?').run(now);
  }
  closeDatabase(db);
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
