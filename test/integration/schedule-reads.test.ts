import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shiftsOf } from '../../src/domain/schedule.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;

/** The test workspace plus a user group on the payments rotation and a business-hours desk with gaps. */
const SCHEDULE_CONFIG = TEST_CONFIG.replace(
  `    participants: [${ADA}, ${BOB}]`,
  `    participants: [${ADA}, ${BOB}]
    slack_user_group: S0PAYONCALL
  - id: night-desk
    name: Night desk
    team: payments
    time_zone: Asia/Kolkata
    shift: 1d
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${CLEO}]
    restrictions:
      - { days: [mon-fri], start: "09:00", end: "17:00" }
  - id: layered-desk
    name: Layered desk
    team: payments
    time_zone: Europe/Berlin
    shift: 1w
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${ADA}, ${BOB}]
    layers:
      - participants: [${ADA}, ${BOB}]
        shift: 1w
        handoff_time: "09:00"
        start_date: "2026-11-02"
        restrictions:
          - { days: [mon-fri], start: "09:00", end: "17:00" }`,
);

/**
 * The test workspace plus `count` weekly rotations `storage-fleet-001`… named by `name`, each with Cleo and
 * either Ada (those `adaIn` picks) or Bob.
 */
function withRotations(count: number, name: (n: string) => string, adaIn: (n: string) => boolean): string {
  return TEST_CONFIG.replace(
    `    participants: [${ADA}, ${BOB}]`,
    `    participants: [${ADA}, ${BOB}]
${Array.from({ length: count }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return `  - id: storage-fleet-${n}
    name: ${name(n)}
    team: payments
    time_zone: UTC
    shift: 1w
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${adaIn(n) ? ADA : BOB}, ${CLEO}]`;
}).join('\n')}`,
  );
}

/** 35 rotations with long names: Ada takes part in the payments one and in two of the others. */
const MANY_ROTATIONS = withRotations(
  34,
  (n) => `Storage fleet ${n} on-call for the object store and its replication`,
  (n) => n === '017' || n === '033',
);

describe('reading the final schedule', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(SCHEDULE_CONFIG).toContain('night-desk');
    h = await startHarness({ config: SCHEDULE_CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it("/oncall schedule lists the next 14 days in the viewer's zone, with gaps called out", async () => {
    const asBob = await h.slack.command(BOB, 'schedule payments-primary');
    // Ada's week ends Monday 23 November 09:00 in Berlin, which Bob reads in Chicago as 02:00.
    expect(asBob.text).toContain('Payments primary');
    expect(asBob.text).toMatch(/Mon 23 Nov 02:00 CST/);
    expect(asBob.text).toContain(`<@${ADA}>`);
    expect(asBob.text).not.toContain('gap');

    const desk = await h.slack.command(ADA, 'schedule night-desk');
    expect(desk.text).toMatch(/Night desk\s+:warning: \d+ gaps/);
    expect(desk.text).toContain('gap: nobody on call');

    const unknown = await h.slack.command(ADA, 'schedule nope');
    expect(unknown.text).toContain('No rotation `nope`');
  });

  it('the calendar feed, read by an independent iCalendar parser, agrees with the engine', async () => {
    const answer = await h.slack.command(ADA, 'calendar');
    const personal = /Your shifts: (\S+)/.exec(answer.text)![1]!;
    const rotationUrl = /Payments primary: (\S+)/.exec(answer.text)![1]!;

    for (const [url, who] of [
      [personal, ADA],
      [rotationUrl, null],
    ] as const) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/calendar');
      const calendar = new ICAL.Component(ICAL.parse(await res.text()));
      const events = calendar
        .getAllSubcomponents('vevent')
        .map((v) => new ICAL.Event(v))
        .map((e) => ({ summary: e.summary, start: e.startDate.toJSDate().getTime(), end: e.endDate.toJSDate().getTime() }));
      expect(events.length).toBeGreaterThan(10);

      const now = h.clock.now().getTime();
      const [payments] = await h.baton.oncall.schedules(now - 30 * DAY, now + 180 * DAY, 'payments-primary');
      const expected = who
        ? shiftsOf(payments!.segments, who).map((s) => ({ summary: 'On call: Payments primary', start: s.start, end: s.end }))
        : payments!.segments
            .filter((s) => s.primary)
            .map((s) => ({
              summary: `${s.primary!.userId === ADA ? 'Ada Lovelace' : 'Bob Kahn'} on call (Payments primary)`,
              start: s.start,
              end: s.end,
            }));
      const fromFeed = events
        .filter((e) => e.summary.includes('Payments primary') && !e.summary.startsWith('Secondary'))
        .sort((a, b) => a.start - b.start);
      expect(fromFeed).toEqual(expected);
    }

    // A token for someone else, or a made-up one, finds nothing.
    const forged = personal.replace(`/user/${ADA}/`, `/user/${BOB}/`);
    expect((await fetch(forged)).status).toBe(404);
    const bad = await fetch(personal.replace(/\/[^/]+\.ics$/, '/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics'));
    expect(bad.status).toBe(404);
    expect(await bad.json()).toMatchObject({ error: 'not_found' });
  });

  it('keeps the Slack user group holding the current on-call, once per change, across restarts', async () => {
    const updates = () => h.slack.standin.calls.filter((c) => c.method === 'usergroups.users.update' && c.status === 200);
    await h.baton.tick();
    expect(updates().map((c) => c.args)).toEqual([expect.objectContaining({ usergroup: 'S0PAYONCALL', users: ADA })]);
    await h.advance(60);
    expect(updates()).toHaveLength(1);

    // Monday 23 November 09:00 Berlin: Bob's week.
    h.clock.set('2026-11-23T08:00:00Z');
    await h.baton.tick();
    expect(updates().map((c) => c.args.users)).toEqual([ADA, BOB]);
    await h.restart();
    await h.baton.tick();
    expect(updates()).toHaveLength(2);
  });

  it('posts the coming coverage gaps to the team channel once a day', async () => {
    await h.baton.tick();
    const digest = await h.slack.expectChannelMessage(TEAM_CHANNEL, /Night desk\* has nobody on call/);
    expect(digest.text).toContain('/oncall override');
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('has nobody on call'))).toHaveLength(1);
    // The payments rotation has no gaps, so it posts nothing.
    expect(h.slack.standin.messages(TEAM_CHANNEL).some((m) => m.text.includes('Payments primary* has nobody'))).toBe(false);

    await h.advance(120);
    await h.restart();
    await h.advance(5);
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('has nobody on call'))).toHaveLength(1);

    h.clock.set('2026-11-19T04:00:00Z'); // 09:30 in Kolkata the next day
    await h.baton.tick();
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('has nobody on call'))).toHaveLength(2);
  });

  it('/oncall fairness shows hours per person and warns when a rotation is too small', async () => {
    const answer = await h.slack.command(CLEO, 'fairness payments-primary 4');
    expect(answer.text).toContain(`<@${ADA}>`);
    expect(answer.text).toContain(`<@${BOB}>`);
    expect(answer.text).toContain('2 people: each is on call one week in two; two more keep it to one in four');
    const desk = await h.slack.command(CLEO, 'fairness night-desk 2');
    expect(desk.text).toContain(`<@${CLEO}>`);
  });

  it('/oncall who: "until" is when the person gives up the pager, not when a layer under them changes', async () => {
    // Layered desk: the business-hours layer ends at 17:00 Berlin today, but Ada holds the base too, until Monday.
    const who = await h.slack.command(CLEO, 'who');
    expect(who.text).toContain(`Layered desk: <@${ADA}> until Mon 23 Nov 13:30 GMT+5:30, secondary <@${BOB}>`);
  });

  it('/oncall fairness: a rotation of three gets one warning that says what to do, not one per person', async () => {
    await h.stop();
    h = await startHarness({
      config: TEST_CONFIG.replace(`    participants: [${ADA}, ${BOB}]`, `    participants: [${ADA}, ${BOB}, ${CLEO}]`),
    });
    const answer = await h.slack.command(BOB, 'fairness payments-primary 4');
    expect(answer.text.match(/3 people: each is on call one week in three; a fourth keeps it to one in four/g)).toHaveLength(1);
    expect(answer.text).not.toContain('more than one week in four');
  });

  it('/oncall calendar too long for one message goes on in further private messages, every link whole', async () => {
    await h.stop();
    h = await startHarness({
      config: withRotations(
        200,
        (n) => `Storage fleet ${n} ${'on-call for the object store and its replication '.repeat(3)}`.slice(0, 120).trim(),
        () => false,
      ),
    });
    const answer = await h.slack.command(ADA, 'calendar');
    const posts = h.slack.standin.responseUrlPosts;
    const urls = () =>
      posts.flatMap((p) => [...String(p.body.text).matchAll(/ (http:\/\/\S+\/calendars\/rotation\/\S+\.ics)$/gm)].map((m) => m[1]));
    await h.slack.standin.waitFor(() => urls().length >= 201 || undefined);
    expect(posts.length).toBeGreaterThan(1);
    expect(posts[0]!.body).toBe(answer.body);
    const ids = ['payments-primary', ...Array.from({ length: 200 }, (_, i) => `storage-fleet-${String(i + 1).padStart(3, '0')}`)];
    expect(urls()).toEqual(await Promise.all(ids.map((id) => h.baton.calendars.url('rotation', id))));
    expect(String(posts[1]!.body.text)).not.toContain('Your shifts');
  });

  it('/oncall calendar lists every rotation feed, yours first, each link whole, within Slack limits', async () => {
    await h.stop();
    h = await startHarness({ config: MANY_ROTATIONS });
    const answer = await h.slack.command(ADA, 'calendar');
    const posts = await h.slack.standin.waitFor(() =>
      h.slack.standin.responseUrlPosts.length > 0 ? h.slack.standin.responseUrlPosts : undefined,
    );
    await new Promise((r) => setTimeout(r, 200)); // any further parts of the answer
    expect(posts[0]!.body).toBe(answer.body);
    const lines = posts
      .flatMap((p) =>
        (p.body.blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').map((b) => b.text!.text),
      )
      .flatMap((t) => t.split('\n'));
    const feedLines = lines.filter((l) => l.includes('/calendars/rotation/'));
    expect(feedLines).toHaveLength(35);
    const ids = ['payments-primary', ...Array.from({ length: 34 }, (_, i) => `storage-fleet-${String(i + 1).padStart(3, '0')}`)];
    for (const id of ids) {
      const url = await h.baton.calendars.url('rotation', id);
      expect(
        feedLines.some((l) => l.endsWith(` ${url}`)),
        id,
      ).toBe(true);
    }
    // Ada's own rotations come first, then the rest.
    const order = feedLines.map((l) => /\/calendars\/rotation\/([^/]+)\//.exec(l)![1]);
    expect(order.slice(0, 3).sort()).toEqual(['payments-primary', 'storage-fleet-017', 'storage-fleet-033']);
    const personal = await h.baton.calendars.url('user', ADA);
    expect(lines.some((l) => l.endsWith(` ${personal}`))).toBe(true);
  });
});
