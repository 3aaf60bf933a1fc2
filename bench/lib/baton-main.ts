import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlackStandIn, type RateLimitOptions } from '../../devtools/slack/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Which Baton the bench starts (BENCH_BATON):
 * - `build` (default): `tsc -p tsconfig.build.json` of the current src/ into a private install (its own
 *   dist/, with the repository's migrations, migrations-postgres, node_modules and package.json linked
 *   beside it), run as
 *   `node dist/main.js`: what `npm run build && npm start` runs, without touching the repository's dist/.
 * - `dist`: the repository's dist/main.js as it is (run `npm run build` first).
 * - `src`: `node --import tsx src/main.ts`, the same entry uncompiled.
 */
type Mode = 'build' | 'dist' | 'src';

let built: { main: string; cwdRoot: string } | null = null;
const installs: string[] = [];

/** The command that starts Baton, built once per bench run. */
export function batonEntry(): { args: string[]; describe: string } {
  const mode = (process.env.BENCH_BATON ?? 'build') as Mode;
  if (mode === 'src') return { args: ['--import', 'tsx', join(ROOT, 'src/main.ts')], describe: 'node --import tsx src/main.ts' };
  if (mode === 'dist') {
    const main = join(ROOT, 'dist/main.js');
    if (!existsSync(main)) throw new Error('BENCH_BATON=dist: dist/main.js is missing; run npm run build first');
    return { args: [main], describe: 'node dist/main.js (the repository build)' };
  }
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bench-install-'));
    installs.push(dir);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const started = performance.now();
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (!existsSync(join(dir, 'dist/main.js'))) throw new Error(`building Baton failed:\n${result.stdout}${result.stderr}`);
    // Type errors still emit JavaScript; say so, since src/ may be mid-change.
    if (result.status !== 0)
      console.warn(`warning: tsc reported errors (JavaScript was emitted and is benchmarked):\n${result.stdout.slice(0, 2000)}`);
    // dist/ finds its migrations (SQLite's and PostgreSQL's) and package.json at ../ (as in the repository) and
    // its dependencies above it.
    symlinkSync(join(ROOT, 'migrations'), join(dir, 'migrations'));
    symlinkSync(join(ROOT, 'migrations-postgres'), join(dir, 'migrations-postgres'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    built = { main: join(dir, 'dist/main.js'), cwdRoot: dir };
    console.error(`built Baton in ${((performance.now() - started) / 1000).toFixed(1)} s into ${dir}`);
  }
  return { args: [built.main], describe: 'node dist/main.js (compiled from the current src/ with tsconfig.build.json)' };
}

/** Removes the private build (call once at the end of the bench). */
export function removeBuild(): void {
  for (const dir of installs.splice(0)) rmSync(dir, { recursive: true, force: true });
  built = null;
}

export interface BatonMain {
  process: ChildProcess;
  port: number;
  url: string;
  standin: SlackStandIn;
  dir: string;
  dbPath: string;
  logPath: string;
  configPath: string;
  /** POST target for the example config's Alertmanager integration (key and bearer of examples/baton.yml). */
  ingestUrl: string;
  /** Peak resident memory of the Baton process so far, in MB (VmHWM). */
  peakRssMb(): number;
  /** Resident memory now, in MB. */
  rssMb(): number;
  /** What Baton logged so far: lines, and the most common messages of level warn and above. */
  logSummary(): { lines: number; warnings: Record<string, number> };
  /** SIGTERM, as an orchestrator stops it; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Stops Baton and the stand-in and removes the working directory. */
  close(): Promise<void>;
}

export const CHECKOUT_KEY = 'change-me-checkout-key';
export const CHECKOUT_BEARER = 'change-me-bearer';

/**
 * Baton started as users start it: its own process, `node dist/main.js`, configured by environment variables
 * and a config file, logging at `info` (LOG_LEVEL, default info) to a file, against a Slack stand-in in this
 * process that enforces Slack's rate limits (unless `rateLimits: false`).
 */
export async function startBatonMain(opts: {
  configYaml: string;
  channels?: Record<string, string>;
  rateLimits?: RateLimitOptions | false;
  env?: Record<string, string>;
  dbPath?: string;
  standin?: SlackStandIn;
}): Promise<BatonMain> {
  const entry = batonEntry();
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const dbPath = opts.dbPath ?? join(dir, 'baton.sqlite');
  const configPath = join(dir, 'baton.yml');
  const logPath = join(dir, 'baton.log');
  writeFileSync(configPath, opts.configYaml);
  mkdirSync(join(dir, 'run'), { recursive: true });
  const tolerance = { toleranceMs: Number(process.env.BENCH_SLACK_TOLERANCE_MS ?? 0) };
  const standin = opts.standin ?? (await SlackStandIn.start(opts.rateLimits === false ? {} : { rateLimits: opts.rateLimits ?? tolerance }));
  for (const [id, name] of Object.entries(opts.channels ?? {})) standin.addChannel(id, name);

  const start = async () => {
    const log = openSync(logPath, 'a');
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each Baton process, written there when it stops.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...profile, ...entry.args], {
      // An empty working directory: no .env is read, and paths are the ones given here.
      cwd: join(dir, 'run'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'production',
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        SLACK_API_URL: standin.apiUrl,
        PORT: '0',
        DATABASE_PATH: dbPath,
        BATON_CONFIG: configPath,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
        ...(opts.env ?? {}),
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const port = await new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`Baton did not start within 60 s; log: ${logPath}`)), 60_000);
      const poll = setInterval(() => {
        const line = readFileSync(logPath, 'utf8')
          .split('\n')
          .find((l) => l.includes('Baton is running'));
        if (!line) return;
        clearInterval(poll);
        clearTimeout(timeout);
        resolve((JSON.parse(line) as { port: number }).port);
      }, 50);
      child.once('exit', (code) => {
        clearInterval(poll);
        clearTimeout(timeout);
        reject(new Error(`Baton exited with ${code} before listening:\n${readFileSync(logPath, 'utf8').slice(-3000)}`));
      });
    });
    return { child, port };
  };
  const { child, port } = await start().catch(async (err: unknown) => {
    if (!opts.standin) await standin.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const status = (field: string) => {
    try {
      const text = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024;
    } catch {
      return NaN;
    }
  };
  let peakAtExit = NaN;
  const under: BatonMain = {
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    standin,
    dir,
    dbPath,
    logPath,
    configPath,
    ingestUrl: `http://127.0.0.1:${port}/integrations/alertmanager/${CHECKOUT_KEY}`,
    peakRssMb: () => (child.exitCode === null && child.signalCode === null ? status('VmHWM') : peakAtExit),
    rssMb: () => status('VmRSS'),
    logSummary: () => {
      const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean);
      const warnings: Record<string, number> = {};
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string };
          if ((entry.level ?? 0) >= 40) warnings[entry.msg ?? '?'] = (warnings[entry.msg ?? '?'] ?? 0) + 1;
        } catch {
          warnings['(not JSON)'] = (warnings['(not JSON)'] ?? 0) + 1;
        }
      }
      return { lines: lines.length, warnings };
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        peakAtExit = status('VmHWM');
        child.kill('SIGTERM');
      }
      await exited;
    },
    close: async () => {
      await under.stop();
      if (!opts.standin) await standin.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return under;
}
