import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, overrides, timeOff } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const HOUR = 3_600_000;
// TEST_NOW is Wed 18 Nov 2026 10:00 UTC: Ada's week (until Mon 23 Nov 08:00 UTC), then Bob's, then Ada's.
const ADA_WEEK_END = Date.parse('2026-11-23T08:00:00Z');
const BOB_WEEK_END = Date.parse('2026-11-30T08:00:00Z');

const CONFIG = TEST_CONFIG.replace(`name: Ada Lovelace, time_zone`, `name: Ada Lovelace, role: admin, time_zone`);

let alerts = 0;
/** A new alert group each time, so each fires a new incident and a new page. */
function newAlert() {
  alerts += 1;
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as { groupKey: string; alerts: { fingerprint: string }[] };
  body.groupKey = `{}:{alertname="Test${alerts}"}`;
  for (const a of body.alerts) a.fingerprint = `${a.fingerprint}${alerts}`;
  return body;
}

describe('changing the schedule from Slack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  /** Fires an alert and returns who got the page DM. */
  async function whoIsPaged(): Promise<string> {
    const before = new Set(h.slack.standin.messages().filter((m) => m.dmUser).map((m) => m.ts));
    const res = await h.postAlertmanager(newAlert());
    expect(res.status).toBe(200);
    const page = await h.slack.standin.waitFor(() => h.slack.standin.messages().find((m) => m.dmUser && !before.has(m.ts) && m.text.includes('5xx')));
    return page.dmUser!;
  }

  const countOf = (table: typeof overrides | typeof timeOff) => h.baton.db.select({ n: count() }).from(table).get()!.n;

  it('override: take the pager for an hour; the page goes to the taker, then back', async () => {
    expect(await whoIsPaged()).toBe(ADA);
    const modal = await h.slack.openModal(BOB, 'override');
    expect(modal.title).toBe('Take the pager');
    expect(modal.initial('rotation')).toBe('payments-primary');
    expect(modal.initial('who')).toBe(BOB);
    expect(modal.initial('from')).toBe(h.clock.now().getTime());
    expect(modal.initial('to')).toBe(h.clock.now().getTime() + HOUR);
    const result = await modal.submit();
    expect(result.closed).toBe(true);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${BOB}> takes the pager for *Payments primary*`);

    expect(await whoIsPaged()).toBe(BOB);
    const who = await h.slack.command(CLEO, 'who');
    expect(who.text).toContain(`<@${BOB}> (covering for <@${ADA}>)`);
    await h.advance(61);
    expect(await whoIsPaged()).toBe(ADA);
    expect(h.baton.db.select().from(auditLog).where(eq(auditLog.action, 'override.create')).all()).toMatchObject([{ actor: BOB, target: 'rotation:payments-primary' }]);
  });

  it('override: a window that ends before it starts, or lies in the past, is refused on the field; nothing is saved', async () => {
    const now = h.clock.now().getTime();
    const backwards = await (await h.slack.openModal(BOB, 'override')).set('from', now + 2 * HOUR).set('to', now + HOUR).submit();
    expect(backwards.errors).toEqual({ to: 'The end must be after the start.' });
    const past = await (await h.slack.openModal(BOB, 'override')).set('from', now - 3 * HOUR).set('to', now - HOUR).submit();
    expect(past.errors).toEqual({ to: 'That window is wholly in the past.' });
    // A member can take the pager only for themselves.
    const forAda = await (await h.slack.openModal(BOB, 'override')).set('who', CLEO).submit();
    expect(forAda.errors).toEqual({ who: 'Only an admin can set an override for someone else.' });
    expect(countOf(overrides)).toBe(0);
    // An admin can give it to someone else.
    expect((await (await h.slack.openModal(ADA, 'override')).set('who', CLEO).submit()).closed).toBe(true);
    expect(await whoIsPaged()).toBe(CLEO);
  });

  it('swap: the teammate accepts; both overrides are made, everyone is told, and pages follow the swap', async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    const mine = modal.options('my_shift');
    expect(mine[0]!.value).toBe(`payments-primary|${h.clock.now().getTime()}|${ADA_WEEK_END}`);
    const bobsWeek = modal.options('their_shift').find((o) => o.value === `payments-primary|${BOB}|${ADA_WEEK_END}|${BOB_WEEK_END}`);
    expect(bobsWeek?.text).toContain('Bob Kahn');

    // Bad input first: swapping with oneself, or with someone outside the rotation.
    expect((await modal.set('teammate', ADA).submit()).errors).toEqual({ teammate: 'You cannot swap with yourself; pick a teammate.' });
    expect((await modal.set('teammate', CLEO).submit()).errors).toEqual({ teammate: 'Cleo Mwangi is not in the Payments primary rotation.' });
    const sent = await modal.set('teammate', BOB).set('their_shift', bobsWeek!.value).submit();
    expect(sent.closed).toBe(true);
    expect(countOf(overrides)).toBe(0);

    const ask = await h.slack.expectDM(BOB, 'asks you to take their');
    expect(ask.buttons).toEqual(['Accept', 'Decline']);
    expect(await ask.click('Accept', { as: CLEO }).then((c) => c.reply())).toContain('Only the teammate who was asked');
    await ask.click('Accept', { as: BOB });
    await ask.waitForUpdate(/You accepted/);
    await h.slack.expectDM(ADA, `<@${BOB}> accepted`);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Swap in *Payments primary*');
    expect(countOf(overrides)).toBe(2);
    expect(await ask.click('Accept', { as: BOB, stale: true }).then((c) => c.reply())).toContain('already accepted');

    expect(await whoIsPaged()).toBe(BOB);
    h.clock.set(ADA_WEEK_END + HOUR);
    expect(await whoIsPaged()).toBe(ADA);
  });

  it('cover: the first taker gets the shift, the requester is told in the thread, later clicks are told it is taken', async () => {
    const modal = await h.slack.openModal(ADA, 'cover');
    expect((await modal.set('note', 'Dentist').submit()).closed).toBe(true);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${ADA}> needs someone to cover`);
    expect(post.buttons).toEqual(['Take it']);
    expect(post.rendered).toContain('Dentist');

    expect(await post.click('Take it', { as: ADA }).then((c) => c.reply())).toContain('your own request');
    expect(await post.click('Take it', { as: BOB }).then((c) => c.reply())).toContain('It is yours');
    await post.waitForUpdate(/Taken by <@U0BOB00002>/);
    const thread = await h.slack.standin.waitFor(() => h.slack.standin.messages(TEAM_CHANNEL).find((m) => m.threadTs === post.message.ts));
    expect(thread.text).toContain(`<@${ADA}>: <@${BOB}> takes your shift`);
    expect(await post.click('Take it', { as: CLEO, stale: true }).then((c) => c.reply())).toContain(`Already taken by <@${BOB}>`);
    expect(countOf(overrides)).toBe(1);

    expect(await whoIsPaged()).toBe(BOB);
  });

  it('time off: the confirmation shows who covers; once confirmed the shift passes on and the cover is told', async () => {
    const modal = await h.slack.openModal(ADA, 'timeoff');
    expect(modal.initial('from')).toBe('2026-11-18');
    const confirm = await modal.set('to', '2026-11-19').submit();
    expect(confirm.next?.title).toBe('Confirm time off');
    expect(confirm.next!.rendered).toContain(`<@${BOB}> covers`);
    expect(countOf(timeOff)).toBe(0);
    expect((await confirm.next!.submit()).closed).toBe(true);
    expect(countOf(timeOff)).toBe(1);
    await h.slack.expectDM(BOB, 'is away, so you cover');

    expect(await whoIsPaged()).toBe(BOB);
    const schedule = await h.slack.command(CLEO, 'schedule');
    expect(schedule.text).toContain(`<@${BOB}> (covering <@${ADA}>'s time off)`);

    // Overlapping time off, and an end before the start, are refused on the field.
    const overlap = await (await h.slack.openModal(ADA, 'timeoff')).set('from', '2026-11-19').set('to', '2026-11-20').submit();
    expect(overlap.errors?.from).toMatch(/^Overlaps time off already booked/);
    const backwards = await (await h.slack.openModal(ADA, 'timeoff')).set('from', '2026-11-25').set('to', '2026-11-24').submit();
    expect(backwards.errors).toEqual({ to: 'The end must be after the start.' });
    expect(countOf(timeOff)).toBe(1);

    // Midnight after the last day in Ada's zone (Berlin, UTC+1): her shift comes back.
    h.clock.set('2026-11-19T23:00:00Z');
    expect(await whoIsPaged()).toBe(ADA);
  });

  it('rotations: admins create them in a modal; config-file rotations are read-only; no participants is refused', async () => {
    expect((await h.slack.command(BOB, 'rotation')).text).toContain('Only an admin');
    expect((await h.slack.command(ADA, 'rotation payments-primary')).text).toContain('declared in the config file');

    const modal = await h.slack.openModal(ADA, 'rotation');
    expect(modal.initial('time_zone')).toBe('Europe/Berlin');
    const empty = await modal.set('name', 'Search').submit();
    expect(empty.errors).toMatchObject({ participants: 'A rotation needs at least one participant.' });
    const bad = await modal.set('participants', [BOB, CLEO]).set('time_zone', 'Mars/Olympus').set('shift', '3x').submit();
    expect(bad.errors).toEqual({ time_zone: 'Expected an IANA time zone such as Europe/Berlin.', shift: 'Expected a shift length such as 12h, 1d or 1w.' });
    const saved = await modal.set('time_zone', 'America/Chicago').set('shift', '1d').set('start_date', '2026-11-18').submit();
    expect(saved.closed).toBe(true);

    const schedule = await h.slack.command(CLEO, 'schedule search');
    expect(schedule.text).toContain(`<@${BOB}>`);
    expect(schedule.text).toContain(`<@${CLEO}>`);
    const edit = await h.slack.openModal(ADA, 'rotation search');
    expect(edit.title).toBe('Edit rotation');
    expect(edit.initial('participants')).toEqual([BOB, CLEO]);
    expect(edit.initial('shift')).toBe('1d');
    expect((await edit.set('participants', [CLEO, BOB]).set('shift', '12h').submit()).closed).toBe(true);
    const history = h.baton.db.select().from(auditLog).where(eq(auditLog.target, 'rotation:search')).all();
    expect(history).toMatchObject([
      { actor: ADA, action: 'rotation.create', before: null },
      { actor: ADA, action: 'rotation.update', before: { participants: [BOB, CLEO], shiftUnit: 'days' }, after: { participants: [CLEO, BOB], shiftLength: 12, shiftUnit: 'hours' } },
    ]);
    // Members cannot save a rotation even with a modal in hand.
    const sneaky = await h.slack.openModal(ADA, 'rotation search');
    expect((await sneaky.submit({ as: BOB })).errors).toEqual({ name: 'Only an admin can create or edit rotations.' });
  });
});
