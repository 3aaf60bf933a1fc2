import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incidents } from '../../src/db/schema.js';
import { TEST_CONFIG } from '../support/config.js';
import { alertGroup } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const ADA_PHONE = '+4915112345678';
/** Ada is paged by SMS and voice at once; her level waits an hour, so nothing escalates past her meanwhile. */
const CONFIG = TEST_CONFIG.replace(
  `phone: "${ADA_PHONE}" }`,
  `phone: "${ADA_PHONE}", notification_rules: { high: [{ method: slack }, { method: sms }, { method: voice }] } }`,
).replace(
  '      - targets: [{ rotation: payments-primary }]\n',
  '      - delay_minutes: 60\n        targets: [{ rotation: payments-primary }]\n',
);

let groups = 0;
const newGroup = () => {
  groups += 1;
  return alertGroup(`Storm${groups}`);
};

describe('the phone in a storm', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(CONFIG).toContain('delay_minutes: 60');
    h = await startHarness({ config: CONFIG, twilio: true });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('over the limit (3 calls, 5 SMS per 15 min), held pages go out as one call and one SMS at the next free slot, and one answer takes them all', async () => {
    // 8 incidents in 16 seconds, each paging Ada's phone at once.
    for (let i = 0; i < 8; i += 1) {
      expect((await h.postAlertmanager(newGroup())).status).toBe(200);
      h.clock.advanceSeconds(2);
      await h.baton.tick();
    }
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(3);
    expect(h.twilio.smsTo(ADA_PHONE)).toHaveLength(5);

    // The next free slot: 15 minutes after the first call. Nothing else reaches the phone before it.
    for (let minute = 0; minute < 14; minute += 1) await h.advance(1);
    expect([h.twilio.callsTo(ADA_PHONE).length, h.twilio.smsTo(ADA_PHONE).length]).toEqual([3, 5]);
    for (let s = 0; s < 12; s += 1) {
      h.clock.advanceSeconds(5);
      await h.baton.tick();
    }
    expect(h.twilio.callsTo(ADA_PHONE)).toHaveLength(4);
    expect(h.twilio.smsTo(ADA_PHONE)).toHaveLength(6);
    const bundle = h.twilio.smsTo(ADA_PHONE).at(-1)!;
    expect(bundle.body).toMatch(/^Baton: 3 unacknowledged incidents/);
    expect(bundle.body).toContain('Reply A to acknowledge all');

    // One SMS reply takes every incident of that SMS.
    const replied = await h.twilio.reply(ADA_PHONE, 'A');
    expect(replied.reply).toBe('Incidents 6, 7, 8 acknowledged.');
    // One key press on the bundled call takes the rest.
    let call = await h.twilio.expectCall(ADA_PHONE);
    for (let seen = 1; seen < 4; seen += 1) call = await h.twilio.expectCall(ADA_PHONE);
    expect((await call.answer()).says.join(' ')).toContain('You have 5 unacknowledged incidents');
    expect((await call.press('1')).says).toEqual(['2 incidents acknowledged. Goodbye.']);
    const open = (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.status, 'triggered'))))
      .map((i) => i.id)
      .sort((a, b) => a - b);
    expect(open).toEqual([1, 2, 3]);

    // Nothing more reaches the phone for the five held pages.
    for (let minute = 0; minute < 30; minute += 5) await h.advance(5);
    expect([h.twilio.callsTo(ADA_PHONE).length, h.twilio.smsTo(ADA_PHONE).length]).toEqual([4, 6]);
  });
});
