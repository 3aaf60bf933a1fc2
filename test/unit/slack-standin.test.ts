import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { viewSubmissionBody } from '../../devtools/slack/requests.js';
import { SlackStandIn } from '../../devtools/slack/server.js';
import { FakeSlack } from '../support/fake-slack.js';

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

  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { data?: { error?: string }; code?: string }) => err.data?.error ?? err.code,
    );
  const button = (text: string, action_id: string) => ({ type: 'button', text: { type: 'plain_text', text }, action_id, value: '1' });

  it("a DM to a user ID lands in that user's D channel and can be updated there", async () => {
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
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: dupActions as never }))).toBe(
      'invalid_blocks',
    );
    const longButton = [{ type: 'actions', elements: [button('x'.repeat(76), 'a')] }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: longButton as never }))).toBe(
      'invalid_blocks',
    );
    const longSection = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    expect(await errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: longSection as never }))).toBe(
      'invalid_blocks',
    );
    expect(standin.violations).toHaveLength(4);
    const fine = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3000) } },
      { type: 'actions', elements: [button('x'.repeat(75), 'a')] },
    ];
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
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'replaced' }),
    });
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
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, hash: 'stale', view: modal([select(3)]) }))).toBe(
        'hash_conflict',
      );
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal([select(3)]) }))).toBe(
        'ok',
      );
      expect(await errorOf(client.views.update({ view_id: 'V0NOPE', view: modal([select(3)]) }))).toBe('not_found');
    });
  });

  it('usergroups.users.update keeps the members and refuses to empty a group', async () => {
    const updated = await client.usergroups.users.update({ usergroup: 'S0ONCALL', users: 'U0ADA00001' });
    expect(updated.usergroup).toMatchObject({ id: 'S0ONCALL', users: ['U0ADA00001'] });
    expect(standin.usergroupMembers('S0ONCALL')).toEqual(['U0ADA00001']);
    expect(await errorOf(client.usergroups.users.update({ usergroup: 'S0ONCALL', users: ',' }))).toBe('no_users_provided');
    expect(await errorOf(client.usergroups.users.update({ usergroup: 'S0ONCALL', users: '' }))).toBe('no_users_provided');
    expect(await errorOf(client.usergroups.users.update({ usergroup: 'S0ONCALL', users: 'ada' }))).toBe('invalid_users');
    expect(standin.usergroupMembers('S0ONCALL')).toEqual(['U0ADA00001']);
    // With no group set up, any ID is accepted (each becomes a group).
    expect(await errorOf(client.usergroups.users.update({ usergroup: 'S0OTHER', users: 'U0ADA00001,U0BOB00002' }))).toBe('ok');
    expect(standin.usergroupMembers('S0OTHER')).toEqual(['U0ADA00001', 'U0BOB00002']);
  });

  it('usergroups: groups set up with addUsergroup are listed, unknown IDs refused, and reset restores members', async () => {
    const local = await SlackStandIn.start();
    try {
      const c = new WebClient('xoxb-test', { slackApiUrl: local.apiUrl, retryConfig: { retries: 0 } });
      local.addUsergroup('S0PAY', 'payments-oncall');
      expect(await errorOf(c.usergroups.users.update({ usergroup: 'S0NOPE', users: 'U0ADA00001' }))).toBe('no_such_subteam');
      await c.usergroups.users.update({ usergroup: 'S0PAY', users: 'U0ADA00001' });
      const listed = await c.usergroups.list({ include_users: true });
      expect(listed.usergroups).toEqual([
        expect.objectContaining({ id: 'S0PAY', handle: 'payments-oncall', users: ['U0ADA00001'], user_count: 1 }),
      ]);
      expect((await c.usergroups.list()).usergroups![0]).not.toHaveProperty('users');
      local.reset();
      expect(local.usergroupMembers('S0PAY')).toEqual([]);
    } finally {
      await local.stop();
    }
  });

  it('chat.postEphemeral keeps what it showed, to whom', async () => {
    const answer = await client.chat.postEphemeral({ channel: 'C0GENERAL', user: 'U0ADA00001', text: 'only you' });
    expect(standin.ephemerals).toEqual([
      expect.objectContaining({ channel: 'C0GENERAL', user: 'U0ADA00001', text: 'only you', ts: answer.message_ts }),
    ]);
    expect(await errorOf(client.chat.postEphemeral({ channel: 'C0GENERAL', text: 'x' } as never))).toBe('invalid_arguments');
  });

  describe('Block Kit element checks (modals, actions blocks, section accessories)', () => {
    const input = (element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'input',
      block_id: 'b',
      label: { type: 'plain_text', text: 'Label' },
      element: { action_id: 'value', ...element },
      ...extra,
    });
    const view = (blocks: unknown[], extra: Record<string, unknown> = {}) => ({
      type: 'modal',
      title: { type: 'plain_text', text: 'T' },
      submit: { type: 'plain_text', text: 'Save' },
      blocks,
      ...extra,
    });
    const open = async (v: unknown) => {
      const trigger = `t-${Math.random()}`;
      standin.registerTrigger(trigger, 'U0ADA00001');
      return errorOf(client.views.open({ trigger_id: trigger, view: v as never }));
    };
    const options = (n: number) => Array.from({ length: n }, (_, i) => ({ text: { type: 'plain_text', text: `O${i}` }, value: `v${i}` }));

    it('accepts a modal using every supported input', async () => {
      const blocks = [
        input({ type: 'plain_text_input', initial_value: 'x', max_length: 10 }, { block_id: 'a' }),
        input({ type: 'static_select', options: options(3), initial_option: options(3)[1] }, { block_id: 'b' }),
        input(
          {
            type: 'static_select',
            option_groups: [{ label: { type: 'plain_text', text: 'G' }, options: options(2) }],
            initial_option: options(2)[0],
          },
          { block_id: 'c' },
        ),
        input({ type: 'multi_static_select', options: options(3), initial_options: options(2) }, { block_id: 'd' }),
        input({ type: 'users_select', initial_user: 'U0ADA00001' }, { block_id: 'e', optional: true }),
        input({ type: 'multi_users_select', initial_users: ['U0ADA00001'] }, { block_id: 'f' }),
        input({ type: 'datepicker', initial_date: '2026-11-18' }, { block_id: 'g' }),
        input({ type: 'timepicker', initial_time: '09:30' }, { block_id: 'h' }),
        input({ type: 'datetimepicker', initial_date_time: 1_790_000_000 }, { block_id: 'i' }),
        input({ type: 'checkboxes', options: options(2), initial_options: options(1) }, { block_id: 'j' }),
        input({ type: 'radio_buttons', options: options(2), initial_option: options(2)[1] }, { block_id: 'k' }),
      ];
      expect(
        await open(view(blocks, { callback_id: 'cb', private_metadata: 'x'.repeat(3000), close: { type: 'plain_text', text: 'Cancel' } })),
      ).toBe('ok');
      expect(standin.violations).toEqual([]);
    });

    it('refuses input blocks Slack refuses', async () => {
      const refused = [
        input({ type: 'plain_text_input' }, { label: undefined }),
        input({ type: 'plain_text_input' }, { label: { type: 'mrkdwn', text: 'x' } }),
        input({ type: 'plain_text_input' }, { label: { type: 'plain_text', text: 'x'.repeat(2001) } }),
        { type: 'input', block_id: 'b', label: { type: 'plain_text', text: 'L' } },
        input({ type: 'button', text: { type: 'plain_text', text: 'x' } }),
        { type: 'input', block_id: 'b', label: { type: 'plain_text', text: 'L' }, element: { type: 'plain_text_input' } },
        input({ type: 'plain_text_input' }, { optional: 'yes' }),
        input({ type: 'static_select' }),
        input({ type: 'static_select', options: [{ text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v' }] }),
        input({ type: 'static_select', options: [{ text: { type: 'mrkdwn', text: 'x' }, value: 'v' }] }),
        input({ type: 'static_select', options: [{ text: { type: 'plain_text', text: 'x' }, value: 'v'.repeat(151) }] }),
        input({ type: 'multi_static_select', options: options(101) }),
        input({
          type: 'multi_static_select',
          options: options(2),
          initial_options: [{ text: { type: 'plain_text', text: 'x' }, value: 'nope' }],
        }),
        input({ type: 'users_select', initial_user: 42 }),
        input({ type: 'datepicker', initial_date: '18/11/2026' }),
        input({ type: 'timepicker', initial_time: '9:30' }),
        input({ type: 'datetimepicker', initial_date_time: 1.5 }),
        input({ type: 'datetimepicker', initial_date_time: 1_790_000_000_000 }),
        input({ type: 'checkboxes', options: options(11) }),
      ];
      for (const block of refused)
        expect([JSON.stringify(block), await open(view([block]))]).toEqual([JSON.stringify(block), 'invalid_blocks']);
    });

    it('refuses modal-level problems: long submit or close, long callback_id or private_metadata, missing title', async () => {
      const ok = [input({ type: 'plain_text_input' })];
      expect(await open(view(ok, { submit: { type: 'plain_text', text: 'x'.repeat(25) } }))).toBe('invalid_blocks');
      expect(await open(view(ok, { close: { type: 'mrkdwn', text: 'Cancel' } }))).toBe('invalid_blocks');
      expect(await open(view(ok, { callback_id: 'x'.repeat(256) }))).toBe('invalid_blocks');
      expect(await open(view(ok, { private_metadata: 'x'.repeat(3001) }))).toBe('invalid_blocks');
      expect(await open(view(ok, { title: undefined }))).toBe('invalid_blocks');
      expect(
        await open(
          view([
            { type: 'divider', block_id: 'd' },
            { type: 'divider', block_id: 'd' },
          ]),
        ),
      ).toBe('invalid_blocks');
      expect(await open({ ...view(ok), type: 'home' })).toBe('invalid_arguments');
    });

    it('applies the element checks in actions blocks and section accessories of messages', async () => {
      const select = {
        type: 'static_select',
        action_id: 's',
        options: options(2),
        initial_option: { text: { type: 'plain_text', text: 'x' }, value: 'nope' },
      };
      const post = (blocks: unknown[]) => errorOf(client.chat.postMessage({ channel: 'U0ADA00001', text: 'x', blocks: blocks as never }));
      expect(await post([{ type: 'actions', elements: [select] }])).toBe('invalid_blocks');
      expect(await post([{ type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: select }])).toBe('invalid_blocks');
      expect(
        await post([
          {
            type: 'section',
            text: { type: 'mrkdwn', text: 'x' },
            accessory: { type: 'datepicker', action_id: 'd', initial_date: '2026-13-01' },
          },
        ]),
      ).toBe('invalid_blocks');
      expect(
        await post([{ type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: { ...select, initial_option: options(2)[0] } }]),
      ).toBe('ok');
    });
  });

  describe('views.update and views.push', () => {
    const modal = (title: string, extra: Record<string, unknown> = {}) => ({
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: title },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }] as never,
      ...extra,
    });

    it('views.open answers the view with its id, hash and empty state, and remembers who it is for', async () => {
      standin.registerTrigger('o1', 'U0ADA00001');
      const opened = await client.views.open({ trigger_id: 'o1', view: modal('First') });
      expect(opened.view).toMatchObject({
        id: expect.stringMatching(/^V/),
        hash: expect.any(String),
        state: { values: {} },
        title: { text: 'First' },
        previous_view_id: null,
      });
      expect(standin.openedViews).toEqual([
        expect.objectContaining({ id: opened.view!.id, userId: 'U0ADA00001', hash: opened.view!.hash, openedAt: expect.any(Number) }),
      ]);
      // Slack gives blocks without a block_id a generated one.
      expect((standin.openedViews[0]!.view.blocks as { block_id?: string }[])[0]!.block_id).toEqual(expect.any(String));
      expect(await errorOf(client.views.open({ view: modal('x') } as never))).toBe('invalid_arguments');
    });

    it('a trigger_id expires after 3 seconds (here: the configured time)', async () => {
      const local = await SlackStandIn.start({ triggerTtlMs: 20 });
      try {
        const c = new WebClient('xoxb-test', { slackApiUrl: local.apiUrl, retryConfig: { retries: 0 } });
        local.registerTrigger('late', 'U0ADA00001');
        await new Promise((r) => setTimeout(r, 50));
        expect(await errorOf(c.views.open({ trigger_id: 'late', view: modal('x') }))).toBe('expired_trigger_id');
      } finally {
        await local.stop();
      }
    });

    it('views.update by view_id or external_id replaces the view, keeps history and changes the hash', async () => {
      standin.registerTrigger('u1', 'U0ADA00001');
      const opened = await client.views.open({ trigger_id: 'u1', view: modal('First', { external_id: 'ext-1' }) });
      const updated = await client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Second') });
      expect(updated.view).toMatchObject({ id: opened.view!.id, title: { text: 'Second' } });
      expect(updated.view!.hash).not.toBe(opened.view!.hash);
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Third') }))).toBe(
        'hash_conflict',
      );
      expect(await errorOf(client.views.update({ external_id: 'ext-1', view: modal('Third') }))).toBe('ok');
      expect(await errorOf(client.views.update({ external_id: 'ext-nope', view: modal('Third') }))).toBe('not_found');
      expect(await errorOf(client.views.update({ view: modal('Third') } as never))).toBe('invalid_arguments');
      expect(await errorOf(client.views.update({ view_id: opened.view!.id!, view: modal('x'.repeat(25)) }))).toBe('invalid_blocks');
      const stored = standin.currentView('U0ADA00001')!;
      expect(stored.history.map((v) => (v.title as { text: string }).text)).toEqual(['First', 'Second']);
      expect(stored.view).toMatchObject({ title: { text: 'Third' } });
    });

    it('views.push needs a trigger, stacks on the modal it came from, at most three deep', async () => {
      standin.registerTrigger('p0', 'U0ADA00001');
      const root = await client.views.open({ trigger_id: 'p0', view: modal('Root') });
      expect(await errorOf(client.views.push({ trigger_id: 'made-up', view: modal('x') }))).toBe('invalid_trigger_id');
      standin.registerTrigger('p1', 'U0ADA00001', { viewId: root.view!.id! });
      const second = await client.views.push({ trigger_id: 'p1', view: modal('Second') });
      expect(second.view).toMatchObject({ previous_view_id: root.view!.id, root_view_id: root.view!.id });
      standin.registerTrigger('p2', 'U0ADA00001', { viewId: second.view!.id! });
      expect(await errorOf(client.views.push({ trigger_id: 'p2', view: modal('Third') }))).toBe('ok');
      standin.registerTrigger('p3', 'U0ADA00001');
      expect(await errorOf(client.views.push({ trigger_id: 'p3', view: modal('Fourth') }))).toBe('push_limit_reached');
      expect(standin.currentView('U0ADA00001')?.view).toMatchObject({ title: { text: 'Third' } });
    });

    it('answers to a submission: errors must name input blocks; update, push and clear act on the stack', async () => {
      const form = {
        ...modal('Form'),
        submit: { type: 'plain_text' as const, text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'name',
            label: { type: 'plain_text', text: 'Name' },
            element: { type: 'plain_text_input', action_id: 'value' },
          },
        ] as never,
      };
      standin.registerTrigger('s1', 'U0ADA00001');
      const { view } = await client.views.open({ trigger_id: 's1', view: form });
      expect(standin.answerSubmission(view!.id!, { response_action: 'errors', errors: { name: 'Too short' } })).toMatchObject({
        errors: { name: 'Too short' },
        closed: false,
      });
      expect(standin.violations).toEqual([]);
      expect(standin.answerSubmission(view!.id!, { response_action: 'errors', errors: { title: 'x' } }).refused).toMatch(
        /"title", which is not an input block/,
      );
      expect(standin.violations).toHaveLength(1);
      const pushed = standin.answerSubmission(view!.id!, { response_action: 'push', view: modal('Pushed') });
      expect(pushed.view).toMatchObject({ previousViewId: view!.id, rootViewId: view!.id });
      expect(standin.answerSubmission(pushed.view!.id, {})).toMatchObject({ closed: true });
      expect(standin.currentView('U0ADA00001')?.id).toBe(view!.id);
      expect(standin.answerSubmission(view!.id!, { response_action: 'update', view: modal('x'.repeat(30)) }).refused).toMatch(/title/);
      expect(standin.answerSubmission(view!.id!, { response_action: 'clear' })).toMatchObject({ closed: true });
      expect(standin.currentView('U0ADA00001')).toBeUndefined();
    });
  });
});

describe('viewSubmissionBody', () => {
  const plain = (text: string) => ({ type: 'plain_text', text });
  const option = (text: string, value: string) => ({ text: plain(text), value });
  const view = {
    id: 'V0VIEW0001',
    hash: '1700000000.abc',
    type: 'modal',
    callback_id: 'override',
    private_metadata: 'rot-1',
    title: plain('Take the pager'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'rotation',
        label: plain('Rotation'),
        element: {
          type: 'static_select',
          action_id: 'value',
          options: [option('Primary', 'p'), option('Secondary', 's')],
          initial_option: option('Primary', 'p'),
        },
      },
      {
        type: 'input',
        block_id: 'who',
        label: plain('Who'),
        element: { type: 'users_select', action_id: 'value', initial_user: 'U0ADA00001' },
      },
      {
        type: 'input',
        block_id: 'from',
        label: plain('From'),
        element: { type: 'datetimepicker', action_id: 'value', initial_date_time: 1_790_000_000 },
      },
      { type: 'input', block_id: 'day', label: plain('Day'), element: { type: 'datepicker', action_id: 'value' }, optional: true },
      { type: 'input', block_id: 'at', label: plain('At'), element: { type: 'timepicker', action_id: 'value' }, optional: true },
      {
        type: 'input',
        block_id: 'team',
        label: plain('Team'),
        element: { type: 'multi_users_select', action_id: 'value' },
        optional: true,
      },
      {
        type: 'input',
        block_id: 'kinds',
        label: plain('Kinds'),
        element: { type: 'checkboxes', action_id: 'value', options: [option('A', 'a'), option('B', 'b')] },
        optional: true,
      },
      {
        type: 'input',
        block_id: 'pick',
        label: plain('Pick'),
        element: { type: 'radio_buttons', action_id: 'value', options: [option('A', 'a'), option('B', 'b')] },
        optional: true,
      },
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: 'value' },
        optional: true,
      },
    ],
  };
  const payloadOf = (body: string) =>
    JSON.parse(new URLSearchParams(body).get('payload')!) as { view: Record<string, unknown> } & Record<string, unknown>;

  it('builds the payload as Slack sends it, initial values included and empty optional fields null', () => {
    const payload = payloadOf(
      viewSubmissionBody({ userId: 'U0BOB00002', view, values: { from: 1_790_000_600_000, kinds: ['b'] }, triggerId: 'trig-1' }),
    );
    expect(payload).toMatchObject({
      type: 'view_submission',
      team: { id: 'T0BATON' },
      user: { id: 'U0BOB00002', team_id: 'T0BATON' },
      api_app_id: 'A0BATON',
      trigger_id: 'trig-1',
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
      view: {
        id: 'V0VIEW0001',
        hash: '1700000000.abc',
        type: 'modal',
        callback_id: 'override',
        private_metadata: 'rot-1',
        previous_view_id: null,
        root_view_id: 'V0VIEW0001',
        external_id: '',
        app_id: 'A0BATON',
        bot_id: 'BBATON',
        title: plain('Take the pager'),
        submit: plain('Save'),
        close: plain('Cancel'),
      },
    });
    expect(payload.view.state).toEqual({
      values: {
        rotation: {
          value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Primary', emoji: true }, value: 'p' } },
        },
        who: { value: { type: 'users_select', selected_user: 'U0ADA00001' } },
        from: { value: { type: 'datetimepicker', selected_date_time: 1_790_000_600 } },
        day: { value: { type: 'datepicker', selected_date: null } },
        at: { value: { type: 'timepicker', selected_time: null } },
        team: { value: { type: 'multi_users_select', selected_users: [] } },
        kinds: { value: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'B', emoji: true }, value: 'b' }] } },
        pick: { value: { type: 'radio_buttons', selected_option: null } },
        reason: { value: { type: 'plain_text_input', value: null } },
      },
    });
  });

  it('passes values already shaped as in state.values through, and refuses what no person could send', () => {
    const shaped = { who: { value: { type: 'users_select', selected_user: null } } };
    const payload = payloadOf(viewSubmissionBody({ userId: 'U0BOB00002', view, values: shaped }));
    expect((payload.view.state as { values: Record<string, unknown> }).values.who).toEqual(shaped.who);
    expect(() => viewSubmissionBody({ userId: 'U0BOB00002', view, values: { rotation: 'tertiary' } })).toThrow(/not an option/);
    expect(() => viewSubmissionBody({ userId: 'U0BOB00002', view, values: { nope: 'x' } })).toThrow(/no input block "nope"/);
  });
});

/** The fake's fluent API against a real Bolt app: what the fake sends, Bolt reads; what Bolt answers, the fake applies. */
describe('FakeSlack with a Bolt app', () => {
  const ADA = 'U0ADA00001';
  const SECRET = 'test-signing-secret';
  const plain = (text: string) => ({ type: 'plain_text' as const, text });
  const option = (text: string, value: string) => ({ text: plain(text), value });
  const input = (blockId: string, element: Record<string, unknown>, optional = false) => ({
    type: 'input',
    block_id: blockId,
    label: plain(blockId),
    element: { action_id: 'value', ...element },
    ...(optional ? { optional } : {}),
  });
  const planModal = () => ({
    type: 'modal' as const,
    callback_id: 'plan',
    title: plain('Plan'),
    submit: plain('Next'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Fill this in.' } },
      input('title', { type: 'plain_text_input', max_length: 10 }),
      input('kind', {
        type: 'static_select',
        options: [option('Day', 'day'), option('Night', 'night')],
        initial_option: option('Day', 'day'),
      }),
      input('who', { type: 'users_select', initial_user: ADA }),
      input('team', { type: 'multi_users_select' }, true),
      input('day', { type: 'datepicker', initial_date: '2026-11-18' }),
      input('at', { type: 'timepicker' }, true),
      input('from', { type: 'datetimepicker', initial_date_time: 1_790_000_000 }),
    ] as never,
  });
  const nextModal = (title: string) => ({
    type: 'modal' as const,
    callback_id: 'confirm',
    title: plain(title),
    submit: plain('Confirm'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }] as never,
  });

  let slack: FakeSlack;
  let server: Server;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    slack = await FakeSlack.start({ [ADA]: { name: 'Ada', tz: 'Europe/Berlin' } });
    const receiver = new HTTPReceiver({
      signingSecret: SECRET,
      endpoints: '/slack/events',
      processBeforeResponse: false,
      logLevel: LogLevel.ERROR,
    });
    const app = new App({
      token: 'xoxb-test',
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/plan', async ({ ack, command, client }) => {
      await ack();
      if (command.text === 'note')
        await client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: 'Only you see this' });
      else await client.views.open({ trigger_id: command.trigger_id, view: planModal() });
    });
    app.action('open_plan', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: planModal() });
    });
    app.view('plan', async ({ ack, view }) => {
      received.push(view.state.values as never);
      const title = (view.state.values.title?.value as { value?: string | null } | undefined)?.value;
      if (title === 'bad') await ack({ response_action: 'errors', errors: { title: 'Not that' } });
      else if (title === 'stray') await ack({ response_action: 'errors', errors: { nope: 'x' } });
      else if (title === 'push') await ack({ response_action: 'push', view: nextModal('Pushed') });
      else await ack({ response_action: 'update', view: nextModal('Confirm plan') });
    });
    app.view('confirm', async ({ ack }) => ack());
    server = createServer(receiver.requestListener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    slack.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET);
  });
  beforeEach(() => {
    slack.standin.reset();
    received.length = 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await slack.stop();
  });

  it('a command opens a modal; set checks what a person could enter; errors, then update, then close', async () => {
    const command = await slack.commandNoReply(ADA, 'go', { command: '/plan' });
    expect(command).toMatchObject({ status: 200, ack: {} });
    const modal = await slack.expectModal(ADA, 'Plan');
    expect(modal.inputs).toEqual([
      { blockId: 'title', actionId: 'value', type: 'plain_text_input', label: 'title', optional: false, initial: undefined },
      { blockId: 'kind', actionId: 'value', type: 'static_select', label: 'kind', optional: false, initial: 'day' },
      { blockId: 'who', actionId: 'value', type: 'users_select', label: 'who', optional: false, initial: ADA },
      { blockId: 'team', actionId: 'value', type: 'multi_users_select', label: 'team', optional: true, initial: undefined },
      { blockId: 'day', actionId: 'value', type: 'datepicker', label: 'day', optional: false, initial: '2026-11-18' },
      { blockId: 'at', actionId: 'value', type: 'timepicker', label: 'at', optional: true, initial: undefined },
      { blockId: 'from', actionId: 'value', type: 'datetimepicker', label: 'from', optional: false, initial: 1_790_000_000_000 },
    ]);
    expect(modal.options('kind')).toEqual([
      { text: 'Day', value: 'day' },
      { text: 'Night', value: 'night' },
    ]);
    expect(() => modal.set('nope', 'x')).toThrow(/no field "nope"/);
    expect(() => modal.set('kind', 'evening')).toThrow(/not one of its options/);
    expect(() => modal.set('title', 'x'.repeat(11))).toThrow(/at most 10 characters/);
    expect(() => modal.set('day', '2026-02-30')).toThrow(/not a date/);
    expect(() => modal.set('who', 'ada')).toThrow(/not a user ID/);

    const refused = await modal.set('title', 'bad').submit();
    expect(refused).toMatchObject({ status: 200, errors: { title: 'Not that' }, closed: false, next: null });

    const confirm = await modal.set('title', 'Ship').set('kind', 'night').set('team', [ADA]).set('from', 1_790_000_600_000).submit();
    expect(received[1]).toEqual({
      title: { value: { type: 'plain_text_input', value: 'Ship' } },
      kind: {
        value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Night', emoji: true }, value: 'night' } },
      },
      who: { value: { type: 'users_select', selected_user: ADA } },
      team: { value: { type: 'multi_users_select', selected_users: [ADA] } },
      day: { value: { type: 'datepicker', selected_date: '2026-11-18' } },
      at: { value: { type: 'timepicker', selected_time: null } },
      from: { value: { type: 'datetimepicker', selected_date_time: 1_790_000_600 } },
    });
    expect(confirm.next?.title).toBe('Confirm plan');
    expect(confirm.next?.id).toBe(modal.id);
    expect(slack.standin.currentView(ADA)?.view).toMatchObject({ title: { text: 'Confirm plan' } });
    expect((await slack.expectModal(ADA)).title).toBe('Confirm plan');

    expect(await confirm.next!.submit()).toMatchObject({ closed: true, errors: null, next: null, body: {} });
    expect(modal.closed).toBe(true);
    await expect(modal.submit()).rejects.toThrow(/closed/);
    await expect(slack.expectModal(ADA, undefined, 100)).rejects.toThrow(/Confirm plan \(closed\)/);
    slack.expectNoContractViolations();
  });

  it('response_action push stacks a view; closing it shows the first again', async () => {
    await slack.commandNoReply(ADA, 'go', { command: '/plan' });
    const modal = await slack.expectModal(ADA, 'Plan');
    const pushed = await modal.set('title', 'push').submit();
    expect(pushed.next?.title).toBe('Pushed');
    expect(pushed.next?.opened).toMatchObject({ previousViewId: modal.id, rootViewId: modal.id });
    expect((await pushed.next!.submit()).closed).toBe(true);
    const again = await slack.expectModal(ADA);
    expect(again.id).toBe(modal.id);
    // What was typed is still there, as in Slack.
    expect(again.value('title')).toBe('push');
  });

  it('an answer Slack would refuse fails the test and is recorded', async () => {
    const modal = await slack.openModal(ADA, 'go', '/plan');
    await expect(modal.set('title', 'stray').submit()).rejects.toThrow(/"nope", which is not an input block/);
    expect(slack.standin.violations).toEqual([expect.stringContaining('not an input block')]);
  });

  it('a button in a section accessory can be clicked, and its trigger opens a modal', async () => {
    const bot = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
    await bot.chat.postMessage({
      channel: ADA,
      text: 'Plan?',
      blocks: [
        {
          type: 'section',
          block_id: 'ask',
          text: { type: 'mrkdwn', text: 'Plan?' },
          accessory: { type: 'button', action_id: 'open_plan', text: plain('Open') },
        },
      ],
    });
    const dm = await slack.expectDM(ADA, 'Plan?');
    expect(dm.buttons).toEqual(['Open']);
    expect(dm.buttonsByBlock).toEqual({ ask: ['Open'] });
    const click = await dm.click('Open', { as: ADA });
    expect(click.status).toBe(200);
    expect((await slack.expectModal(ADA, 'Plan')).fields).toContain('title');
  });

  it('ephemeral messages, and a command that opened a modal when a reply was expected', async () => {
    await slack.commandNoReply(ADA, 'note', { command: '/plan' });
    expect((await slack.expectEphemeral(ADA, 'Only you')).channel).toBe('C0GENERAL');
    expect(slack.ephemeralsTo(ADA)).toHaveLength(1);
    await expect(slack.command(ADA, 'go', { command: '/plan', timeoutMs: 300 })).rejects.toThrow(/opened the "Plan" modal instead/);
  });
});
