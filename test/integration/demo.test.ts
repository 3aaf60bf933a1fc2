import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The README's run command with no Slack credentials: the demo must play the whole scenario. */
describe('npm start without Slack credentials', () => {
  it('plays the demo scenario end to end and exits cleanly', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out, out).toContain('Baton demo');
    expect(code, out).toBe(0);
    const lines = out.split('\n');
    const index = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const firstDm = index(/DM to (Ada|Bob).*5xx ratio/);
    const escalated = index(/#payments \(thread\): :arrow_up: Escalated to level 2/);
    const acked = index(/message updated: .*Acknowledged/);
    const resolved = index(/message updated: .*Resolved/);
    expect(
      [firstDm, escalated, acked, resolved].every((i) => i > 0),
      out,
    ).toBe(true);
    expect(firstDm < escalated && escalated < acked && acked < resolved, out).toBe(true);
    // The phone rings where the demo says it does, and the call is shown.
    const rings = index(/the phone \(Twilio stand-in\) rings/);
    const call = index(/UTC {2}Call to Ada Lovelace/);
    expect(rings > 0 && call > rings && call < escalated, out).toBe(true);
    expect(out).toMatch(/She picks up and hears: ".*Press 1 to acknowledge/);
    // 2 + 13 + 2 + 20 minutes of virtual time, whatever the example alert's own start says.
    expect(out).toContain('Duration 37 min.');
    expect(out).toContain('0 Slack calls about the incident.');
    expect(out).toContain('Contract violations seen by the stand-in: none');
  }, 60_000);
});
