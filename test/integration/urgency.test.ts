import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidentEvents, incidents } from '../../src/db/schema.js';
import { ADA, BOB, GENERIC_KEY, SOURCES_CONFIG, TEAM_CHANNEL } from '../support/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const CONFIG = SOURCES_CONFIG.replace(
  '  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1 }',
  '  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1, working_hours: { time_zone: Europe/Berlin, days: [mon-fri], start: "09:00", end: "17:00" } }',
).replace(
  '    escalation_policy: payments-default\n',
  '    escalation_policy: payments-default\n    routing:\n      - { match: { alertname: "~Info.*" }, urgency: info }\n      - { match: { severity: warning }, urgency: low }\n      - { match: { tier: batch }, urgency: low }\n',
);

describe('urgency, working hours and maintenance', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain('working_hours');
    expect(CONFIG).toContain('routing:');
    h = await startHarness({ config: CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  let n = 0;
  const send = async (summary: string, severity = 'critical', labels: Record<string, string> = {}) => {
    n += 1;
    const res = await fetch(`${h.baton.url}/integrations/generic/${GENERIC_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ summary, severity, dedup_key: `k${n}`, labels }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { incident_id: number }).incident_id;
  };
  const incident = async (id: number) =>
    (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.id, id)).limit(1)))[0]!;
  const events = async (id: number) =>
    (await h.baton.db.query((q) => q.select().from(incidentEvents).where(eq(incidentEvents.incidentId, id)))).map((e) => e.kind);

  it('low urgency in working hours: a channel post and a Slack DM, no phone; outside them it waits for 09:00', async () => {
    const day = await send('Cache hit rate low', 'warning');
    expect((await incident(day)).urgency).toBe('low');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Cache hit rate low');
    await h.slack.expectDM(ADA, 'Cache hit rate low');

    h.clock.set('2026-11-18T18:00:00Z'); // 19:00 in Berlin
    const night = await send('Disk 80% on log host', 'warning');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Disk 80% on log host');
    await h.baton.drain();
    expect(h.slack.dmsTo(ADA).filter((m) => m.text.includes('Disk 80%'))).toHaveLength(0);
    expect(await events(night)).toContain('deferred');
    for (let m = 0; m < 60; m += 1) await h.advance(10);
    expect(h.slack.dmsTo(ADA).filter((m) => m.text.includes('Disk 80%'))).toHaveLength(0);
    h.clock.set('2026-11-19T08:00:02Z'); // 09:00 in Berlin
    await h.baton.tick();
    await h.slack.expectDM(ADA, 'Disk 80% on log host');
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);
  });

  it('a low-urgency incident waiting for working hours says so on its card, shows its urgency, and the card changes when the page goes out', async () => {
    h.clock.set('2026-11-18T18:00:00Z'); // 19:00 in Berlin
    // Critical by its sender, low by the service's routing: the card must not read as a critical page.
    await send('Nightly export slow', 'critical', { tier: 'batch' });
    const card = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Nightly export slow');
    const nineInBerlin = Date.parse('2026-11-19T08:00:00Z');
    expect(card.text).toMatch(/^\[LOW URGENCY\] #1 /);
    expect(card.text).toContain('waiting for working hours');
    expect(card.rendered).toContain(`<!date^${nineInBerlin / 1000}^`);
    expect(card.rendered).not.toContain('escalates');
    expect(card.rendered).not.toContain('level 1 of');

    h.clock.set('2026-11-19T08:00:02Z');
    await h.baton.tick();
    await h.slack.expectDM(ADA, 'Nightly export slow');
    await card.waitForUpdate(/Triggered/);
    expect(card.text).not.toContain('waiting for working hours');
    expect(card.rendered).toContain(`paging <@${ADA}>`);
    expect(card.rendered).not.toContain('escalates');
  });

  it('info urgency is recorded only; high urgency pages as always', async () => {
    const info = await send('InfoDeploy finished', 'critical', { alertname: 'InfoDeploy' });
    expect(await incident(info)).toMatchObject({ urgency: 'info', status: 'triggered', nextEscalationAt: null });
    expect(await events(info)).toContain('suppressed');
    const high = await send('Checkout down');
    await h.slack.expectDM(ADA, 'Checkout down');
    expect((await incident(high)).urgency).toBe('high');
    expect(h.slack.standin.messages().some((m) => m.text.includes('InfoDeploy'))).toBe(false);
  });

  it('a maintenance window suppresses paging; alerts are still recorded and shown as suppressed', async () => {
    const start = await h.slack.command(BOB, 'maintenance checkout 1h');
    expect(start.text).toContain('*Checkout* is in maintenance until');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${BOB}> started maintenance on *Checkout*`);
    expect((await h.slack.command(BOB, 'maintenance checkout forever')).text).toContain('Give a duration such as 30m');
    expect((await h.slack.command(BOB, 'maintenance nope 1h')).text).toContain('No service `nope`');

    const quiet = await send('Checkout restarting');
    expect(await incident(quiet)).toMatchObject({ suppressed: true });
    expect(await events(quiet)).toContain('suppressed');
    await h.advance(20);
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);

    expect((await h.slack.command(BOB, 'maintenance checkout end')).text).toContain('ended');
    await send('Checkout down for real');
    await h.slack.expectDM(ADA, 'Checkout down for real');
  });

  it('two people ending the same maintenance at once end it once: one is told it ended, one audit entry', async () => {
    await h.slack.command(BOB, 'maintenance checkout 1h');
    const [first, second] = await Promise.all([
      h.slack.command(BOB, 'maintenance checkout end'),
      h.slack.command(ADA, 'maintenance checkout end'),
    ]);
    expect([first.text, second.text].filter((t) => t.includes('ended')).length).toBe(1);
    expect([first.text, second.text].filter((t) => t.includes('was not in maintenance')).length).toBe(1);
    const ends = await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'maintenance.end')));
    expect(ends).toHaveLength(1);
  });

  it('recurring maintenance from the config file (an RRULE, a local start, a duration) suppresses paging in every occurrence', async () => {
    await h.stop();
    // Every weekday 10:30–12:30 Berlin; the test starts Wednesday 11:00 Berlin (10:00 UTC), inside it.
    const config = CONFIG.replace(
      '    escalation_policy: payments-default\n',
      '    escalation_policy: payments-default\n    maintenance_windows:\n      - { rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", start: "10:30", duration_minutes: 120, time_zone: Europe/Berlin }\n',
    );
    h = await startHarness({ config });
    const quiet = await send('Nightly batch restarting');
    expect(await incident(quiet)).toMatchObject({ suppressed: true });
    expect(await events(quiet)).toContain('suppressed');
    const overview = await h.slack.command(BOB, 'maintenance');
    expect(overview.text).toContain('*Checkout* (`checkout`): :construction: in maintenance until');
    expect(overview.text).toContain('recurring: every weekday at 10:30 for 120 min (Europe/Berlin)');
    await h.advance(20);
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);

    // 12:30 Berlin: the window is over and pages flow again.
    await h.advance(71);
    await send('Checkout down for real');
    await h.slack.expectDM(ADA, 'Checkout down for real');
    expect((await h.slack.command(BOB, 'maintenance')).text).toContain('*Checkout* (`checkout`): paging normally');
  });
});
