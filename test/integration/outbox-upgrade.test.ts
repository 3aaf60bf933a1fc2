import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.js';
import { ADA, BOB, TEAM_CHANNEL } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Outbox rows now carry what happened and are worded when sent. Rows an older version queued carry their
 * words instead (a note's `text`, a page's `reason` as text, a team post's `mention`, a notice's `text`):
 * after an upgrade they still go out, as they were written.
 */
describe('rows queued by an older version', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('send with the words they carry', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectChannelMessage(TEAM_CHANNEL, '5xx ratio');
    const other = 'C0OTHERTEAM';
    h.slack.standin.addChannel(other, 'other-team');
    const now = h.clock.now().getTime();
    const queued = (kind: string, payload: Record<string, unknown>) =>
      h.baton.db.query((q) =>
        q.insert(outbox).values({
          kind,
          dedupeKey: `legacy:${kind}`,
          incidentId: typeof payload.incidentId === 'number' ? payload.incidentId : null,
          payload,
          status: 'pending',
          nextAttemptAt: now,
          createdAt: now,
        }),
      );
    await queued('slack.incident_note', { incidentId: 1, channel: TEAM_CHANNEL, text: ':warning: A note an older Baton wrote.' });
    await queued('slack.page', { incidentId: 1, userId: BOB, level: 1, loop: 0, reason: `Escalated by <@${ADA}>.` });
    await queued('slack.team_post', { incidentId: 1, channel: other, mention: '<!channel>' });
    await queued('slack.message', { channel: BOB, text: ':bell: A notice an older Baton wrote.' });
    await h.advance(1);
    await h.baton.drain();

    await h.slack.expectChannelMessage(TEAM_CHANNEL, ':warning: A note an older Baton wrote.');
    expect((await h.slack.expectDM(BOB, '5xx ratio')).rendered).toContain(`You are paged. Escalated by <@${ADA}>.`);
    expect((await h.slack.expectChannelMessage(other, '5xx ratio')).text).toMatch(/^<!channel> \[CRITICAL\] #1 /);
    await h.slack.expectDM(BOB, ':bell: A notice an older Baton wrote.');
    expect(
      (await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.dedupeKey?.startsWith('legacy:')).map((r) => r.status),
    ).toEqual(['sent', 'sent', 'sent', 'sent']);
  });
});
