import { afterEach, describe, expect, it } from 'vitest';
import { incidents } from '../../src/db/schema.js';
import { blockSuggestionBody } from '../../devtools/slack/requests.js';
import { ADA, BOB } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('Socket Mode: with an app token, Slack reaches Baton over a WebSocket', () => {
  let h: Harness;
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('connects, answers /oncall, and handles Acknowledge; alerts still arrive over HTTP', async () => {
    h = await startHarness({ socketMode: true });
    expect(h.baton.slackMode).toBe('socket');
    expect(h.slack.standin.calls.some((c) => c.method === 'apps.connections.open')).toBe(true);
    // No HTTP endpoint for Slack in Socket Mode.
    expect((await fetch(`${h.baton.url}/slack/events`, { method: 'POST', body: '' })).status).toBe(404);

    const who = await h.slack.command(BOB, 'who');
    expect(who.text).toContain(`<@${ADA}> until Mon 23 Nov 02:00 CST`);

    expect((await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body)).status).toBe(200);
    const dm = await h.slack.expectDM(ADA);
    await dm.click('Acknowledge', { as: ADA });
    await dm.waitForUpdate(/Acknowledged by <@U0ADA00001>/);
    expect((await h.baton.db.query((q) => q.select().from(incidents).limit(1)))[0]).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: ADA,
    });

    // Option searches for long lists (block_suggestion) are answered over the socket too.
    const search = await h.slack.deliver(
      'interactive',
      blockSuggestionBody({
        userId: BOB,
        actionId: 'value',
        blockId: 'service',
        value: 'check',
        viewId: 'V0SEARCH01',
        view: { type: 'modal', callback_id: 'modal_declare', blocks: [] },
      }),
    );
    expect(search.body).toEqual({ options: [{ text: { type: 'plain_text', text: 'Checkout' }, value: 'checkout' }] });
  });
});

describe('the escalation loop runs by itself', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it('node-cron escalates a due incident within one 5-second period, with no manual tick', async () => {
    h = await startHarness({ cron: true });
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA);
    h.clock.advanceMinutes(15);
    await h.slack.expectDM(BOB, undefined, 7_000);
  }, 15_000);
});
