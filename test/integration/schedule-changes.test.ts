import { count, eq, isNull } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditLog, coverRequests, overrides, swapRequests, timeOff } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const HOUR = 3_600_000;
// TEST_NOW is Wed 18 Nov 2026 10:00 UTC: Ada's week (until Mon 23 Nov 08:00 UTC), then Bob's, then Ada's.
const ADA_WEEK_START = Date.parse('2026-11-16T08:00:00Z');
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
    const before = new Set(
      h.slack.standin
        .messages()
        .filter((m) => m.dmUser)
        .map((m) => m.ts),
    );
    const res = await h.postAlertmanager(newAlert());
    expect(res.status).toBe(200);
    const page = await h.slack.standin.waitFor(() =>
      h.slack.standin.messages().find((m) => m.dmUser && !before.has(m.ts) && m.text.includes('5xx')),
    );
    return page.dmUser!;
  }

  const countOf = async (table: typeof overrides | typeof timeOff) =>
    (await h.baton.db.query((q) => q.select({ n: count() }).from(table).limit(1)))[0]!.n;

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
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'override.create')))).toMatchObject([
      { actor: BOB, target: 'rotation:payments-primary' },
    ]);
  });

  it('override: a window that ends before it starts, or lies in the past, is refused on the field; nothing is saved', async () => {
    const now = h.clock.now().getTime();
    const backwards = await (await h.slack.openModal(BOB, 'override'))
      .set('from', now + 2 * HOUR)
      .set('to', now + HOUR)
      .submit();
    expect(backwards.errors).toEqual({ to: 'The end must be after the start.' });
    const past = await (await h.slack.openModal(BOB, 'override'))
      .set('from', now - 3 * HOUR)
      .set('to', now - HOUR)
      .submit();
    expect(past.errors).toEqual({ to: 'That window is wholly in the past.' });
    // A member can take the pager only for themselves.
    const forAda = await (await h.slack.openModal(BOB, 'override')).set('who', CLEO).submit();
    expect(forAda.errors).toEqual({ who: 'Only an admin can set an override for someone else.' });
    expect(await countOf(overrides)).toBe(0);
    // An admin can give it to someone else.
    expect((await (await h.slack.openModal(ADA, 'override')).set('who', CLEO).submit()).closed).toBe(true);
    expect(await whoIsPaged()).toBe(CLEO);
  });

  it('swap: the teammate accepts; both overrides are made, everyone is told, and pages follow the swap', async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    const mine = modal.options('my_shift');
    // Ada's week under way is named by when it began, and offered from now.
    expect(mine[0]!.value).toBe(`payments-primary|${ADA_WEEK_START}`);
    expect(mine[0]!.text).toBe('Payments primary · now → Mon 23 Nov 09:00 GMT+1');
    // Only the rotation's other participant can be picked: not Ada herself, not Cleo from outside it.
    expect(modal.options('teammate')).toEqual([{ text: 'Bob Kahn', value: BOB }]);
    expect(modal.initial('teammate')).toBe(BOB);
    const bobsWeek = modal.options('their_shift').find((o) => o.value === `payments-primary|${BOB}|${ADA_WEEK_END}`);
    expect(bobsWeek?.text).toBe('Payments primary · Mon 23 Nov 09:00 → Mon 30 Nov 09:00 GMT+1');

    const sent = await modal.set('their_shift', bobsWeek!.value).submit();
    expect(sent.closed).toBe(true);
    expect((await h.baton.db.query((q) => q.select().from(swapRequests).limit(1)))[0]).toMatchObject({
      giveEnd: ADA_WEEK_END,
      takeStart: ADA_WEEK_END,
      takeEnd: BOB_WEEK_END,
    });
    expect(await countOf(overrides)).toBe(0);

    const ask = await h.slack.expectDM(BOB, 'asks you to take their');
    expect(ask.buttons).toEqual(['Accept', 'Decline']);
    expect(await ask.click('Accept', { as: CLEO }).then((c) => c.reply())).toContain('Only the teammate who was asked');
    await ask.click('Accept', { as: BOB });
    await ask.waitForUpdate(/You accepted/);
    await h.slack.expectDM(ADA, `<@${BOB}> accepted`);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Swap in *Payments primary*');
    expect(await countOf(overrides)).toBe(2);
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
    expect(await countOf(overrides)).toBe(1);

    expect(await whoIsPaged()).toBe(BOB);
  });

  it('time off: the confirmation shows who covers; once confirmed the shift passes on and the cover is told', async () => {
    const modal = await h.slack.openModal(ADA, 'timeoff');
    expect(modal.initial('from')).toBe('2026-11-18');
    const confirm = await modal.set('to', '2026-11-19').submit();
    expect(confirm.next?.title).toBe('Confirm time off');
    expect(confirm.next!.rendered).toContain(`<@${BOB}> covers`);
    expect(await countOf(timeOff)).toBe(0);
    expect((await confirm.next!.submit()).closed).toBe(true);
    expect(await countOf(timeOff)).toBe(1);
    await h.slack.expectDM(BOB, 'is away, so you cover');

    expect(await whoIsPaged()).toBe(BOB);
    const schedule = await h.slack.command(CLEO, 'schedule');
    expect(schedule.text).toContain(`<@${BOB}> (covering <@${ADA}>'s time off)`);

    // Overlapping time off, and an end before the start, are refused on the field.
    const overlap = await (await h.slack.openModal(ADA, 'timeoff')).set('from', '2026-11-19').set('to', '2026-11-20').submit();
    expect(overlap.errors?.from).toMatch(/^Overlaps time off already booked/);
    const backwards = await (await h.slack.openModal(ADA, 'timeoff')).set('from', '2026-11-25').set('to', '2026-11-24').submit();
    expect(backwards.errors).toEqual({ to: 'The end must be after the start.' });
    expect(await countOf(timeOff)).toBe(1);

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
    expect(bad.errors).toEqual({
      time_zone: 'Expected an IANA time zone such as Europe/Berlin.',
      shift: 'Expected a shift length such as 12h, 1d or 1w.',
    });
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
    const history = await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.target, 'rotation:search')));
    expect(history).toMatchObject([
      { actor: ADA, action: 'rotation.create', before: null },
      {
        actor: ADA,
        action: 'rotation.update',
        before: { participants: [BOB, CLEO], shiftUnit: 'days' },
        after: { participants: [CLEO, BOB], shiftLength: 12, shiftUnit: 'hours' },
      },
    ]);
    // Members cannot save a rotation even with a modal in hand.
    const sneaky = await h.slack.openModal(ADA, 'rotation search');
    expect((await sneaky.submit({ as: BOB })).errors).toEqual({ name: 'Only an admin can create or edit rotations.' });
  });

  it('swap: the shift you are on now is handed over from now on, even after the form sat open a while', async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    await h.advance(5);
    const sent = await modal.set('teammate', BOB).submit();
    expect(sent.errors).toBeNull();
    expect(sent.closed).toBe(true);
    const now = h.clock.now().getTime();
    expect((await h.baton.db.query((q) => q.select().from(swapRequests).limit(1)))[0]).toMatchObject({
      giveStart: now,
      giveEnd: ADA_WEEK_END,
      takeStart: null,
    });
    await (await h.slack.expectDM(BOB, 'asks you to take their')).click('Accept', { as: BOB });
    await h.slack.expectDM(ADA, `<@${BOB}> accepted`);
    expect(await h.baton.db.query((q) => q.select().from(overrides))).toMatchObject([
      { userId: BOB, startAt: now, endAt: ADA_WEEK_END, kind: 'swap' },
    ]);
    expect(await whoIsPaged()).toBe(BOB);
  });

  it('cover: the shift you are on now can be offered from now on, even after the form sat open a while', async () => {
    const modal = await h.slack.openModal(ADA, 'cover');
    await h.advance(5);
    const sent = await modal.submit();
    expect(sent.errors).toBeNull();
    expect(sent.closed).toBe(true);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${ADA}> needs someone to cover`);
    expect((await h.baton.db.query((q) => q.select().from(coverRequests).limit(1)))[0]).toMatchObject({
      startAt: h.clock.now().getTime(),
      endAt: ADA_WEEK_END,
    });
  });

  it("swap: a teammate's last shift, which runs past the 4-week horizon, is offered and taken whole", async () => {
    // Four weeks from Wed 18 Nov end on Wed 16 Dec; Ada's week from Mon 14 Dec runs to Mon 21 Dec.
    const DEC_14 = Date.parse('2026-12-14T08:00:00Z');
    const DEC_21 = Date.parse('2026-12-21T08:00:00Z');
    const modal = await h.slack.openModal(BOB, 'swap');
    const last = modal.options('their_shift').find((o) => o.value.startsWith(`payments-primary|${ADA}|${DEC_14}`));
    expect(last?.text).toContain('Mon 21 Dec 02:00 CST');
    await h.advance(5);
    const sent = await modal.set('teammate', ADA).set('their_shift', last!.value).submit();
    expect(sent.errors).toBeNull();
    expect((await h.baton.db.query((q) => q.select().from(swapRequests).limit(1)))[0]).toMatchObject({
      requesterId: BOB,
      teammateId: ADA,
      takeStart: DEC_14,
      takeEnd: DEC_21,
    });
  });

  it('a swap is cancelled from My changes as a whole: both overrides, both people and the team told', async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    const bobsWeek = modal.options('their_shift').find((o) => o.value.startsWith(`payments-primary|${BOB}|${ADA_WEEK_END}`))!;
    expect((await modal.set('teammate', BOB).set('their_shift', bobsWeek.value).submit()).closed).toBe(true);
    const ask = await h.slack.expectDM(BOB, 'asks you to take their');
    await ask.click('Accept', { as: BOB });
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Swap in *Payments primary*');
    expect(await countOf(overrides)).toBe(2);

    // Each of the two sees the swap once, as one change with one Cancel.
    const cancels = (m: { buttonsByBlock: Record<string, string[]> }) =>
      Object.values(m.buttonsByBlock)
        .flat()
        .filter((b) => b === 'Cancel');
    const bobs = await h.slack.openModal(BOB, 'changes');
    expect(cancels(bobs)).toHaveLength(1);
    const adas = await h.slack.openModal(ADA, 'changes');
    expect(cancels(adas)).toHaveLength(1);
    expect(adas.rendered).toContain(`Swap with <@${BOB}>`);

    await adas.click('Cancel');
    await h.slack.standin.waitFor(() => adas.rendered.includes('Swap cancelled'));
    expect(await h.baton.db.query((q) => q.select().from(overrides).where(isNull(overrides.cancelledAt)))).toEqual([]);
    expect((await h.baton.db.query((q) => q.select().from(swapRequests).limit(1)))[0]?.status).toBe('cancelled');
    await h.slack.expectDM(BOB, `<@${ADA}> cancelled your swap`);
    await h.slack.expectDM(ADA, `You cancelled your swap with <@${BOB}>`);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${ADA}> cancelled the swap of <@${ADA}> and <@${BOB}>`);
    // The ask Bob accepted no longer says only that he accepted.
    await ask.waitForUpdate(/the swap was cancelled/);
    expect(await whoIsPaged()).toBe(ADA);
    // Bob's list is empty now, and his stale Cancel changes nothing.
    expect(cancels(await h.slack.openModal(BOB, 'changes'))).toHaveLength(0);
  });

  it('a swap request not yet answered is withdrawn from My changes: the ask says so and can no longer be accepted', async () => {
    // Bob (a member) asks Ada to take his week; nothing changes until she answers.
    expect((await (await h.slack.openModal(BOB, 'swap')).set('teammate', ADA).submit()).closed).toBe(true);
    const ask = await h.slack.expectDM(ADA, 'asks you to take their');
    expect(ask.buttons).toEqual(['Accept', 'Decline']);
    const swap = async () => (await h.baton.db.query((q) => q.select().from(swapRequests).limit(1)))[0]!;

    const bobs = await h.slack.openModal(BOB, 'changes');
    expect(bobs.rendered).toContain(`you asked <@${ADA}> to take`);
    expect(bobs.buttonsByBlock[`swap_ask_${(await swap()).id}`]).toEqual(['Withdraw']);
    // Cleo is neither the requester nor an admin: her (forged) click is refused and changes nothing.
    await bobs.click('Withdraw', { as: CLEO });
    await h.slack.standin.waitFor(() => bobs.rendered.includes('Only whoever asked for a swap, or an admin, can withdraw'));
    expect((await swap()).status).toBe('pending');

    await bobs.click('Withdraw');
    await h.slack.standin.waitFor(() => bobs.rendered.includes('Swap request withdrawn'));
    expect(bobs.rendered).not.toContain('you asked');
    expect(await swap()).toMatchObject({ status: 'withdrawn', decidedAt: h.clock.now().getTime() });
    const audited = await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'swap.withdraw')));
    expect(audited).toMatchObject([{ actor: BOB, target: 'rotation:payments-primary' }]);

    // Ada's ask says so, without buttons; a click on a copy that still shows them does nothing.
    await ask.waitForUpdate(/withdrew this request/);
    expect(ask.buttons).toEqual([]);
    expect(await ask.click('Accept', { as: ADA, stale: true }).then((c) => c.reply())).toContain('already withdrawn');
    expect(await countOf(overrides)).toBe(0);
    // Withdrawn, it is no longer Bob's to withdraw.
    expect((await h.slack.openModal(BOB, 'changes')).rendered).not.toContain('Withdraw');
  });

  it('time off: when two confirmations overlap, the second shows why instead of a generic error', async () => {
    const first = await (await h.slack.openModal(ADA, 'timeoff')).set('to', '2026-11-19').submit();
    const second = await (await h.slack.openModal(ADA, 'timeoff')).set('from', '2026-11-19').set('to', '2026-11-20').submit();
    expect(first.next?.title).toBe('Confirm time off');
    expect(second.next?.title).toBe('Confirm time off');
    expect((await first.next!.submit()).closed).toBe(true);
    const clash = await second.next!.submit();
    expect(clash.errors).toBeNull();
    expect(clash.next?.rendered).toMatch(/Overlaps time off already booked/);
    expect(clash.next?.view.submit).toBeUndefined();
    expect(await countOf(timeOff)).toBe(1);
  });

  it("team-channel notices of an override and its cancellation show each reader's own time zone", async () => {
    const now = h.clock.now().getTime();
    // Cleo is in Kolkata; the channel reads the times in each reader's zone, not hers.
    expect((await (await h.slack.openModal(ADA, 'override')).set('who', CLEO).submit()).closed).toBe(true);
    const made = await h.slack.expectChannelMessage(TEAM_CHANNEL, `<@${CLEO}> takes the pager`);
    expect(made.text).toContain(`<!date^${now / 1000}^`);
    expect(made.text).toContain(`<!date^${(now + HOUR) / 1000}^`);
    expect(made.text).not.toContain('GMT+5:30');

    const changes = await h.slack.openModal(ADA, 'changes');
    await changes.click('Cancel');
    const cancelled = await h.slack.expectChannelMessage(TEAM_CHANNEL, `cancelled <@${CLEO}>'s override`);
    expect(cancelled.text).toContain(`<!date^${now / 1000}^`);
    expect(cancelled.text).not.toContain('GMT+5:30');
  });
});

describe('two cancels of one change at once (two clicks, or two nodes)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ config: CONFIG });
  });
  afterEach(async () => {
    await h.stop();
  });

  const audits = async (action: string) =>
    (await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, action)))).length;

  it('cancel an override once: one of them cancels it, one audit entry, one notice', async () => {
    const start = h.clock.nowMs() + 3_600_000;
    const { overrideId } = await h.baton.overrides.createOverride(BOB, {
      rotationId: 'payments-primary',
      userId: BOB,
      start,
      end: start + 3_600_000,
    });
    const outcomes = await Promise.all([
      h.baton.overrides.cancelOverride(BOB, overrideId),
      h.baton.overrides.cancelOverride(BOB, overrideId),
    ]);
    expect(outcomes.filter((o) => o === 'override')).toHaveLength(1);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    expect(await audits('override.cancel')).toBe(1);
  });

  it('cancel a swap once, from both halves at once: one cancels it, one audit entry', async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    const bobsWeek = modal.options('their_shift').find((o) => o.value.startsWith(`payments-primary|${BOB}|${ADA_WEEK_END}`))!;
    expect((await modal.set('teammate', BOB).set('their_shift', bobsWeek.value).submit()).closed).toBe(true);
    await (await h.slack.expectDM(BOB, 'asks you to take their')).click('Accept', { as: BOB });
    // The click is answered before its work is done (Bolt acks first): wait for the two halves.
    const swapHalves = () => h.baton.db.query((q) => q.select().from(overrides).where(eq(overrides.kind, 'swap')).orderBy(overrides.id));
    await vi.waitUntil(async () => (await swapHalves()).length === 2, { timeout: 3000 });
    const halves = await swapHalves();
    const outcomes = await Promise.all([
      h.baton.overrides.cancelOverride(ADA, halves[0]!.id),
      h.baton.overrides.cancelOverride(BOB, halves[1]!.id),
    ]);
    expect(outcomes.filter((o) => o === 'swap')).toHaveLength(1);
    expect(await audits('swap.cancel')).toBe(1);
  });

  it('cancel time off once: one of them cancels it, one audit entry', async () => {
    const start = h.clock.nowMs() + 3_600_000;
    const { timeOffId } = await h.baton.timeOff.createTimeOff(ADA, { userId: ADA, start, end: start + 86_400_000 });
    const outcomes = await Promise.all([h.baton.timeOff.cancelTimeOff(ADA, timeOffId), h.baton.timeOff.cancelTimeOff(ADA, timeOffId)]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await audits('time_off.cancel')).toBe(1);
  });
});

/** Three people in a rotation with a long name, so shift labels have to make room for both times. */
const TRIO = CONFIG.replace('    participants: [U0ADA00001, U0BOB00002]', '    participants: [U0ADA00001, U0BOB00002, U0CLEO0003]').replace(
  'name: Payments primary',
  'name: Payments primary on-call for checkout, ledger and refunds',
);

describe('the swap form', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(TRIO).toContain('U0CLEO0003]');
    h = await startHarness({ config: TRIO });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it("offers the rotation's other participants, lists the chosen teammate's shifts, and labels show start and end", async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    expect(modal.inputs.find((i) => i.blockId === 'teammate')?.type).toBe('static_select');
    expect(modal.options('teammate')).toEqual([
      { text: 'Bob Kahn', value: BOB },
      { text: 'Cleo Mwangi', value: CLEO },
    ]);
    expect(modal.fields).not.toContain('their_shift');

    await modal.choose('teammate', CLEO);
    const cleos = modal.options('their_shift');
    expect(cleos.length).toBeGreaterThan(0);
    expect(cleos.every((o) => o.value.startsWith(`payments-primary|${CLEO}|`))).toBe(true);
    for (const o of [...modal.options('my_shift'), ...cleos]) {
      expect(o.text.length).toBeLessThanOrEqual(75);
      expect(o.text).toMatch(/^Payments primary.* · (now|\w{3} \d{1,2} \w{3} \d\d:\d\d) → \w{3} \d{1,2} \w{3} \d\d:\d\d GMT\+1$/);
    }
    // Cleo is on call now (her week runs to Mon 23 Nov); Ada's first week follows hers.
    expect(cleos[0]!.text).toMatch(/ · now → Mon 23 Nov 09:00 GMT\+1$/);
    expect(modal.options('my_shift')[0]!.text).toMatch(/ · Mon 23 Nov 09:00 → Mon 30 Nov 09:00 GMT\+1$/);

    await modal.choose('teammate', BOB);
    const bobs = modal.options('their_shift');
    expect(bobs.every((o) => o.value.startsWith(`payments-primary|${BOB}|`))).toBe(true);
    expect((await modal.set('their_shift', bobs[0]!.value).submit()).closed).toBe(true);
    await h.slack.expectDM(BOB, 'asks you to take their');
  });

  it("a second quick pick of a teammate, sent before the form showed the first, shows the second one's shifts", async () => {
    const modal = await h.slack.openModal(ADA, 'swap');
    const before = modal.opened.hash;
    await modal.choose('teammate', CLEO);
    // Bob was picked before the form with Cleo's shifts reached Ada's client: the pick carries the older hash.
    await modal.choose('teammate', BOB, { sentWithHash: before });
    const theirs = modal.options('their_shift');
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((o) => o.value.startsWith(`payments-primary|${BOB}|`))).toBe(true);
  });
});
