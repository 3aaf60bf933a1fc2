import { eq, like } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incidents, outbox } from '../../src/db/schema.js';
import { ADA, TEAM_CHANNEL } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * What a crash (or a lost answer from Slack) leaves half-done is finished after it, and nothing is done
 * twice: a page in flight is looked up in Slack before it is sent again, and an incident channel's set-up
 * resumes at the step it had reached. The kill -9 version of this is test/reliability/crash.test.ts.
 */
describe('recovery after a crash', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const calls = (method: string) => h.slack.standin.calls.filter((c) => c.method === method);
  const pageRow = async () => (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.page')).limit(1)))[0]!;
  /** As a kill -9 between the Slack call and the database write leaves it: the row still says `sending`. */
  const leaveInFlight = (id: number) => h.baton.db.query((q) => q.update(outbox).set({ status: 'sending' }).where(eq(outbox.id, id)));

  it('a page Slack already has when the process died is found by its metadata, not sent again', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx');
    await h.baton.drain();
    const page = await pageRow();
    expect(h.slack.standin.dmsTo(ADA)[0]!.metadata).toEqual({ event_type: 'baton_outbox', event_payload: { outbox_id: page.id } });

    await leaveInFlight(page.id);
    await h.restart();
    await h.advance(1);
    await h.baton.drain();

    expect(h.slack.standin.dmsTo(ADA)).toHaveLength(1);
    expect(await pageRow()).toMatchObject({ status: 'sent', interrupted: true });
    expect(String(calls('conversations.history').at(-1)!.args.include_all_metadata)).toBe('true');
  });

  it('a page that never reached Slack before the process died is sent once after the restart', async () => {
    h.slack.standin.setDown(true);
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.baton.drain();
    expect(h.slack.standin.dmsTo(ADA)).toHaveLength(0);
    await leaveInFlight((await pageRow()).id);
    h.slack.standin.setDown(false);
    await h.restart();
    await h.advance(1);
    await h.baton.drain();
    expect(h.slack.standin.dmsTo(ADA)).toHaveLength(1);
    expect((await pageRow()).status).toBe('sent');
  });

  it('a channel Slack created before its answer was lost is found by name, not made again with a suffix', async () => {
    h.slack.standin.failNext('conversations.create', { status: 500, applied: true });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx');
    await h.baton.drain();
    await h.advance(1);
    await h.baton.drain();

    const names = calls('conversations.create').map((c) => String(c.args.name));
    expect(names).toHaveLength(2);
    expect(names[1]).toBe(names[0]);
    expect(names.some((n) => n.endsWith('-2'))).toBe(false);
    const listed = calls('conversations.list').flatMap((c) => (c.response as { channels: { id: string; name: string }[] }).channels);
    const channel = listed.find((c) => c.name === names[0])!.id;
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId).toBe(channel);
    expectCompleteChannel(channel);
  });

  it('a set-up cut short after the channel was made (here: pinning failed) resumes at the step it reached', async () => {
    h.slack.standin.failNext('pins.add', { status: 500 });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx');
    await h.baton.drain();
    await h.advance(1);
    await h.baton.drain();
    const channel = (await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!;
    expectCompleteChannel(channel);
  });

  it('a channel step in flight when the process died is not done twice after the restart', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    await h.baton.drain();
    const card = (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.channel_card')).limit(1)))[0]!;
    const welcome = (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.channel_welcome')).limit(1)))[0]!;
    await leaveInFlight(card.id);
    await leaveInFlight(welcome.id);
    await h.restart();
    await h.advance(1);
    await h.baton.drain();
    expectCompleteChannel((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]!.channelId!);
  });

  /** The card (pinned) and the welcome once each in the channel, and one link to it in the team channel. */
  function expectCompleteChannel(channel: string): void {
    const posts = h.slack.standin.messages(channel);
    expect(posts.filter((m) => m.text.includes('#1 ') && m.text.includes('Triggered'))).toHaveLength(1);
    expect(posts.filter((m) => m.text.startsWith('This channel coordinates incident #1'))).toHaveLength(1);
    expect(
      calls('pins.add')
        .filter((c) => c.status === 200 && (c.response as { ok: boolean }).ok)
        .map((c) => c.args.channel),
    ).toEqual([channel]);
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes(`<#${channel}>`))).toHaveLength(1);
    // One name asked for (perhaps more than once), so one channel: never a second with a suffix.
    expect(new Set(calls('conversations.create').map((c) => c.args.name)).size).toBe(1);
  }
});

describe('phone steps', () => {
  it('are not queued when phone paging is not configured, and are when it is', async () => {
    const queuedPhoneSteps = async (twilio: boolean) => {
      const h = await startHarness({ twilio });
      try {
        await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
        await h.slack.expectDM(ADA, '5xx');
        for (let minute = 0; minute < 40; minute += 5) await h.advance(5);
        return (await h.baton.db.query((q) => q.select().from(outbox).where(like(outbox.kind, 'twilio.%')))).length;
      } finally {
        await h.stop();
      }
    };
    // Ada has a phone number in the config: with Twilio her page rings it.
    expect(await queuedPhoneSteps(true)).toBeGreaterThan(0);
    expect(await queuedPhoneSteps(false)).toBe(0);
  });
});
