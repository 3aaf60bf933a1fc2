import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidents, outbox, settings, users } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { rowCounts } from '../support/db.js';
import { BATON_NUMBER } from '../support/fake-twilio.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const ADA_PHONE = '+4915112345678';
const BOB_PHONE = '+13125550100';
const ADMIN = 'U0ADMIN0009';
const CONFIG = TEST_CONFIG.replace(
  '{ id: U0BOB00002, name: Bob Kahn, time_zone: America/Chicago }',
  `{ id: U0BOB00002, name: Bob Kahn, time_zone: America/Chicago, phone: "${BOB_PHONE}" }\n  - { id: ${ADMIN}, name: Admin, role: admin, time_zone: UTC }`,
);

let groups = 0;
function newAlert(severity = 'critical') {
  groups += 1;
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as {
    groupKey: string;
    commonLabels: Record<string, string>;
    alerts: { fingerprint: string; labels: Record<string, string> }[];
  };
  body.groupKey = `{}:{alertname="Phone${groups}"}`;
  body.commonLabels.severity = severity;
  for (const a of body.alerts) {
    a.fingerprint = `${a.fingerprint}p${groups}`;
    a.labels.severity = severity;
  }
  return body;
}

describe('pages that reach a phone', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain(BOB_PHONE);
    h = await startHarness({ config: CONFIG, twilio: true });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const incident = async (id: number) =>
    (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.id, id)).limit(1)))[0]!;

  it('Slack first, then at 2 minutes an SMS and a call; pressing 1 acknowledges everywhere', async () => {
    expect((await h.postAlertmanager(newAlert())).status).toBe(200);
    const dm = await h.slack.expectDM(ADA, '5xx ratio');
    await h.baton.drain();
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(0);
    await h.advance(2);
    const sms = await h.twilio.expectSms(ADA_PHONE, 'Reply 1A to acknowledge');
    expect(sms.from).toBe(BATON_NUMBER);
    const call = await h.twilio.expectCall(ADA_PHONE);
    const script = await call.answer();
    expect(script.says.join(' ')).toMatch(/Incident 1, critical: .*5xx ratio.*Press 1 to acknowledge, 2 to escalate, 3 to resolve/);

    const wrongKey = await call.press('9');
    expect(wrongKey.says.join(' ')).toContain('Press 1 to acknowledge');
    expect((await incident(1)).status).toBe('triggered');
    const pressed = await call.press('1');
    expect(pressed.says).toEqual(['Incident 1 acknowledged. Goodbye.']);
    expect(pressed.hangup).toBe(true);
    expect(await incident(1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADA });
    expect(await h.baton.db.query((q) => q.select().from(auditLog).where(eq(auditLog.action, 'incident.acknowledge')))).toMatchObject([
      { actor: ADA },
    ]);
    await dm.waitForUpdate(/Acknowledged/);
    expect(await call.end('completed')).toBe(204);

    // The repeated calls at 7 and 12 minutes, and the escalation at 15, do not happen.
    for (let m = 0; m < 16; m += 1) await h.advance(1);
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(1);
    expect(h.twilio.standin.calls.filter((c) => c.to === BOB_PHONE)).toHaveLength(0);
  });

  it('an unanswered call moves to the next step at once; unanswered for 15 minutes escalates to the next level', async () => {
    await h.postAlertmanager(newAlert());
    await h.advance(2);
    const first = await h.twilio.expectCall(ADA_PHONE);
    await first.end('no-answer');
    await h.baton.drain();
    // The next call was due at 7 minutes; it goes now.
    const second = await h.twilio.expectCall(ADA_PHONE);
    await second.end('busy');
    await h.baton.drain();
    await h.twilio.expectCall(ADA_PHONE);
    for (let m = 0; m < 13; m += 1) await h.advance(1);
    await h.slack.expectDM(BOB, '5xx ratio');
    await h.advance(2);
    await h.twilio.expectCall(BOB_PHONE);
    // Level 1's remaining steps are stale once the incident escalated: Ada's phone stays quiet.
    const adaCalls = h.twilio.callsTo(ADA_PHONE).length;
    for (let m = 0; m < 10; m += 1) await h.advance(1);
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(adaCalls);
  });

  it('SMS replies: a code acts on the incident; anything else gets help; STOP and START are respected', async () => {
    await h.postAlertmanager(newAlert());
    await h.advance(2);
    await h.twilio.expectSms(ADA_PHONE);
    expect(await h.twilio.reply(ADA_PHONE, 'what?')).toEqual({
      status: 200,
      reply: expect.stringContaining('12A acknowledges incident 12'),
    });
    expect((await h.twilio.reply('+15559999999', '1A')).reply).toContain('does not know this number');
    expect(await h.twilio.reply(ADA_PHONE, ' 1a ')).toEqual({ status: 200, reply: 'Incident 1 acknowledged.' });
    expect(await incident(1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADA });
    expect((await h.twilio.reply(BOB_PHONE, '1A')).reply).toMatch(/nothing changed. It was already acknowledged by Ada Lovelace/);
    expect((await h.twilio.reply(ADA_PHONE, '1R')).reply).toBe('Incident 1 resolved.');

    expect(await h.twilio.reply(ADA_PHONE, 'STOP')).toEqual({ status: 200, reply: null });
    expect((await h.baton.db.query((q) => q.select().from(users).where(eq(users.id, ADA)).limit(1)))[0]!.smsOptedOut).toBe(true);
    await h.postAlertmanager(newAlert());
    await h.advance(2);
    await h.twilio.expectCall(ADA_PHONE); // calls still come
    await h.twilio.expectCall(ADA_PHONE);
    expect(h.twilio.smsTo(ADA_PHONE)).toHaveLength(1);
    await h.twilio.reply(ADA_PHONE, 'START');
    await h.postAlertmanager(newAlert());
    await h.advance(2);
    await h.twilio.expectSms(ADA_PHONE, 'Baton #3');
  });

  it('unsigned or wrongly signed Twilio webhooks get 403 and change nothing', async () => {
    await h.postAlertmanager(newAlert());
    await h.advance(2);
    const call = await h.twilio.expectCall(ADA_PHONE);
    await h.baton.drain();
    const before = JSON.stringify(await rowCounts(h.baton.db));
    const sms = `${h.baton.url}/twilio/sms`;
    const form = { From: ADA_PHONE, To: BATON_NUMBER, Body: '1A' };
    for (const signature of [null, 'bm90IGEgc2lnbmF0dXJl', ''] as const) {
      const res = await h.twilio.standin.signedPost(sms, form, { signature });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'invalid_signature' });
    }
    // Signed for another URL, or with a changed body after signing.
    const { getExpectedTwilioSignature } = (await import('twilio')).default;
    const other = await h.twilio.standin.signedPost(`${h.baton.url}/twilio/sms?x=1`, form, {
      signature: getExpectedTwilioSignature(h.twilio.standin.authToken, sms, form),
    });
    expect(other.status).toBe(403);
    const tampered = await h.twilio.standin.signedPost(
      sms,
      { ...form, Body: '1R' },
      { signature: getExpectedTwilioSignature(h.twilio.standin.authToken, sms, form) },
    );
    expect(tampered.status).toBe(403);
    const key = await h.twilio.standin.signedPost(
      `${call.call.url.replace('/twilio/voice?', '/twilio/voice/key?')}`,
      { Digits: '1' },
      { signature: 'forged' },
    );
    expect(key.status).toBe(403);
    expect((await incident(1)).status).toBe('triggered');
    expect(JSON.stringify(await rowCounts(h.baton.db))).toBe(before);
  });

  it('Slack down for 10 minutes: the phone steps start at once; after recovery each Slack message arrives once', async () => {
    h.slack.standin.setDown(true);
    expect((await h.postAlertmanager(newAlert())).status).toBe(200);
    await h.baton.drain();
    // No waiting for the 2-minute delay: Slack failed, so the phone goes now.
    await h.twilio.expectSms(ADA_PHONE, 'Baton #1');
    await h.twilio.expectCall(ADA_PHONE);
    for (let second = 0; second < 10 * 60; second += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);
    h.slack.standin.setDown(false);
    for (let second = 0; second < 120; second += 5) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    await h.slack.expectDM(ADA, '5xx ratio');
    expect(h.slack.dmsTo(ADA).filter((m) => m.text.includes('5xx ratio'))).toHaveLength(1);
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => !m.threadTs && m.text.includes('5xx ratio'))).toHaveLength(1);
  });

  it('repeat_every_minutes: 1 rings every minute, also when the loop runs a few seconds late', async () => {
    await h.stop();
    const everyMinute = CONFIG.replace(
      `phone: "${ADA_PHONE}" }`,
      `phone: "${ADA_PHONE}", notification_rules: { high: [{ method: slack }, { method: voice, repeat_every_minutes: 1 }] } }`,
    );
    expect(everyMinute).toContain('repeat_every_minutes: 1');
    h = await startHarness({ config: everyMinute, twilio: true });
    await h.postAlertmanager(newAlert());
    await h.baton.drain();
    const start = h.clock.now().getTime();
    // The loop ticks every 5 s and runs a few seconds late: 3 s in odd minutes, 2.96 s in even ones. So the
    // minute-2 call goes out 59.96 s after the minute-1 call, less than a minute apart, and is still a step of its own.
    for (let k = 1; k * 5 <= 170; k += 1) {
      const lagMs = Math.floor(k / 12) % 2 === 1 ? 3000 : 2960;
      h.clock.set(start + k * 5000 + lagMs);
      await h.baton.tick();
    }
    const sentAfter = (await h.baton.db.query((q) => q.select().from(outbox)))
      .filter((r) => r.kind === 'twilio.voice' && r.status === 'sent')
      .map((r) => (r.sentAt! - start) / 1000)
      .sort((a, b) => a - b);
    // A fourth call would be over the throttle (3 per 15 minutes).
    expect(sentAfter).toEqual([0, 63, 122.96]);
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(3);
  });

  it('low urgency stays in Slack', async () => {
    await h.postAlertmanager(newAlert('warning'));
    await h.slack.expectDM(ADA);
    for (let m = 0; m < 10; m += 1) await h.advance(1);
    expect(h.twilio.standin.calls).toHaveLength(0);
    expect(h.twilio.standin.messages).toHaveLength(0);
  });

  it('20 incidents in 5 minutes: at most 3 calls and 5 SMS per 15 minutes; the rest arrive bundled', async () => {
    for (let minute = 0; minute < 5; minute += 1) {
      for (let k = 0; k < 4; k += 1) expect((await h.postAlertmanager(newAlert())).status).toBe(200);
      await h.advance(1);
    }
    for (let minute = 5; minute < 14; minute += 1) await h.advance(1);
    const window = (list: { at: number }[]) => list.length;
    expect(window(h.twilio.callsTo(ADA_PHONE))).toBeLessThanOrEqual(3);
    expect(window(h.twilio.smsTo(ADA_PHONE))).toBeLessThanOrEqual(5);
    expect(h.twilio.callsTo(ADA_PHONE).length).toBeGreaterThan(0);
    // Nobody acknowledged: after 15 minutes the incidents escalate to Bob, and once Ada's window frees the
    // pages still due for her come as one message.
    for (let minute = 14; minute < 22; minute += 1) await h.advance(1);
    const bundled = h.twilio.smsTo(ADA_PHONE).filter((m) => /\d+ unacknowledged incidents/.test(m.body));
    expect(bundled.length).toBeGreaterThan(0);
    expect(h.twilio.smsTo(ADA_PHONE).length).toBeLessThanOrEqual(10);
    expect(h.twilio.callsTo(BOB_PHONE).length).toBeLessThanOrEqual(6);
    // The throttle holds in every 15-minute window of virtual time, by the outbox's own send times.
    for (const [kind, limit] of [
      ['twilio.voice', 3],
      ['twilio.sms', 5],
    ] as const) {
      const times = (await h.baton.db.query((q) => q.select().from(outbox)))
        .filter((r) => r.kind === kind && r.status === 'sent' && (r.payload as { userId: string }).userId === ADA)
        .map((r) => r.sentAt!)
        .sort((a, b) => a - b);
      expect(times.length).toBeGreaterThan(limit - 1);
      for (const t of times) expect(times.filter((u) => u >= t && u < t + 15 * 60_000).length).toBeLessThanOrEqual(limit);
    }
    const bundledCall = h.twilio.callsTo(ADA_PHONE).at(-1)!;
    const script = await h.twilio.standin.answer(bundledCall);
    expect(script.says.join(' ')).toMatch(/You have \d+ unacknowledged incidents|Incident \d+/);
  });

  it('the emergency line: a caller leaves a voicemail that opens a high-urgency incident with the recording', async () => {
    await h.stop();
    h = await startHarness({ config: `${CONFIG}\nemergency_line: { service: checkout }\n`, twilio: true });
    const call = await h.twilio.standin.inboundCall(`${h.baton.url}/twilio/voice/inbound`, '+15557654321', BATON_NUMBER);
    expect(call.greeting.says[0]).toContain('on-call emergency line');
    expect(call.afterRecording?.says).toEqual(['Thank you. The on-call engineer is being paged now. Goodbye.']);
    const opened = await incident(1);
    expect(opened).toMatchObject({
      title: 'Emergency line: voicemail from +15557654321 (21 s)',
      urgency: 'high',
      serviceId: 'checkout',
      status: 'triggered',
    });
    expect(opened.links.source).toBe(call.recordingUrl);
    const dm = await h.slack.expectDM(ADA, 'Emergency line');
    expect(dm.rendered).toContain(call.recordingUrl);
    await h.advance(2);
    await h.twilio.expectCall(ADA_PHONE);
  });

  it('without an emergency line, inbound calls are told so and open nothing', async () => {
    const call = await h.twilio.standin.inboundCall(`${h.baton.url}/twilio/voice/inbound`, '+15557654321', BATON_NUMBER);
    expect(call.greeting.says).toEqual(['This number only makes calls. Goodbye.']);
    expect(call.afterRecording).toBeNull();
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toEqual([]);
  });

  it('/oncall me without phone paging set up says so: the rules are saved, no code is sent, the number is not kept', async () => {
    await h.stop();
    h = await startHarness({ config: CONFIG });
    const modal = await h.slack.openModal(CLEO, 'me');
    const saved = await modal.set('high', 'slack 0\nvoice 1').set('phone', '+919812345678').submit();
    expect(saved.errors).toBeNull();
    expect(saved.next?.rendered).toContain('Phone paging is not set up');
    expect(saved.next?.rendered).not.toContain('We texted');
    expect(saved.next?.fields).toEqual([]);
    await h.baton.drain();
    expect((await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.kind === 'twilio.verify')).toEqual([]);
    expect(
      (
        await h.baton.db.query((q) =>
          q
            .select()
            .from(settings)
            .where(eq(settings.key, `verify:${CLEO}`))
            .limit(1),
        )
      )[0],
    ).toBeUndefined();
    expect((await h.baton.db.query((q) => q.select().from(users).where(eq(users.id, CLEO)).limit(1)))[0]).toMatchObject({
      phone: null,
      notificationRules: { high: [{ method: 'slack' }, { method: 'voice', afterMinutes: 1 }] },
    });
  });

  it('/oncall me: rules per urgency, and a new number is used only after its SMS code comes back', async () => {
    const CLEO_PHONE = '+919812345678';
    const modal = await h.slack.openModal(CLEO, 'me');
    expect(modal.initial('high')).toBe('slack 0\nsms 2\nvoice 2 every 5');
    expect(modal.initial('phone')).toBeUndefined();
    const bad = await modal.set('high', 'slack 0\npigeon 5').submit();
    expect(bad.errors).toEqual({ high: '"pigeon 5" is not a step; write e.g. "sms 2" or "voice 2 every 5".' });
    const next = await modal.set('high', 'slack 0\nvoice 1').set('phone', CLEO_PHONE).submit();
    expect(next.next?.title).toBe('Verify your phone');
    const sms = await h.twilio.expectSms(CLEO_PHONE, 'Baton verification code');
    const code = /(\d{6})/.exec(sms.body)![1]!;
    expect((await next.next!.set('code', code === '000000' ? '111111' : '000000').submit()).errors).toEqual({
      code: 'That is not the code we sent.',
    });
    expect((await h.baton.db.query((q) => q.select().from(users).where(eq(users.id, CLEO)).limit(1)))[0]!.phoneVerifiedAt).toBeNull();
    expect((await next.next!.set('code', code).submit()).closed).toBe(true);
    expect((await h.baton.db.query((q) => q.select().from(users).where(eq(users.id, CLEO)).limit(1)))[0]).toMatchObject({
      phone: CLEO_PHONE,
      notificationRules: { high: [{ method: 'slack' }, { method: 'voice', afterMinutes: 1 }] },
    });

    // Cleo takes the pager (she is in no Payments rotation, so an admin puts her on it); her rules say: a call after one minute, no SMS.
    await h.baton.overrides.createOverride(ADMIN, {
      rotationId: 'payments-primary',
      userId: CLEO,
      start: h.clock.now().getTime(),
      end: h.clock.now().getTime() + 3_600_000,
    });
    await h.postAlertmanager(newAlert());
    await h.slack.expectDM(CLEO, '5xx ratio');
    await h.advance(1);
    await h.twilio.expectCall(CLEO_PHONE);
    await h.advance(5);
    expect(h.twilio.smsTo(CLEO_PHONE)).toHaveLength(1); // only the code
  });
});
