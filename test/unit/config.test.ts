import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError, parseConfigText } from '../../src/config/file.js';
import { auditLog, integrationKeys, rotationParticipants, rotations } from '../../src/db/schema.js';
import { sha256Hex } from '../../src/security/hash.js';
import { applyConfig } from '../../src/services/admin/config-apply.js';
import { TEST_CONFIG } from '../support/config.js';
import { freshDb, sqliteOf } from '../support/db.js';

const errorOf = (text: string) => {
  try {
    parseConfigText(text, 'baton.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('config file', () => {
  it('accepts the README example and the test workspace', () => {
    const example = parseConfigText(readFileSync(new URL('../../examples/baton.yml', import.meta.url), 'utf8'), 'examples/baton.yml');
    expect(example.rotations[0]).toMatchObject({ id: 'payments-primary', shift: { length: 1, unit: 'weeks' }, handoff_time: '09:00' });
    expect(example.escalation_policies[0]!.levels.map((l) => l.delay_minutes)).toEqual([15, 15, 15]);
    expect(parseConfigText(TEST_CONFIG, 'test.yml').services).toHaveLength(1);
  });

  it('names the file, the path inside it and the problem', () => {
    expect(errorOf(TEST_CONFIG.replace('time_zone: Europe/Berlin\n    shift', 'time_zone: Europe/Berlim\n    shift'))).toBe(
      'baton.yml: rotations[0].time_zone: expected an IANA time zone such as Europe/Berlin',
    );
    expect(errorOf(TEST_CONFIG.replace('participants: [U0ADA00001, U0BOB00002]', 'participants: [U0ADA00001, U0NOBODY99]'))).toBe(
      'baton.yml: rotations[0].participants[1]: unknown user "U0NOBODY99" (declare it under users)',
    );
    expect(errorOf(TEST_CONFIG.replace('shift: 1w', 'shift: weekly'))).toContain(
      'rotations[0].shift: expected a shift length such as 12h, 1d or 1w',
    );
    expect(errorOf(TEST_CONFIG.replace('escalation_policy: payments-default', 'escalation_policy: nope'))).toContain(
      'services[0].escalation_policy: unknown escalation policy "nope"',
    );
    expect(errorOf(`${TEST_CONFIG}\nsurprise: 1\n`)).toContain('baton.yml: (top level): Unrecognized key: "surprise"');
    const withWindow = (w: string) =>
      TEST_CONFIG.replace(
        'escalation_policy: payments-default\n',
        `escalation_policy: payments-default\n    maintenance_windows:\n      - ${w}\n`,
      );
    expect(errorOf(withWindow('{ rrule: "FREQ=HOURLY", start: "02:00", duration_minutes: 60, time_zone: UTC }'))).toContain(
      'services[0].maintenance_windows[0].rrule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY',
    );
    expect(errorOf(withWindow('{ rrule: "FREQ=DAILY", start: "25:00", duration_minutes: 60, time_zone: UTC }'))).toContain(
      'services[0].maintenance_windows[0].start: expected a local time as HH:MM',
    );
    expect(
      parseConfigText(
        withWindow('{ rrule: "FREQ=WEEKLY;BYDAY=SU", start: "02:00", duration_minutes: 120, time_zone: Europe/Berlin }'),
        'baton.yml',
      ).services[0]!.maintenance_windows,
    ).toHaveLength(1);
    expect(errorOf('users: [\n')).toMatch(/^baton\.yml: /);
  });

  it('applies idempotently, stores keys hashed and audits every change', async () => {
    const db = freshDb();
    const cfg = parseConfigText(TEST_CONFIG, 'test.yml');
    const first = await applyConfig(db, cfg, { actor: 'config:test.yml', now: 1 });
    expect(first.created).toContain('rotation payments-primary');
    const audits = (await db.query((q) => q.select().from(auditLog))).length;
    expect(audits).toBe(first.created.length);

    const second = await applyConfig(db, cfg, { actor: 'config:test.yml', now: 2 });
    expect(second).toEqual({ created: [], updated: [], deleted: [], kept: [] });
    expect(await db.query((q) => q.select().from(auditLog))).toHaveLength(audits);

    const keys = await db.query((q) => q.select().from(integrationKeys));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyHash).toBe(sha256Hex('KEY123-checkout-alertmanager'));
    expect(JSON.stringify(sqliteOf(db).prepare('select * from integration_keys').all())).not.toContain('KEY123');

    const edited = parseConfigText(
      TEST_CONFIG.replace('participants: [U0ADA00001, U0BOB00002]', 'participants: [U0BOB00002, U0ADA00001]'),
      'test.yml',
    );
    const third = await applyConfig(db, edited, { actor: 'config:test.yml', now: 3 });
    expect(third.updated).toEqual(['rotation payments-primary']);
    expect(
      (await db.query((q) => q.select().from(rotationParticipants).orderBy(rotationParticipants.position))).map((p) => p.userId),
    ).toEqual(['U0BOB00002', 'U0ADA00001']);
    const audit = (await db.query((q) => q.select().from(auditLog))).at(-1)!;
    expect(audit).toMatchObject({ actor: 'config:test.yml', action: 'rotation.update', target: 'rotation:payments-primary', at: 3 });
    expect((audit.before as { participants: string[] }).participants).toEqual(['U0ADA00001', 'U0BOB00002']);

    const removed = parseConfigText(
      TEST_CONFIG.replace(/rotations:[\s\S]*?escalation_policies:/, 'escalation_policies:').replace(
        /levels:[\s\S]*?services:/,
        'levels:\n      - targets: [{ user: U0CLEO0003 }]\nservices:',
      ),
      'test.yml',
    );
    await applyConfig(db, removed, { actor: 'config:test.yml', now: 4 });
    expect(await db.query((q) => q.select().from(rotations))).toEqual([]);
  });
});

describe('environment', () => {
  it('needs nothing for the demo and defaults the rest', () => {
    expect(parseEnv({})).toMatchObject({ PORT: 3000, DATABASE_PATH: './data/baton.sqlite', LOG_LEVEL: 'info' });
  });

  it('stops with one line naming a malformed or missing variable', () => {
    expect(() => parseEnv({ PORT: 'eighty' })).toThrow('Invalid environment variable PORT: expected a port number 0-65535');
    expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxp-user' })).toThrow(
      'Invalid environment variable SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"',
    );
    expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/^Invalid environment variable SLACK_SIGNING_SECRET: is required/);
    expect(() => parseEnv({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toThrow(
      'Invalid environment variable TWILIO_AUTH_TOKEN: is required when TWILIO_ACCOUNT_SID is set',
    );
    expect(() => parseEnv({ SLACK_API_URL: 'slack.com/api' })).toThrow(/^Invalid environment variable SLACK_API_URL/);
    expect(() => parseEnv({ LOG_LEVEL: 'loud' })).toThrow(/^Invalid environment variable LOG_LEVEL: expected one of/);
  });

  it('accepts Socket Mode without a signing secret', () => {
    expect(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toMatchObject({ SLACK_APP_TOKEN: 'xapp-1' });
  });

  it('reads any secret from NAME_FILE (Docker and Kubernetes secrets); both set, or an unreadable file, is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-env-'));
    try {
      writeFileSync(join(dir, 'token'), 'xoxb-from-a-file\n');
      writeFileSync(join(dir, 'secret'), 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
      writeFileSync(join(dir, 'twilio'), 'twilio-token\r\n');
      const env = parseEnv({
        SLACK_BOT_TOKEN_FILE: join(dir, 'token'),
        SLACK_SIGNING_SECRET_FILE: join(dir, 'secret'),
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN_FILE: join(dir, 'twilio'),
        TWILIO_FROM_NUMBER: '+15551234567',
        PUBLIC_BASE_URL: 'https://baton.example.com',
      });
      expect(env).toMatchObject({
        SLACK_BOT_TOKEN: 'xoxb-from-a-file',
        SLACK_SIGNING_SECRET: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        TWILIO_AUTH_TOKEN: 'twilio-token',
      });
      expect(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_BOT_TOKEN_FILE: join(dir, 'token') })).toThrow(
        'Invalid environment variable SLACK_BOT_TOKEN_FILE: SLACK_BOT_TOKEN is set too; set one of them',
      );
      expect(() => parseEnv({ SLACK_APP_TOKEN_FILE: join(dir, 'missing') })).toThrow(
        /^Invalid environment variable SLACK_APP_TOKEN_FILE: cannot read .*missing \(ENOENT\)$/,
      );
      // A file's content is checked like the variable itself.
      expect(() => parseEnv({ SLACK_BOT_TOKEN_FILE: join(dir, 'secret') })).toThrow(
        /^Invalid environment variable SLACK_BOT_TOKEN: expected a bot token/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('layers and restrictions', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const snippet = /```yaml\n( {2}- id: payments-follow-the-sun[\s\S]*?)```/.exec(readme)![1]!;
    const withLayers = TEST_CONFIG.replace('escalation_policies:', `${snippet}escalation_policies:`);

    it('accepts the README follow-the-sun example and applies it idempotently', async () => {
      const cfg = parseConfigText(withLayers, 'baton.yml');
      const rotation = cfg.rotations.find((r) => r.id === 'payments-follow-the-sun')!;
      expect(rotation.layers[0]!.restrictions).toEqual([{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }]);
      const db = freshDb();
      await applyConfig(db, cfg, { actor: 'config:test.yml', now: 1 });
      const second = await applyConfig(db, cfg, { actor: 'config:test.yml', now: 2 });
      expect(second).toEqual({ created: [], updated: [], deleted: [], kept: [] });
      const stored = (await db.query((q) => q.select().from(rotations))).find((r) => r.id === 'payments-follow-the-sun')!;
      expect(stored.layers).toMatchObject([
        { timeZone: 'Asia/Kolkata', participants: ['U0CLEO0003'], restrictions: [{ days: [1, 2, 3, 4, 5] }] },
      ]);
    });

    it('reads weekday ranges, including ones that wrap past Sunday', () => {
      const cfg = parseConfigText(withLayers.replace('[mon-fri]', '[fri-mon, wed]'), 'baton.yml');
      expect(cfg.rotations[1]!.layers[0]!.restrictions![0]!.days).toEqual([1, 3, 5, 6, 7]);
    });

    it('names bad weekdays, times and layer participants', () => {
      expect(errorOf(withLayers.replace('[mon-fri]', '[monday]'))).toContain(
        'rotations[1].layers[0].restrictions[0].days[0]: expected a weekday such as mon',
      );
      expect(errorOf(withLayers.replace('end: "17:00"', 'end: "25:00"'))).toContain(
        'rotations[1].layers[0].restrictions[0].end: expected a local time as HH:MM',
      );
      expect(errorOf(withLayers.replace('participants: [U0CLEO0003]', 'participants: [U0NOBODY99]'))).toContain(
        'rotations[1].layers[0].participants[0]: unknown user "U0NOBODY99"',
      );
      expect(errorOf(TEST_CONFIG.replace('name: Ada Lovelace,', 'name: Ada Lovelace, role: boss,'))).toContain('users[0].role');
    });
  });
});
