import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, BOB, DAN } from '../support/config.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('/oncall over signed Slack requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it("who answers privately with the on-call and the shift end in the asker's zone (from the config)", async () => {
    // Ada's shift: Mon 16 Nov 09:00 Berlin until Mon 23 Nov 09:00 Berlin (08:00 UTC).
    const answer = await h.slack.command(BOB, 'who');
    expect(answer.body.response_type).toBe('ephemeral');
    expect(answer.text).toContain(`Payments primary: <@${ADA}> until Mon 23 Nov 02:00 CST, secondary <@${BOB}>`);
  });

  it('who uses the Slack profile zone for people Baton does not know', async () => {
    const answer = await h.slack.command(DAN, 'who');
    expect(answer.text).toContain('until Mon 23 Nov 04:30 GMT-3:30');
    expect(h.slack.standin.calls.some((c) => c.method === 'users.info' && c.args.user === DAN)).toBe(true);
  });

  it('help lists the commands; an unknown subcommand says so and shows help', async () => {
    const help = await h.slack.command(ADA, 'help');
    expect(help.text).toContain('/oncall who');
    expect(help.text).toContain('/oncall help');
    const unknown = await h.slack.command(ADA, 'frobnicate now');
    expect(unknown.text).toContain('Unknown subcommand `frobnicate`');
    expect(unknown.text).toContain('/oncall who');
  });

  it('healthz reports the database and the Slack connection', async () => {
    const ok = await fetch(`${h.baton.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', database: { ok: true }, slack: { ok: true, mode: 'http' } });
    h.slack.standin.setDown(true);
    h.clock.advanceMinutes(1); // past the 30 s cache of the last Slack check
    const down = await fetch(`${h.baton.url}/healthz`);
    h.slack.standin.setDown(false);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unhealthy', database: { ok: true }, slack: { ok: false } });
  });
});
