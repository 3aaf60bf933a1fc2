import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../devtools/slack/server.js';
import { postToSlackEndpoint, slashCommandBody } from '../../devtools/slack/requests.js';
import { ADA, BEARER, KEY, PEOPLE, SIGNING_SECRET, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Baton started as users start it (main.ts, with its signal handlers), logging JSON lines we can read. */
interface Running {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

async function startMain(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = async (msg: string, timeoutMs = 20_000) => {
    for (let waited = 0; waited < timeoutMs; waited += 25) {
      const hit = logs.find((l) => String(l.msg).startsWith(msg));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no log line "${msg}" within ${timeoutMs} ms; saw: ${logs.map((l) => l.msg).join(' | ')}`);
  };
  const running = await waitForLog('Baton is running');
  return { child, port: Number(running.port), logs, exited, waitForLog };
}

describe('signals: a process run as users run it', () => {
  let dir: string;
  let standin: SlackStandIn;
  let baton: Running | null = null;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-signals-'));
    standin = await SlackStandIn.start({ users: PEOPLE });
    writeFileSync(join(dir, 'baton.yml'), TEST_CONFIG);
    baton = await startMain({
      SLACK_BOT_TOKEN: 'xoxb-signals',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: standin.apiUrl,
      DATABASE_PATH: join(dir, 'baton.sqlite'),
      BATON_CONFIG: join(dir, 'baton.yml'),
    });
  });
  afterEach(async () => {
    if (baton && baton.child.exitCode === null) {
      baton.child.kill('SIGKILL');
      await baton.exited;
    }
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM during a half-sent alert: the alert is still answered 2xx and stored, and the process exits 0', async () => {
    const body = JSON.stringify(fixture('alertmanager/v0.25-firing.json').body);
    const socket = connect(baton!.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    const half = Math.floor(body.length / 2);
    socket.write(
      `POST /integrations/alertmanager/${KEY} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${BEARER}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body.slice(0, half)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    baton!.child.kill('SIGTERM');
    await baton!.waitForLog('stopping');
    await new Promise((r) => setTimeout(r, 300));
    socket.end(body.slice(half));

    expect((await answer).split('\r\n')[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(await baton!.exited).toBe(0);
    const db = new Database(join(dir, 'baton.sqlite'), { readonly: true });
    expect(db.prepare('select count(*) as n from raw_payloads where body = ?').get(body)).toEqual({ n: 1 });
    db.close();
  });

  it('SIGHUP applies a changed config file; a bad file changes nothing and is reported', async () => {
    const who = async () => {
      const responseUrl = standin.newResponseUrl();
      const res = await postToSlackEndpoint(
        `http://127.0.0.1:${baton!.port}/slack/events`,
        slashCommandBody({ userId: ADA, text: 'who', responseUrl }),
        { signingSecret: SIGNING_SECRET },
      );
      expect(res.status).toBe(200);
      const posted = await standin.waitFor(() => standin.responseUrlPosts.find((p) => responseUrl.endsWith(p.id)), 10_000);
      return JSON.stringify(posted.body);
    };
    expect(await who()).not.toContain('Search primary');

    const withSearch = TEST_CONFIG.replace(
      'escalation_policies:',
      `  - { id: search-primary, name: Search primary, team: payments, time_zone: UTC, shift: 1w, handoff_time: "09:00", start_date: "2026-11-02", participants: [${ADA}] }\nescalation_policies:`,
    );
    expect(withSearch).toContain('search-primary');
    writeFileSync(join(dir, 'baton.yml'), withSearch);
    baton!.child.kill('SIGHUP');
    expect(await baton!.waitForLog('config reloaded')).toMatchObject({ by: 'SIGHUP', created: ['rotation search-primary'] });
    expect(await who()).toContain('Search primary');

    writeFileSync(join(dir, 'baton.yml'), withSearch.replace('shift: 1w, handoff_time', 'shift: weekly, handoff_time'));
    baton!.child.kill('SIGHUP');
    const refused = await baton!.waitForLog('config not reloaded');
    expect(String((refused.problems as string[])[0])).toContain('rotations[1].shift');
    expect(await who()).toContain('Search primary');
    expect(baton!.child.exitCode).toBeNull();
  });
});
