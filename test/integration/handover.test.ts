import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADA, BOB, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

type Body = {
  groupKey: string;
  status: string;
  commonLabels: Record<string, string>;
  groupLabels: Record<string, string>;
  alerts: { fingerprint: string; status: string; labels: Record<string, string> }[];
};

/** An alert group named `name`, with `count` alerts in it. */
function group(name: string, count = 1, status: 'firing' | 'resolved' = 'firing'): Body {
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as Body;
  body.groupKey = `{}:{alertname="${name}"}`;
  body.status = status;
  body.commonLabels.alertname = name;
  body.groupLabels = { alertname: name };
  const template = body.alerts[0]!;
  body.alerts = Array.from({ length: count }, (_, i) => ({
    ...structuredClone(template),
    status,
    fingerprint: `${name}-${i}`,
    labels: { ...template.labels, alertname: name, instance: `host-${i}` },
  }));
  return body;
}

describe('handover', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('at the handoff the team channel and the incoming on-call get the digest; an hour before, a reminder', async () => {
    await h.baton.tick(); // Baton learns who holds the pager now.

    // A shift with a quick incident, an open one, a noisy one and a note.
    await h.postAlertmanager(group('DiskFull'));
    const dm = await h.slack.expectDM(ADA, '5xx ratio');
    await h.advance(3);
    await dm.click('Acknowledge', { as: ADA });
    await h.advance(10);
    await h.postAlertmanager(group('DiskFull', 1, 'resolved'));
    await h.postAlertmanager(group('FlappingProbe', 6));
    await h.advance(60);
    await h.postAlertmanager(group('CertExpiry'));
    const note = await h.slack.command(ADA, 'note The payments DB failover is half done; see the ticket.');
    expect(note.text).toContain('Noted for the *Payments primary* handover');
    expect((await h.slack.command('U0STRANGER', 'note hello')).text).toContain('not in any rotation');
    // Bob covers Ada next week for an afternoon.
    await h.baton.overrides.createOverride(BOB, {
      rotationId: 'payments-primary',
      userId: BOB,
      start: Date.parse('2026-11-24T12:00:00Z'),
      end: Date.parse('2026-11-24T16:00:00Z'),
    });

    // Monday 23 November 07:00 UTC: an hour before Bob's week starts at 09:00 in Berlin.
    h.clock.set('2026-11-23T07:00:30Z');
    await h.baton.tick();
    const reminder = await h.slack.expectDM(BOB, 'shift starts');
    expect(reminder.text).toContain('Payments primary');
    await h.advance(5);
    expect(h.slack.dmsTo(BOB).filter((m) => m.text.includes('shift starts'))).toHaveLength(1);

    h.clock.set('2026-11-23T08:00:05Z');
    await h.baton.tick();
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Handover for Payments primary');
    expect(post.text).toContain(`<@${ADA}> → <@${BOB}>`);
    const body = post.rendered;
    expect(body).toContain('Still open (2)');
    expect(body).toMatch(/open \d+ d \d+ h \(<http:\/\/prometheus[^|]*\|source>\)/);
    expect(body).toMatch(/FlappingProbe|5xx ratio/);
    expect(body).toContain('acknowledged in 3 min, resolved in 13 min');
    expect(body).toContain('FlappingProbe: 6 alerts in 1 incident');
    expect(body).toContain('The payments DB failover is half done');
    expect(body).toContain(`<@${BOB}> covers`);
    await h.slack.expectDM(BOB, 'Handover for Payments primary');

    // Once per handoff, also across a restart.
    await h.restart();
    await h.advance(1);
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('Handover for'))).toHaveLength(1);
  });

  it('with daily_digest_time, a digest of the last 24 hours goes out once a day at that local time', async () => {
    await h.stop();
    h = await startHarness({
      config: TEST_CONFIG.replace(
        '    participants: [U0ADA00001, U0BOB00002]',
        '    participants: [U0ADA00001, U0BOB00002]\n    daily_digest_time: "18:00"',
      ),
    });
    const digests = () => h.slack.standin.messages(TEAM_CHANNEL).filter((m) => m.text.includes('Handover for'));
    await h.postAlertmanager(group('DiskFull'));
    h.clock.set('2026-11-18T16:59:00Z'); // 17:59 in Berlin
    await h.baton.tick();
    expect(digests()).toHaveLength(0);
    h.clock.set('2026-11-18T17:00:10Z');
    await h.baton.tick();
    await h.slack.expectChannelMessage(TEAM_CHANNEL, `Handover for Payments primary: <@${ADA}> → <@${ADA}>`);
    expect(digests()[0]!.text).toContain('1 still open, 1 this shift');
    await h.advance(30);
    await h.restart();
    await h.advance(1);
    expect(digests()).toHaveLength(1);
    h.clock.set('2026-11-19T17:00:10Z');
    await h.baton.tick();
    expect(digests()).toHaveLength(2);
  });

  it('the digest covers the shift from its real start, not from when Baton first looked, and counts a note as one', async () => {
    // During Ada's week (from Mon 16 Nov 09:00 Berlin), before Baton's loop has looked at the rotation:
    await h.postAlertmanager(group('DiskFull'));
    const dm = await h.slack.expectDM(ADA, '5xx ratio');
    await dm.click('Acknowledge', { as: ADA });
    await h.slack.command(ADA, 'note Ledger replicas are behind.');

    // Baton's loop first runs five minutes before the handoff.
    h.clock.set('2026-11-23T07:55:00Z');
    await h.baton.tick();
    h.clock.set('2026-11-23T08:00:05Z');
    await h.baton.tick();
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Handover for Payments primary');
    expect(post.rendered).toContain(`Shift <!date^${Date.parse('2026-11-16T08:00:00Z') / 1000}^`);
    expect(post.rendered).toContain("This shift's incidents (1)");
    expect(post.rendered).toContain('Ledger replicas are behind.');
    expect(post.text).toContain('1 still open, 1 this shift, 1 note.');
  });
});
