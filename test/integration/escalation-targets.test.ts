import { afterEach, describe, expect, it } from 'vitest';
import { incidentEvents } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const OPS = 'C0OPSROOM1';

// Level 1 is a business-hours desk that is closed at TEST_NOW's 10:00 UTC on a Wednesday... in Sydney (21:00).
const CONFIG = TEST_CONFIG.replace(
  'escalation_policies:',
  `  - id: sydney-desk
    name: Sydney desk
    team: payments
    time_zone: Australia/Sydney
    shift: 1d
    handoff_time: "09:00"
    start_date: "2026-11-02"
    participants: [${CLEO}]
    restrictions: [{ days: [mon-fri], start: "09:00", end: "17:00" }]
escalation_policies:`,
).replace(
  `    levels:
      - targets: [{ rotation: payments-primary }]`,
  `    levels:
      - targets: [{ rotation: sydney-desk }]
      - targets: [{ rotation: payments-primary, role: secondary }, { channel: ${OPS} }, { user_group: S0SRETEAM1 }]
      - targets: [{ rotation: payments-primary }]`,
);

describe('escalation levels', () => {
  let h: Harness;
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('a level with nobody on call is skipped at once and the team is told; channels and user groups are paged as a whole', async () => {
    expect(CONFIG).toContain('sydney-desk');
    expect(CONFIG).toContain(OPS);
    h = await startHarness({ config: CONFIG });
    h.slack.standin.addChannel(OPS, 'ops');
    expect((await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body)).status).toBe(200);
    // Thread notes wait for the channel post they reply to, and posts to one channel are paced (a burst of
    // 3, then one a second): some seconds on, they have all followed it.
    await h.baton.drain();
    for (let s = 0; s < 6; s += 1) {
      h.clock.advanceSeconds(2);
      await h.baton.tick();
    }

    // Level 1 (the Sydney desk) is closed, so level 2 pages right away: Bob as secondary, #ops, and @sre.
    await h.slack.expectDM(BOB, '5xx ratio');
    const ops = await h.slack.expectChannelMessage(OPS, '5xx ratio');
    expect(ops.text.startsWith('<!channel>')).toBe(true);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Level 1 has nobody to page (on-call of rotation sydney-desk); moving on to level 2');
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '<!subteam^S0SRETEAM1> you are paged for this incident (level 2)');
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);
    expect(h.slack.dmsTo(CLEO)).toHaveLength(0);

    // The channel's copy of the card is kept up to date like every other.
    const dm = await h.slack.expectDM(BOB);
    await dm.click('Acknowledge', { as: BOB });
    await ops.waitForUpdate(/Acknowledged/);
    const events = (await h.baton.db.query((q) => q.select().from(incidentEvents))).map((e) => e.kind);
    expect(events).toEqual(expect.arrayContaining(['escalation_gap', 'paged']));

    // 15 minutes of silence would have gone to level 3; acknowledged, nothing more happens.
    for (let m = 0; m < 20; m += 1) await h.advance(1);
    expect(h.slack.dmsTo(ADA)).toHaveLength(0);
  });
});
