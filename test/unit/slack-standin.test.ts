import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/devtools/slack-standin.js';

/** The fake Slack must refuse what Slack refuses, or the integration tests prove nothing. */
describe('Slack stand-in contract checks', () => {
  let standin: SlackStandIn;
  let client: WebClient;
  beforeAll(async () => {
    standin = await SlackStandIn.start({ users: { U0ADA00001: { name: 'Ada', tz: 'Europe/Berlin' } } });
    client = new WebClient('xoxb-test', { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  beforeEach(() => standin.reset());
  afterAll(() => standin.stop());

  const errorOf = (p: Promise<unknown>) => p.then(() => 'ok', (err: { data?: { error?: string }; code?: string }) => err.data?.error ?? err.code);
  const button = (text: string, action_id: string) => ({ type: 'button', text: { type: 'plain_text', text }, action_id, value: '1' });

  it('a DM to a user ID lands in that user\'s D channel and can be updated there', async () => {
    const posted = await client.chat.postMessage({ channel: 'U0ADA00001', text: 'paged' });
    expect(posted.channel).toBe(standin.dmChannelOf('U0ADA00001'));
    await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'acknowledged' });
    expect(standin.dmsTo('U0ADA00001')).toMatchObject([{ text: 'acknowledged', history: [{ text: 'paged' }] }]);
    expect(await errorOf(client.chat.update({ channel: posted.channel!, ts: '1.000000', text: 'x' }))).toBe('message_not_found');
  });

  it('refuses messages without text or blocks, and to unknown channels', async () => {
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001' } as never))).toBe('no_text');
    expect(await errorOf(client.chat.postMessage({ channel: 'C0UNKNOWN', text: 'hi' }))).toBe('channel_not_found');
  });

  it('enforces Block Kit limits', async () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: tooMany as never }))).toBe('invalid_blocks');
    const dupActions = [{ type: 'actions', elements: [button('A', 'same'), button('B', 'same')] }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: dupActions as never }))).toBe('invalid_blocks');
    const longButton = [{ type: 'actions', elements: [button('x'.repeat(76), 'a')] }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: longButton as never }))).toBe('invalid_blocks');
    const longSection = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: longSection as never }))).toBe('invalid_blocks');
    expect(standin.violations).toHaveLength(4);
    const fine = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3000) } }, { type: 'actions', elements: [button('x'.repeat(75), 'a')] }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: fine as never }))).toBe('ok');
  });

  it('flags blocks sent without a text fallback', async () => {
    await client.chat.postMessage({ channel: 'U0ADA00001', blocks: [{ type: 'divider' }] } as never);
    expect(standin.violations).toEqual([expect.stringContaining('without a text fallback')]);
  });

  it('applies the channel-name rules, and name_taken on a collision', async () => {
    expect(await errorOf(client.conversations.create({ name: 'Inc-Upper' }))).toBe('invalid_name_specials');
    expect(await errorOf(client.conversations.create({ name: 'x'.repeat(81) }))).toBe('invalid_name_maxlength');
    expect(await errorOf(client.conversations.create({ name: 'inc-20261118-1-checkout' }))).toBe('ok');
    expect(await errorOf(client.conversations.create({ name: 'inc-20261118-1-checkout' }))).toBe('name_taken');
  });

  it('answers 500 when down and 429 with Retry-After on demand', async () => {
    standin.setDown(true);
    expect(await errorOf(client.auth.test())).toBe('slack_webapi_http_error');
    standin.setDown(false);
    standin.failNext('auth.test', { status: 429, retryAfter: 7 });
    const limited = await client.auth.test().catch((err: { code: string; retryAfter: number }) => err);
    expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    expect(await errorOf(client.auth.test())).toBe('ok');
    expect(standin.calls.map((c) => c.status)).toEqual([500, 429, 200]);
  });

  it('records response_url posts and applies replace_original to the message', async () => {
    const posted = await client.chat.postMessage({ channel: 'U0ADA00001', text: 'card' });
    const url = standin.newResponseUrl({ channel: posted.channel!, ts: posted.ts! });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'replaced' }) });
    expect(res.status).toBe(200);
    expect(standin.responseUrlPosts).toHaveLength(1);
    expect(standin.messages(posted.channel!)[0]!.text).toBe('replaced');
  });

  describe('modals', () => {
    const select = (options: number, initial?: string) => ({
      type: 'input',
      block_id: 'pick',
      label: { type: 'plain_text', text: 'Pick' },
      element: {
        type: 'static_select',
        action_id: 'value',
        options: Array.from({ length: options }, (_, i) => ({ text: { type: 'plain_text', text: `Option ${i}` }, value: `v${i}` })),
        ...(initial ? { initial_option: { text: { type: 'plain_text', text: 'x' }, value: initial } } : {}),
      },
    });
    const modal = (blocks: unknown[], submit = true) => ({
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Test' },
      ...(submit ? { submit: { type: 'plain_text' as const, text: 'Save' } } : {}),
      blocks: blocks as never,
    });

    it('views.open takes a trigger once, from the person it was issued to', async () => {
      expect(await errorOf(client.views.open({ trigger_id: 'made-up', view: modal([select(2)]) }))).toBe('invalid_trigger_id');
      standin.registerTrigger('t1', 'U0ADA00001');
      expect(await errorOf(client.views.open({ trigger_id: 't1', view: modal([select(2)]) }))).toBe('ok');
      expect(await errorOf(client.views.open({ trigger_id: 't1', view: modal([select(2)]) }))).toBe('trigger_exchanged');
      expect(standin.currentView('U0ADA00001')?.view).toMatchObject({ title: { text: 'Test' } });
    });

    it('refuses modals Slack refuses: inputs without submit, bad initial options, more than 100 options', async () => {
      for (const [view, id] of [
        [modal([select(2)], false), 't2'],
        [modal([select(2, 'v9')]), 't3'],
        [modal([select(101)]), 't4'],
        [{ ...modal([select(2)]), title: { type: 'plain_text', text: 'A title that is far too long' } }, 't5'],
      ] as const) {
        standin.registerTrigger(id, 'U0ADA00001');
        expect(await errorOf(client.views.open({ trigger_id: id, view: view as never }))).toBe('invalid_blocks');
      }
    });

    it('views.update checks the hash', async () => {
      standin.registerTrigger('t6', 'U0ADA00001');
      const opened = await client.views.open({ trigger_id: 't6', view: modal([select(2)]) });
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, hash: 'stale', view: modal([select(3)]) }))).toBe('hash_conflict');
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal([select(3)]) }))).toBe('ok');
      expect(await errorOf(client.views.update({ view_id: 'V0NOPE', view: modal([select(3)]) }))).toBe('not_found');
    });
  });

  it('usergroups.users.update keeps the members and refuses to empty a group', async () => {
    await client.usergroups.users.update({ usergroup: 'S0ONCALL', users: 'U0ADA00001' });
    expect(standin.usergroupMembers('S0ONCALL')).toEqual(['U0ADA00001']);
    expect(await errorOf(client.usergroups.users.update({ usergroup: 'S0ONCALL', users: ',' }))).toBe('no_users_provided');
    expect(standin.usergroupMembers('S0ONCALL')).toEqual(['U0ADA00001']);
  });
});
