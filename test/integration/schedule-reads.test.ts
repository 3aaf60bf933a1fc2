import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shiftsOf } from '../../src/domain/schedule.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;

/** The test workspace plus a user group on the payments rotation and a business-hours desk with gaps. */
export const SCHEDULE_CONFIG = TEST_CONFIG.replace(
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
      - { days: [mon-fri], start: "09:00", end: "17:00" }`,
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

  it('/oncall schedule lists the next 14 days in the viewer\'s zone, with gaps called out', async () => {
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
    const rotationUrl = new RegExp(`Payments primary: (\\S+)`).exec(answer.text)![1]!;

    for (const [url, who] of [[personal, ADA], [rotationUrl, null]] as const) {
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
      const [payments] = h.baton.oncall.schedules(now - 30 * DAY, now + 180 * DAY, 'payments-primary');
      const expected = who
        ? shiftsOf(payments!.segments, who).map((s) => ({ summary: 'On call: Payments primary', start: s.start, end: s.end }))
        : payments!.segments.filter((s) => s.primary).map((s) => ({ summary: `${s.primary!.userId === ADA ? 'Ada Lovelace' : 'Bob Kahn'} on call (Payments primary)`, start: s.start, end: s.end }));
      const fromFeed = events.filter((e) => e.summary.includes('Payments primary') && !e.summary.startsWith('Secondary')).sort((a, b) => a.start - b.start);
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
    expect(answer.text).toMatch(/more than one week in four/);
    const desk = await h.slack.command(CLEO, 'fairness night-desk 2');
    expect(desk.text).toContain(`<@${CLEO}>`);
  });
});
