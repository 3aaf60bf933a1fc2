import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { incidents, outbox, rawPayloads } from '../../src/db/schema.js';
import { ADA, BOB, TEAM_CHANNEL } from '../support/config.js';
import { sqliteOf } from '../support/db.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const firing = () => fixture('alertmanager/v0.25-firing.json').body;

describe('the outbox: a failed Slack call is retried, not lost', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('Slack answering 500 for 10 minutes: the page is queued, retried with backoff and arrives once', async () => {
    h.slack.standin.setDown(true);
    expect((await h.postAlertmanager(firing())).status).toBe(200);
    await h.baton.drain();
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);
    // Without Twilio configured, the phone steps brought forward by the failure are skipped; Slack carries the page.
    const slackRows = async () => (await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.kind.startsWith('slack.'));
    const queued = await slackRows();
    // The DM, the team post and the incident's own channel.
    expect(queued.map((r) => r.kind).sort()).toEqual(['slack.incident_channel', 'slack.page', 'slack.team_post']);
    expect(queued.every((r) => r.status === 'pending')).toBe(true);
    expect(queued[0]!.lastError).toMatch(/HTTP 500/);

    for (let second = 0; second < 10 * 60; second += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.drain();
    }
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);
    const attempts = (await slackRows()).map((r) => r.attempts);
    // Backoff doubles from 2 s up to a minute: about 14 tries in 10 minutes, not 120.
    expect(Math.max(...attempts)).toBeGreaterThan(5);
    expect(Math.max(...attempts)).toBeLessThan(20);

    h.slack.standin.setDown(false);
    h.clock.advanceSeconds(61);
    await h.baton.drain();
    await h.slack.expectDM(ADA, '5xx ratio');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    expect(h.slack.dmsTo(ADA)).toHaveLength(1);
    expect((await slackRows()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('a 429 is retried no sooner than its Retry-After', async () => {
    h.slack.standin.failNext('chat.postMessage', { status: 429, retryAfter: 30, times: 2 });
    await h.postAlertmanager(firing());
    await h.baton.drain();
    const pageAndPost = () => [...h.slack.dmsTo(ADA), ...h.slack.standin.messages(TEAM_CHANNEL)];
    expect(pageAndPost()).toHaveLength(0);
    h.clock.advanceSeconds(29);
    await h.baton.drain();
    expect(pageAndPost()).toHaveLength(0);
    h.clock.advanceSeconds(2);
    await h.baton.drain();
    await h.slack.expectDM(ADA);
    await h.slack.expectChannelMessage(TEAM_CHANNEL);
  });

  it('a permanent Slack error is recorded as failed and not retried forever', async () => {
    const config = (await import('../support/config.js')).TEST_CONFIG.replace(
      `slack_channel: ${TEAM_CHANNEL}`,
      'slack_channel: C0GONE00000',
    );
    await h.stop();
    h = await startHarness({ config });
    await h.postAlertmanager(firing());
    await h.baton.drain();
    await h.slack.expectDM(ADA);
    const teamPost = (await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.kind, 'slack.team_post')).limit(1)))[0]!;
    expect(teamPost).toMatchObject({ status: 'failed', lastError: 'Slack said channel_not_found', attempts: 1 });
    const health = (await (await fetch(`${h.baton.url}/healthz`)).json()) as { outbox: { failed: number } };
    // The card and the note linking the incident channel both went to the missing channel.
    const failed = await h.baton.db.query((q) => q.select().from(outbox).where(eq(outbox.status, 'failed')));
    expect(failed.map((r) => r.kind).sort()).toEqual(['slack.incident_note', 'slack.team_post']);
    expect(health.outbox.failed).toBe(2);
  });

  it('a page still queued when the incident is acknowledged is not sent', async () => {
    await h.postAlertmanager(firing());
    const dm = await h.slack.expectDM(ADA);
    h.slack.standin.setDown(true);
    await h.advance(15);
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);
    h.slack.standin.setDown(false);
    await dm.click('Acknowledge', { as: ADA });
    await dm.waitForUpdate(/Acknowledged/);
    h.clock.advanceSeconds(120);
    await h.baton.drain();
    expect(h.slack.dmsTo(BOB)).toHaveLength(0);
    const page = (
      await h.baton.db.query((q) =>
        q
          .select()
          .from(outbox)
          .where(eq(outbox.dedupeKey, `page:1:0:1:${BOB}:slack`))
          .limit(1),
      )
    )[0]!;
    expect(page).toMatchObject({ status: 'skipped', lastError: 'skipped: incident already acknowledged' });
  });

  it('the database turns read-only: ingest answers 503, never 2xx, and accepts again once writable', async () => {
    sqliteOf(h.baton.db).pragma('query_only = ON');
    const res = await h.postAlertmanager(firing());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'storage_failed', message: expect.stringContaining('retry') });
    // The process stays up and says what is wrong: health checks write, so they see the read-only database.
    const health = await fetch(`${h.baton.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ database: { ok: false } });
    sqliteOf(h.baton.db).pragma('query_only = OFF');
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(0);
    expect((await h.postAlertmanager(firing())).status).toBe(200);
    await h.slack.expectDM(ADA);
  });

  it('storing fails (disk full): ingest answers 503 so Alertmanager retries, and nothing half-stored remains', async () => {
    sqliteOf(h.baton.db).exec(
      "CREATE TRIGGER disk_full BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    const res = await h.postAlertmanager(firing());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'storage_failed' });
    expect(await h.baton.db.query((q) => q.select().from(rawPayloads))).toHaveLength(0);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(0);
    expect(await h.baton.db.query((q) => q.select().from(outbox))).toHaveLength(0);

    sqliteOf(h.baton.db).exec('DROP TRIGGER disk_full');
    const retry = await h.postAlertmanager(firing());
    expect(retry.status).toBe(200);
    await h.slack.expectDM(ADA);
  });
});

describe('Twilio down for 10 minutes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ twilio: true });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('Slack still pages at once; the phone steps are retried, nothing is lost, and calls resume once, not three times', async () => {
    const ADA_PHONE = '+4915112345678';
    h.twilio.standin.setDown(true);
    expect((await h.postAlertmanager(firing())).status).toBe(200);
    await h.slack.expectDM(ADA, '5xx ratio');
    for (let second = 0; second < 10 * 60; second += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    const failing = (await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.kind.startsWith('twilio.'));
    expect(failing.filter((r) => r.status === 'pending' && /Twilio answered 503/.test(r.lastError ?? '')).length).toBeGreaterThanOrEqual(2);
    expect(h.twilio.standin.calls).toHaveLength(0);
    expect(h.twilio.standin.requests.filter((r) => r.status === 503).length).toBeLessThan(60);

    h.twilio.standin.setDown(false);
    for (let second = 0; second < 90; second += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    await h.twilio.expectSms(ADA_PHONE, 'Baton #1');
    const call = await h.twilio.expectCall(ADA_PHONE);
    // The calls that fell due during the outage are one call now, not a burst.
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(1);
    expect(h.twilio.smsTo(ADA_PHONE)).toHaveLength(1);
    expect((await call.press('1')).says).toEqual(['Incident 1 acknowledged. Goodbye.']);
    for (let minute = 0; minute < 10; minute += 1) await h.advance(1);
    // Everything queued was sent or, once acknowledged, skipped: nothing waits and nothing failed.
    expect((await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.status === 'pending' || r.status === 'failed')).toEqual(
      [],
    );
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(1);
  });
});
