import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlackStandIn } from '../../devtools/slack/server.js';
import { forkServer, type Child } from './processes.js';

/** The README's example config: service checkout, Alertmanager key and bearer below. */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/baton.yml', import.meta.url));
export const KEY = 'change-me-checkout-key';
export const BEARER = 'change-me-bearer';
export const TEAM_CHANNEL = 'C0PAYMENTS1';

export interface BatonUnderTest {
  baton: Child;
  standin: SlackStandIn;
  dir: string;
  dbPath: string;
  ingestUrl: string;
  /** Peak resident memory of the Baton process so far, in MB (VmHWM). */
  peakRssMb(): number;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Baton in its own process (bench/servers/baton.ts) on a fresh database file, with the Slack stand-in in this
 * process: for the crash tests. The bench starts `node dist/main.js` instead (baton-main.ts).
 */
export async function startBatonProcess(env: Record<string, string> = {}): Promise<BatonUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const dbPath = join(dir, 'baton.sqlite');
  const standin = await SlackStandIn.start();
  standin.addChannel(TEAM_CHANNEL, 'payments');
  const childEnv = { BENCH_DB: dbPath, BENCH_CONFIG: EXAMPLE_CONFIG, BENCH_SLACK_API_URL: standin.apiUrl, ...env };
  const under: BatonUnderTest = {
    baton: await forkServer('baton.ts', childEnv),
    standin,
    dir,
    dbPath,
    get ingestUrl() {
      return `${under.baton.url}/integrations/alertmanager/${KEY}`;
    },
    peakRssMb() {
      const status = readFileSync(`/proc/${under.baton.process.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    async restart() {
      under.baton = await forkServer('baton.ts', childEnv);
    },
    async stop() {
      await under.baton.stop();
      await standin.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return under;
}

export function readExampleConfig(): string {
  return readFileSync(EXAMPLE_CONFIG, 'utf8');
}
