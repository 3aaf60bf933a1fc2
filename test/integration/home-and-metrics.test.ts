import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/slack/views/help.js';
import { escapeMrkdwn } from '../../src/slack/views/format.js';
import { eq } from 'drizzle-orm';
import { auditLog, incidents, overrides } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEST_CONFIG } from '../support/config.js';
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
    expect(summary.text).toContain('You are on call now: *Payments primary*');
    for (const c of SUBCOMMANDS) {
      const help = await h.slack.command(BOB, `help ${c.name}`);
      expect(help.text).toContain(escapeMrkdwn(c.usage));
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
    // Which build runs, and the process's own figures, as every exporter gives them.
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(before).toContain(`baton_build_info{version="${version}",node="${process.version}"} 1`);
    expect(value(before, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(before).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
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
    for (const line of after.split('\n').filter(Boolean))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+-]+|\w+(\{[^}]*\})? (NaN|[+-]Inf))$/);
  });

  it('/oncall stats on a seeded history', async () => {
    const group = (name: string) => {
      const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as {
        groupKey: string;
        alerts: { fingerprint: string }[];
      };
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
    expect(stats.text).toContain('*2 incidents* in the last 7 days (Checkout)');
    expect(stats.text).toContain('Time to acknowledge: median 4.0 min, 90th percentile 10.0 min');
    expect(stats.text).toContain(`<@${ADA}>: 2 pages`);
    expect((await h.slack.command(BOB, 'stats nowhere 7d')).text).toContain('No team or service `nowhere`');
    expect((await h.slack.command(BOB, 'stats 12d')).text).toContain('Periods: 7d, 30d or 90d');
    const audit = await h.slack.command(BOB, 'audit');
    expect(audit.text).toContain(`<@${ADA}> *acknowledged incident* #2`);
    expect((await h.slack.command(BOB, 'audit payments-primary')).text).toContain('*created rotation* `payments-primary`');
    expect((await h.slack.command('U0STRANGER', 'audit')).text).toContain('not shown to you');
  });

  it('App Home buttons act on incidents; a click that changes nothing is answered privately', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    const dm = await h.slack.expectDM(ADA, '5xx ratio');
    const home = await h.slack.openHome(ADA);
    expect(home.buttonsByBlock.home_quick).toEqual([
      'Take the pager',
      'Request cover',
      'Time off',
      'My changes',
      'Page someone',
      'Declare incident',
    ]);
    expect(home.buttonsByBlock.home_incident_1).toEqual(['Acknowledge', 'Escalate', 'Resolve']);

    // Ada's Home still shows "Acknowledge" after she acknowledged from the DM: pressing it says why nothing happens.
    await dm.click('Acknowledge', { as: ADA });
    await dm.waitForUpdate(/Acknowledged/);
    const before = home.publishes;
    await home.click('Acknowledge', { block: 'home_incident_1' });
    const notice = await h.slack.expectModal(ADA, 'Baton');
    expect(notice.rendered).toContain('Nothing to do: incident #1 was not acknowledged again');
    await home.waitForPublish(before);
    expect(home.buttonsByBlock.home_incident_1).toEqual(['Escalate', 'Resolve']);

    // Resolve from the Home works, and the incident leaves it.
    const again = home.publishes;
    await home.click('Resolve', { block: 'home_incident_1' });
    await home.waitForPublish(again);
    expect(home.rendered).toContain('Open incidents paging me (0)');
    await dm.waitForUpdate(/Resolved/);

    // A quick action someone Baton does not know may not use is refused in a notice, not a DM.
    h.slack.standin.addUser('U0VISITOR01', { name: 'Visitor', tz: 'UTC' });
    const visitorHome = await h.slack.openHome('U0VISITOR01');
    await visitorHome.click('Take the pager');
    expect((await h.slack.expectModal('U0VISITOR01', 'Baton')).rendered).toContain('Baton does not know you');
    expect(h.slack.dmsTo('U0VISITOR01')).toEqual([]);
  });

  it('"Page someone" from the App Home pages that person now; unanswered, the service\'s policy takes over', async () => {
    const home = await h.slack.openHome(BOB);
    await home.click('Page someone');
    const modal = await h.slack.expectModal(BOB, 'Page someone');
    expect(modal.fields).toEqual(['who', 'rotation', 'message', 'service']);
    const empty = await modal.submit();
    expect(empty.errors).toMatchObject({ who: 'Pick a person or a rotation.', message: expect.stringContaining('Say what you need') });
    const both = await modal
      .set('who', CLEO)
      .set('rotation', 'payments-primary')
      .set('message', 'Can you look at the ledger job?')
      .submit();
    expect(both.errors).toMatchObject({ who: 'Pick a person or a rotation, not both.' });
    expect((await modal.set('rotation', null).submit()).closed).toBe(true);
    await h.slack.expectDM(CLEO, 'Can you look at the ledger job?');
    await h.slack.expectDM(BOB, 'Paging <@U0CLEO0003> now');
    expect(h.slack.dmsTo(ADA)).toEqual([]);
    const incident = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!;
    expect(incident).toMatchObject({ source: 'slack_page', urgency: 'high', serviceId: 'checkout' });
    expect(incident.policy.levels[0]!.targets).toEqual([{ kind: 'user', userId: CLEO }]);
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'incident.page')))).toMatchObject([
      { actor: BOB },
    ]);

    // Nobody acknowledges: after 15 minutes the service's own policy pages its on-call (Ada).
    await h.advance(14);
    expect(h.slack.dmsTo(ADA)).toEqual([]);
    await h.advance(1);
    const adaPage = await h.slack.expectDM(ADA, 'Can you look at the ledger job?');
    // Bob hears back once it is taken.
    await adaPage.click('Acknowledge', { as: ADA });
    await h.slack.expectDM(BOB, `Your page "Can you look at the ledger job?" (incident #1) was acknowledged by <@${ADA}>`);

    // `/oncall page` outside an incident channel opens the same modal, the person already filled in.
    const typed = await h.slack.openModal(BOB, `page <@${ADA}|ada>`);
    expect(typed.title).toBe('Page someone');
    expect(typed.initial('who')).toBe(ADA);
  });

  it('long lists are searched: beyond 100 rotations the picker asks Baton, 100 options at a time', async () => {
    await h.stop();
    const many = Array.from(
      { length: 120 },
      (_, i) =>
        `  - { id: rot-${String(i).padStart(3, '0')}, name: Rotation ${String(i).padStart(3, '0')}, team: payments, time_zone: UTC, shift: 1d, handoff_time: "09:00", start_date: "2026-11-02", participants: [${BOB}] }`,
    ).join('\n');
    h = await startHarness({ config: TEST_CONFIG.replace('rotations:\n', `rotations:\n${many}\n`) });
    const modal = await h.slack.openModal(BOB, 'override');
    expect(modal.inputs.find((i) => i.blockId === 'rotation')!.type).toBe('external_select');
    const first = await modal.search('rotation', '');
    expect(first).toHaveLength(100);
    const narrowed = await modal.search('rotation', 'rotation 11');
    expect(narrowed.map((o) => o.value)).toEqual(Array.from({ length: 10 }, (_, i) => `rot-${110 + i}`));
    expect(await modal.search('rotation', 'payments primary')).toEqual([{ text: 'Payments primary', value: 'payments-primary' }]);
    // Only what a search offered can be picked, as in Slack.
    expect(() => modal.set('rotation', 'rot-005')).not.toThrow();
    expect(() => modal.set('rotation', 'no-such-rotation')).toThrow(/never offered/);
    const now = h.clock.now().getTime();
    expect(
      (
        await modal
          .set('rotation', 'rot-117')
          .set('from', now)
          .set('to', now + 3_600_000)
          .submit()
      ).closed,
    ).toBe(true);
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toMatchObject([{ rotationId: 'rot-117', userId: BOB }]);
    // A short list stays a plain select.
    await h.stop();
    h = await startHarness({ config: TEST_CONFIG });
    expect((await h.slack.openModal(BOB, 'override')).inputs.find((i) => i.blockId === 'rotation')!.type).toBe('static_select');
  });
});
