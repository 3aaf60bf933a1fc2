import { afterEach, describe, expect, it, vi } from 'vitest';
import { incidentEvents } from '../../src/db/schema.js';
import { ADA, BOB, CLEO, GENERIC_KEY, SOURCES_CONFIG, TEAM_CHANNEL, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** What an alert sender (or a person in a form) may write: Slack markup that would notify or link if sent as is. */
const EVIL = '<!channel> <@U123> <https://evil.example|click> & <!here>';
/** The same as Slack sends what a person typed (slash commands have should_escape) and keeps a message's text. */
const TYPED = '<!channel> <@U123> <https://evil.example|click> &amp; <!here>';
/** EVIL shown as text. */
const ESCAPED = '&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; &lt;!here&gt;';
/** TYPED shown as text: the mentions and the link become words that notify nobody. */
const TYPED_SHOWN = '@channel @U123 click (https://evil.example) &amp; @here';
const FORBIDDEN = ['<!channel>', '<!here>', '<@U123', '<https://evil.example'];

const STAKEHOLDERS = 'C0STAKEHOLD1';
const withStakeholders = (config: string) =>
  config.replace(
    '  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1 }',
    `  - { id: payments, name: Payments, slack_channel: C0PAYMENTS1, stakeholders_channel: ${STAKEHOLDERS} }`,
  );

/** An Alertmanager group whose summary, description, alertname and labels all carry EVIL. */
function evilAlertmanager() {
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as Record<string, unknown> & {
    alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
    commonLabels: Record<string, string>;
    commonAnnotations: Record<string, string>;
    groupLabels: Record<string, string>;
  };
  const labels = { alertname: `Checkout down ${EVIL}`, service: 'checkout', severity: 'critical', team: EVIL };
  const annotations = {
    summary: `Checkout down ${EVIL}`,
    description: `Customers see errors ${EVIL}`,
    runbook_url: 'https://runbooks.example.com/checkout-5xx',
  };
  body.alerts[0]!.labels = labels;
  body.alerts[0]!.annotations = annotations;
  body.commonLabels = labels;
  body.commonAnnotations = annotations;
  body.groupLabels = { alertname: labels.alertname };
  return body;
}

/**
 * Every string under a `text` key, at any depth (message text, mrkdwn block texts, fields, context elements),
 * except plain_text objects (headers, buttons): Slack shows those as written and never makes mentions or links
 * in them, so an alert title is given to a header as it is.
 */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    // Form-encoded Web API calls carry blocks and views as JSON strings.
    if (/^\s*[[{]/.test(value)) {
      try {
        textsOf(JSON.parse(value), out);
      } catch {
        /* not JSON */
      }
    }
    return out;
  }
  if (Array.isArray(value)) for (const v of value) textsOf(v, out);
  else if (value && typeof value === 'object') {
    if ((value as { type?: unknown }).type === 'plain_text') return out;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'text' && typeof v === 'string') out.push(v);
      else textsOf(v, out);
    }
  }
  return out;
}

const SENDING = ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.publish', 'views.open', 'views.update', 'views.push'];

/** Everything the app sent Slack to show: Web API calls, response URL posts, and stored messages it wrote. */
function everythingShown(h: Harness): { where: string; text: string }[] {
  const shown: { where: string; text: string }[] = [];
  for (const call of h.slack.standin.calls.filter((c) => SENDING.includes(c.method))) {
    const where = `${call.method} ${String(call.args.channel ?? call.args.user_id ?? '')}`;
    for (const text of textsOf({ text: call.args.text, blocks: call.args.blocks, view: call.args.view })) shown.push({ where, text });
  }
  for (const post of h.slack.standin.responseUrlPosts) for (const text of textsOf(post.body)) shown.push({ where: 'response_url', text });
  for (const m of h.slack.standin.messages().filter((m) => !m.user)) {
    for (const version of [...m.history, m])
      for (const text of textsOf({ text: version.text, blocks: version.blocks })) shown.push({ where: `stored ${m.channel}`, text });
  }
  return shown;
}

function expectNothingUnescaped(h: Harness): void {
  const shown = everythingShown(h);
  expect(shown.length).toBeGreaterThan(0);
  const leaks = shown.filter((s) => FORBIDDEN.some((f) => s.text.includes(f)));
  expect(leaks).toEqual([]);
}

/** A message's fallback text and every block text, joined. */
const allTexts = (m: { text: string; blocks?: unknown[] | undefined }) => textsOf({ text: m.text, blocks: m.blocks }).join('\n');

describe('text from outside is shown, never interpreted as Slack markup', () => {
  let h: Harness;
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const calls = (method: string) =>
    h.slack.standin.calls.filter((c) => c.method === method && c.status === 200 && (c.response as { ok: boolean }).ok);
  /** Posts to one channel are paced a second apart: let virtual time pass and send what is due. */
  const settle = async () => {
    h.clock.advanceSeconds(3);
    await h.baton.drain();
  };

  it('an Alertmanager alert: DM, team post, refresh after acknowledge, incident channel, updates, pins, App Home and summary', async () => {
    h = await startHarness({ config: withStakeholders(TEST_CONFIG) });
    h.slack.standin.addChannel(STAKEHOLDERS, 'stakeholders');
    expect((await h.postAlertmanager(evilAlertmanager())).status).toBe(200);

    const dm = await h.slack.expectDM(ADA);
    expect(dm.text).toContain(`Checkout down ${ESCAPED}`);
    expect(allTexts(dm.current)).toContain(`team=${ESCAPED}`);
    // The header is plain_text: Slack shows it as written and makes no mention or link in it, so it is not escaped.
    expect(dm.current.blocks?.[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringContaining(`#1 Checkout down ${EVIL}`) },
    });
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, /CRITICAL/);
    // The team post's own mention of the channel is Baton's, and not there for a plain team post.
    expect(post.text).toContain(`Checkout down ${ESCAPED}`);

    // High urgency: an incident channel, its card pinned.
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    const channel = (calls('conversations.create')[0]!.response as { channel: { id: string } }).channel.id;
    expect(String(calls('conversations.create')[0]!.args.name)).toMatch(
      /^inc-20261118-1-checkout-down-channel-u123-https-evil-example-click-here$/,
    );
    const card = await h.slack.expectChannelMessage(channel, /CRITICAL/);
    expect(card.text).toContain(ESCAPED);
    await settle();

    // People type Slack markup too: a status update, a call for help, a pinned message.
    await h.slack.commandIn(channel, ADA, `update Rolling back ${TYPED}`);
    await settle();
    const update = await h.slack.expectChannelMessage(STAKEHOLDERS, /Status update/);
    expect(update.text).toContain(`#1 Checkout down ${ESCAPED}`);
    expect(update.text).toContain(`Rolling back ${TYPED_SHOWN}`);
    await h.slack.expectChannelMessage(channel, /Status update/);
    await h.slack.commandIn(channel, ADA, `page <@${BOB}|bob> ${TYPED}`);
    await settle();
    const help = await h.slack.expectDM(BOB);
    expect(allTexts(help.current)).toContain(`<@${ADA}> asks for help: ${TYPED_SHOWN}`);
    const finding = h.slack.standin.postAsUser(channel, BOB, `Found it ${TYPED}`);
    expect(
      await h.slack.event({
        type: 'reaction_added',
        user: BOB,
        reaction: 'pushpin',
        item: { type: 'message', channel, ts: finding },
        item_user: BOB,
      }),
    ).toBe(200);
    await vi.waitUntil(
      async () =>
        (await h.baton.db.query((q) => q.select().from(incidentEvents))).some(
          (e) => e.kind === 'pinned' && typeof e.detail.text === 'string',
        ),
      { timeout: 3000, interval: 25 },
    );

    // The App Home lists the incident.
    const home = await h.slack.openHome(ADA);
    expect(home.rendered).toContain(ESCAPED);

    // Acknowledge: every copy of the card is updated, still escaped.
    await dm.click('Acknowledge', { as: ADA });
    await dm.waitForUpdate(/Acknowledged/);
    await post.waitForUpdate(/Acknowledged/);
    await card.waitForUpdate(/Acknowledged/);
    expect(dm.text).toContain(`Checkout down ${ESCAPED}`);
    expect(calls('chat.update').length).toBeGreaterThanOrEqual(3);

    // Resolve: the summary in the incident channel.
    await settle();
    await card.click('Resolve', { as: ADA });
    await settle();
    const wrapUp = await h.slack.expectChannelMessage(channel, 'Resolved: #1');
    expect(wrapUp.text).toContain(ESCAPED);
    const summary = allTexts(wrapUp.current);
    expect(summary).toContain(`Status update by <@${ADA}>: Rolling back ${TYPED_SHOWN}`);
    expect(summary).toContain(`<@${BOB}> pinned: Found it ${TYPED_SHOWN}`);

    expectNothingUnescaped(h);
  });

  it('a generic webhook alert: summary, source and labels escaped in the DM, team post and incident channel', async () => {
    h = await startHarness({ config: SOURCES_CONFIG });
    const res = await fetch(`${h.baton.url}/integrations/generic/${GENERIC_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ summary: `Queue stuck ${EVIL}`, source: EVIL, labels: { queue: EVIL }, details: { note: EVIL } }),
    });
    expect(res.status).toBe(202);
    const dm = await h.slack.expectDM(ADA);
    expect(dm.text).toContain(`Queue stuck ${ESCAPED}`);
    expect(allTexts(dm.current)).toContain(`source=${ESCAPED}`);
    const post = await h.slack.expectChannelMessage(TEAM_CHANNEL, /CRITICAL/);
    expect(post.text).toContain(ESCAPED);
    await h.slack.standin.waitFor(() => calls('pins.add').length === 1);
    await dm.click('Resolve', { as: ADA });
    await post.waitForUpdate(/Resolved/);
    await settle();
    const channel = (calls('conversations.create')[0]!.response as { channel: { id: string } }).channel.id;
    const wrapUp = await h.slack.expectChannelMessage(channel, 'Resolved: #1');
    expect(wrapUp.text).toContain(ESCAPED);
    expectNothingUnescaped(h);
  });

  it('a page typed in "Page someone": the page and the answer to the person who paged', async () => {
    h = await startHarness();
    const home = await h.slack.openHome(BOB);
    await home.click('Page someone');
    const modal = await h.slack.expectModal(BOB, 'Page someone');
    expect((await modal.set('who', CLEO).set('message', `Help ${EVIL}`).set('service', 'checkout').submit()).closed).toBe(true);
    const page = await h.slack.expectDM(CLEO);
    expect(page.text).toContain(`Help ${ESCAPED}`);
    await page.click('Acknowledge', { as: CLEO });
    const answer = await h.slack.expectDM(BOB, /Your page/);
    expect(answer.text).toContain(`Help ${ESCAPED}`);
    expectNothingUnescaped(h);
  });

  it('the handover digest: alert titles and notes', async () => {
    h = await startHarness();
    await h.baton.tick();
    await h.postAlertmanager(evilAlertmanager());
    await h.slack.expectDM(ADA);
    expect((await h.slack.command(ADA, `note Watch out ${TYPED}`)).text).toContain('Noted');
    h.clock.set('2026-11-23T08:00:05Z');
    await h.baton.tick();
    const digest = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Handover for Payments primary');
    const rendered = allTexts(digest.current);
    expect(rendered).toContain(`Checkout down ${ESCAPED}`);
    expect(rendered).toContain(`Watch out ${TYPED_SHOWN}`);
    expectNothingUnescaped(h);
  });
});
