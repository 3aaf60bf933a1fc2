import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEST_CONFIG } from '../support/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe('start-up refuses bad settings with one line that names the problem', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', PORT: '0', LOG_LEVEL: 'silent' };

  it('a malformed variable', () => {
    const result = start({ ...slack, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Invalid environment variable PORT: expected a port number 0-65535');
  });

  it('a missing variable', () => {
    const result = start({ SLACK_BOT_TOKEN: 'xoxb-1-2-3' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Invalid environment variable SLACK_SIGNING_SECRET: is required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  });

  it('a bad config file: file, path and problem, and nothing applied', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-startup-'));
    const configPath = join(dir, 'baton.yml');
    writeFileSync(configPath, TEST_CONFIG.replace('handoff_time: "09:00"', 'handoff_time: "9am"'));
    const dbPath = join(dir, 'baton.sqlite');
    const result = start({ ...slack, BATON_CONFIG: configPath, DATABASE_PATH: dbPath });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${configPath}: rotations[0].handoff_time: expected a local time as HH:MM`);
  });
});
