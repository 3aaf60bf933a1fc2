import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/slack/views/help.js';
import { ADA, BOB, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('App Home, help and metrics', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: TEST_CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const published = () => h.slack.standin.calls.filter((c) => c.method === 'views.publish' && (c.response as { ok: boolean }).ok);

  it('the App Home shows who is on call, my next shifts and the incidents paging me', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA);
    expect(await h.slack.event({ type: 'app_home_opened', user: ADA, channel: 'D0ADA00001', tab: 'home' })).toBe(200);
    await h.slack.standin.waitFor(() => published().length === 1);
    const view = JSON.stringify(published()[0]!.args.view);
    expect(published()[0]!.args.user_id).toBe(ADA);
    expect(view).toContain(`*Payments primary*: <@${ADA}>`);
    expect(view).toContain('My next shifts');
    expect(view).toContain('Mon 30 Nov 09:00 GMT+1'); // Ada's next week, in her zone (Berlin)
    expect(view).toContain('Open incidents paging me (1)');
    expect(view).toContain('5xx ratio');

    // Bob has no incidents paging him.
    await h.slack.event({ type: 'app_home_opened', user: BOB, channel: 'D0BOB00002', tab: 'home' });
    await h.slack.standin.waitFor(() => published().length === 2);
    expect(JSON.stringify(published()[1]!.args.view)).toContain('Open incidents paging me (0)');
  });

  it('/oncall alone summarises; help explains each command; a typo gets a suggestion', async () => {
    const summary = await h.slack.command(ADA, '');
    expect(summary.text).toContain('Payments primary');
    expect(summary.text).toContain('Your next shift: *Payments primary*');
    for (const c of SUBCOMMANDS) {
      const help = await h.slack.command(BOB, `help ${c.name}`);
      expect(help.text).toContain(c.usage);
    }
    expect((await h.slack.command(BOB, 'schedul')).text).toContain('Did you mean `/oncall schedule`?');
    expect((await h.slack.command(BOB, 'overide')).text).toContain('Did you mean `/oncall override`?');
    expect((await h.slack.command(BOB, 'zzzzzzzz')).text).not.toContain('Did you mean');
  });

  it('/metrics is Prometheus text whose counters move with a scenario', async () => {
    const scrape = async () => {
      const res = await fetch(`${h.baton.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    const value = (text: string, metric: string) => {
      const line = text.split('\n').find((l) => l.startsWith(metric));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await scrape();
    expect(before).toMatch(/^# HELP baton_alerts_received_total/m);
    expect(value(before, 'baton_incidents{state="triggered"}')).toBe(0);

    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    const dm = await h.slack.expectDM(ADA);
    await h.advance(3);
    await dm.click('Acknowledge', { as: ADA });
    await dm.waitForUpdate(/Acknowledged/);
    const after = await scrape();
    expect(value(after, 'baton_alerts_received_total{source="alertmanager",outcome="opened"}')).toBe(1);
    expect(value(after, 'baton_incidents{state="acknowledged"}')).toBe(1);
    expect(value(after, 'baton_notifications_sent_total{kind="slack.page"}')).toBe(1);
    expect(value(after, 'baton_time_to_acknowledge_seconds_count')).toBe(1);
    expect(value(after, 'baton_time_to_acknowledge_seconds_sum')).toBe(180);
    // Every line is a comment or "name{labels} value".
    for (const line of after.split('\n').filter(Boolean)) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+-]+|\w+(\{[^}]*\})? (NaN|[+-]Inf))$/);
  });

  it('/oncall stats on a seeded history', async () => {
    const group = (name: string) => {
      const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as { groupKey: string; alerts: { fingerprint: string }[] };
      body.groupKey = `{}:{alertname="${name}"}`;
      body.alerts[0]!.fingerprint = name;
      return body;
    };
    await h.postAlertmanager(group('First'));
    const first = await h.slack.expectDM(ADA, '5xx');
    await h.advance(4);
    await first.click('Acknowledge', { as: ADA });
    await first.waitForUpdate(/Acknowledged/);
    await h.postAlertmanager(group('Second'));
    await h.slack.standin.waitFor(() => h.slack.dmsTo(ADA).length === 2);
    await h.advance(10);
    const dms = h.slack.dmsTo(ADA);
    const handle = await h.slack.expectDM(ADA, dms[1]!.text.slice(0, 40));
    await handle.click('Acknowledge', { as: ADA });
    await handle.waitForUpdate(/Acknowledged/);
    const stats = await h.slack.command(BOB, 'stats checkout 7d');
    expect(stats.text).toContain('*2* incidents in the last 7 days (Checkout)');
    expect(stats.text).toContain('Time to acknowledge: median 4.0 min, 90th percentile 10.0 min');
    expect(stats.text).toContain(`<@${ADA}>: 2 pages`);
    expect((await h.slack.command(BOB, 'stats nowhere 7d')).text).toContain('No team or service `nowhere`');
    expect((await h.slack.command(BOB, 'stats 12d')).text).toContain('Periods: 7d, 30d or 90d');
    const audit = await h.slack.command(BOB, 'audit');
    expect(audit.text).toContain(`<@${ADA}> *incident.acknowledge* incident:2`);
    expect((await h.slack.command(BOB, 'audit payments-primary')).text).toContain('*rotation.create* rotation:payments-primary');
    expect((await h.slack.command('U0STRANGER', 'audit')).text).toContain('not shown to you');
  });
});
