import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEV_ONLY_LINE =
  'The demo needs the development dependencies: run npm ci; to run the real bot set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README).';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function run(dir: string, args: string[]) {
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

/**
 * `npm run build` (tsconfig.build.json) into a temporary checkout: dist/ is what production runs, so it holds
 * no stand-in or demo code; the demo is loaded from devtools/ through tsx, only in demo mode.
 */
describe('the production build', () => {
  let dir: string;
  let dist: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-build-'));
    dist = join(dir, 'dist');
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dist], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(built.status, built.stdout + built.stderr).toBe(0);
  }, 130_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no stand-in or demo code, and loads none of it with an import', () => {
    const built = files(dist).map((f) => relative(dist, f));
    expect(built).toContain('main.js');
    expect(built.filter((f) => f.includes('devtools'))).toEqual([]);
    const withStandIns = built.filter((f) => /SlackStandIn|TwilioStandIn|postToSlackEndpoint/.test(readFileSync(join(dist, f), 'utf8')));
    expect(withStandIns).toEqual([]);
    const importsDevtools = built.filter((f) => /(?:from\s*|import\s*\(?\s*)['"][^'"]*devtools/.test(readFileSync(join(dist, f), 'utf8')));
    expect(importsDevtools).toEqual([]);
    // The one way in: a path handed to tsx in demo mode.
    expect(readFileSync(join(dist, 'main.js'), 'utf8')).toContain("new URL('../devtools/demo/main.ts', import.meta.url)");
  });

  it('in a checkout with the development dependencies, node dist/main.js --demo plays the demo', () => {
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'devtools'), join(dir, 'devtools'));
    try {
      const result = run(dir, ['dist/main.js', '--demo']);
      const out = result.stdout + result.stderr;
      expect(result.code, out).toBe(0);
      const lines = out.split('\n');
      const index = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
      const story = [
        /DM to (Ada|Bob).*5xx ratio/,
        /#payments \(thread\): :arrow_up: Escalated to level 2/,
        /message updated: .*Acknowledged/,
        /message updated: .*Resolved/,
      ].map(index);
      expect(
        story.every((i, k) => i > 0 && (k === 0 || i > story[k - 1]!)),
        out,
      ).toBe(true);
      expect(out).toContain('Contract violations seen by the stand-in: none');
    } finally {
      rmSync(join(dir, 'node_modules'));
      rmSync(join(dir, 'devtools'));
    }
  }, 90_000);

  it('in a production install (no development dependencies, no devtools/), the demo is refused in one line', () => {
    // Laid out as the container image is: dist/, package.json and the production node_modules.
    const app = join(dir, 'app');
    cpSync(dist, join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    mkdirSync(join(app, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name !== 'tsx') symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
    }
    expect(run(app, ['dist/main.js', '--demo'])).toMatchObject({ code: 1, stdout: '', stderr: DEV_ONLY_LINE });
    // tsx alone is not enough: the demo itself is in devtools/, which an image or a package does not hold.
    symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(app, 'node_modules', 'tsx'));
    const result = run(app, ['dist/main.js', '--demo']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^The demo needs a Baton checkout with devtools\/ .*SLACK_BOT_TOKEN/);
  });
});
