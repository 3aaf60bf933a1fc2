import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** `baton backup`, in its own process, as an operator or a cron job runs it beside Baton. */
function backup(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

/** One alert group per payload, each its own fingerprint. */
function alert(n: number): unknown {
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as { groupKey: string; alerts: { fingerprint: string }[] };
  body.groupKey = `{}:{alertname="Backup${n}"}`;
  body.alerts = body.alerts.slice(0, 1);
  body.alerts[0]!.fingerprint = `backup-${n}`;
  return body;
}

describe('baton backup', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('takes a consistent copy during a 300-alert burst: integrity_check ok, every alert answered before it began is in it', async () => {
    const answered: string[] = [];
    const statuses: number[] = [];
    let backupStarted: string[] | null = null;
    let backupRun: ReturnType<typeof backup> | null = null;
    const target = join(h.dir, 'copy.sqlite');
    for (let n = 0; n < 300; n += 10) {
      const batch = Array.from({ length: 10 }, (_, i) => n + i);
      const results = await Promise.all(batch.map(async (i) => ({ i, status: (await h.postAlertmanager(alert(i))).status })));
      for (const r of results) {
        statuses.push(r.status);
        if (r.status === 200) answered.push(`backup-${r.i}`);
      }
      // Half-way through the burst the backup starts, and the burst goes on while it runs.
      if (n === 150) {
        backupStarted = [...answered];
        backupRun = backup(target, '--database', h.dbPath);
      }
    }
    const result = await backupRun!;
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('integrity_check ok');
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const inCopy = new Set((copy.prepare('select fingerprint from alerts').all() as { fingerprint: string }[]).map((r) => r.fingerprint));
    copy.close();
    expect(backupStarted!.length).toBeGreaterThanOrEqual(150);
    expect(backupStarted!.filter((f) => !inCopy.has(f))).toEqual([]);

    // A backup never overwrites a file.
    expect(await backup(target, '--database', h.dbPath)).toMatchObject({
      code: 1,
      err: `${target}: already exists; a backup never overwrites a file\n`,
    });
  });
});
