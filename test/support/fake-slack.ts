import { expect } from 'vitest';
import { SlackStandIn, type StoredMessage } from '../../src/devtools/slack-standin.js';
import { blockActionBody, eventCallbackBody, newTriggerId, postToSlackEndpoint, slashCommandBody, viewSubmissionBody, type InputState } from '../../src/devtools/slack-requests.js';
import type { OpenedView } from '../../src/devtools/slack-standin.js';

type Block = { type: string; block_id?: string; elements?: { type: string; action_id?: string; value?: string; text?: { text?: string } }[] };

/**
 * The fake Slack of the tests: the contract-checking stand-in plus a fluent API that plays people,
 * in the style of `await slack.expectDM(user).click('Acknowledge')`.
 */
export class FakeSlack {
  private appUrl = '';
  private signingSecret = '';
  /** How "Slack" delivers requests to the app: signed HTTP posts, or envelopes over Socket Mode. */
  private transport: 'http' | 'socket' = 'http';

  private constructor(readonly standin: SlackStandIn) {}

  static async start(users: Record<string, { name: string; tz: string }> = {}): Promise<FakeSlack> {
    return new FakeSlack(await SlackStandIn.start({ users }));
  }

  get apiUrl(): string {
    return this.standin.apiUrl;
  }

  /** Where signed requests from "Slack" go: the running app. */
  connect(appUrl: string, signingSecret: string, transport: 'http' | 'socket' = 'http'): void {
    this.appUrl = appUrl;
    this.signingSecret = signingSecret;
    this.transport = transport;
  }

  /** Sends a request the way the app is connected: a signed HTTP POST, or a Socket Mode envelope. */
  private async deliver(kind: 'slash_commands' | 'interactive', formBody: string): Promise<number> {
    return (await this.deliverWithAnswer(kind, formBody)).status;
  }

  /** As deliver, also returning the app's answer: the HTTP response body, or the Socket Mode ack payload. */
  async deliverWithAnswer(kind: 'slash_commands' | 'interactive', formBody: string): Promise<{ status: number; body: Record<string, unknown> }> {
    if (this.transport === 'http') {
      const res = await postToSlackEndpoint(`${this.appUrl}/slack/events`, formBody, { signingSecret: this.signingSecret });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { text };
      }
      return { status: res.status, body };
    }
    const form = new URLSearchParams(formBody);
    const payload = kind === 'interactive' ? (JSON.parse(form.get('payload')!) as Record<string, unknown>) : Object.fromEntries(form);
    return { status: 200, body: await this.standin.sendEnvelope(kind, payload) };
  }

  /**
   * Runs a slash command that should open a modal, and returns a handle on it. If the app answers in the
   * response URL instead (a refusal, say), the error names what it said.
   */
  async openModal(userId: string, text: string, command = '/oncall'): Promise<ModalHandle> {
    const responseUrl = this.standin.newResponseUrl();
    const triggerId = newTriggerId();
    this.standin.registerTrigger(triggerId, userId);
    const before = this.standin.openedViews.length;
    const status = await this.deliver('slash_commands', slashCommandBody({ userId, text, responseUrl, command, triggerId }));
    expect(status).toBe(200);
    const id = responseUrl.split('/').pop()!;
    const outcome = await this.standin.waitFor(
      () => this.standin.openedViews.slice(before).find((v) => v.userId === userId) ?? this.standin.responseUrlPosts.find((p) => p.id === id),
    );
    if (!('view' in outcome)) throw new Error(`expected a modal; the app answered "${String(outcome.body.text ?? '')}"`);
    return new ModalHandle(this, outcome);
  }

  /** Delivers an Events API event (reaction_added, say), signed, as JSON. */
  async event(event: Record<string, unknown>): Promise<number> {
    if (this.transport === 'socket') {
      await this.standin.sendEnvelope('events_api', JSON.parse(eventCallbackBody(event)) as Record<string, unknown>);
      return 200;
    }
    const res = await postToSlackEndpoint(`${this.appUrl}/slack/events`, eventCallbackBody(event), { signingSecret: this.signingSecret, contentType: 'application/json' });
    return res.status;
  }

  /** A command typed in a given channel (incident commands act on that channel's incident). */
  commandIn(channelId: string, userId: string, text: string) {
    return this.command(userId, text, '/oncall', channelId);
  }

  ephemeralsTo(userId: string) {
    return this.standin.ephemerals.filter((e) => e.user === userId);
  }

  /** Waits for a DM to `userId` (optionally whose text matches) and returns a handle on it. */
  async expectDM(userId: string, match?: string | RegExp, timeoutMs = 3000): Promise<MessageHandle> {
    const message = await this.standin.waitFor(
      () => this.standin.dmsTo(userId).find((m) => matches(m.text, match)),
      timeoutMs,
    ).catch(() => {
      throw new Error(`expected a DM to ${userId}${match ? ` matching ${match}` : ''}; DMs seen: ${JSON.stringify(this.standin.messages().filter((m) => m.dmUser).map((m) => [m.dmUser, m.text]))}`);
    });
    return new MessageHandle(this, message);
  }

  async expectChannelMessage(channel: string, match?: string | RegExp, timeoutMs = 3000): Promise<MessageHandle> {
    const message = await this.standin.waitFor(() => this.standin.messages(channel).find((m) => matches(m.text, match)), timeoutMs).catch(() => {
      throw new Error(`expected a message in ${channel}${match ? ` matching ${match}` : ''}; seen: ${JSON.stringify(this.standin.messages(channel).map((m) => m.text))}`);
    });
    return new MessageHandle(this, message);
  }

  dmsTo(userId: string): StoredMessage[] {
    return this.standin.dmsTo(userId);
  }

  /** How many Web API calls the app has made so far; pair with expectNoCallsSince. */
  callCount(): number {
    return this.standin.calls.length;
  }

  expectNoCallsSince(mark: number): void {
    expect(this.standin.calls.slice(mark).map((c) => `${c.method} ${JSON.stringify(c.args).slice(0, 120)}`)).toEqual([]);
  }

  expectNoContractViolations(): void {
    expect(this.standin.violations).toEqual([]);
  }

  /** Runs a slash command as `userId`; resolves with the private answer posted to the response URL. */
  async command(userId: string, text: string, command = '/oncall', channelId?: string): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
    const responseUrl = this.standin.newResponseUrl();
    const status = await this.deliver('slash_commands', slashCommandBody({ userId, text, responseUrl, command, ...(channelId ? { channelId } : {}) }));
    expect(status).toBe(200);
    const id = responseUrl.split('/').pop()!;
    const reply = await this.standin.waitFor(() => this.standin.responseUrlPosts.find((p) => p.id === id));
    return { status, text: String(reply.body.text ?? ''), body: reply.body };
  }

  signedPost(path: string, body: string, opts: { timestamp?: number; tamper?: boolean; unsigned?: boolean } = {}): Promise<Response> {
    return postToSlackEndpoint(`${this.appUrl}${path}`, body, { signingSecret: this.signingSecret, ...opts });
  }

  /** Internal: used by MessageHandle.click. */
  async clickButton(message: StoredMessage, label: string, asUser: string, stale = false): Promise<ClickResult> {
    const latest = this.latest(message);
    // A stale click comes from a client still showing the first version of the message.
    const current = stale ? { ...latest, ...(latest.history[0] ?? {}) } : latest;
    const button = (current.blocks as Block[] | undefined)
      ?.filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements ?? []).map((e) => ({ ...e, blockId: b.block_id })))
      .find((e) => e.type === 'button' && e.text?.text === label);
    if (!button?.action_id) throw new Error(`no "${label}" button on the message "${current.text}"`);
    const responseUrl = this.standin.newResponseUrl({ channel: message.channel, ts: message.ts });
    const triggerId = newTriggerId();
    this.standin.registerTrigger(triggerId, asUser);
    const status = await this.deliver(
      'interactive',
      blockActionBody({
        triggerId,
        userId: asUser,
        actionId: button.action_id,
        value: button.value ?? '',
        buttonText: label,
        blockId: button.blockId,
        responseUrl,
        channelId: message.channel,
        messageTs: message.ts,
        message: { text: current.text, blocks: current.blocks },
      }),
    );
    return new ClickResult(this, status, responseUrl.split('/').pop()!);
  }

  latest(message: StoredMessage): StoredMessage {
    return this.standin.messages(message.channel).find((m) => m.ts === message.ts) ?? message;
  }

  async stop(): Promise<void> {
    await this.standin.stop();
  }
}

export class MessageHandle {
  constructor(
    private readonly slack: FakeSlack,
    readonly message: StoredMessage,
  ) {}

  /** The message as it is now, after any chat.update. */
  get current(): StoredMessage {
    return this.slack.latest(this.message);
  }

  get text(): string {
    return this.current.text;
  }

  get buttons(): string[] {
    return ((this.current.blocks as Block[] | undefined) ?? [])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.text?.text ?? '');
  }

  /** All of the message's text, blocks included, for matching what a person reads. */
  get rendered(): string {
    return `${this.current.text}\n${JSON.stringify(this.current.blocks ?? [])}`;
  }

  /** Presses a button as `as`; with `stale`, on the message as first posted (a client that has not refreshed). */
  click(label: string, opts: { as: string; stale?: boolean }): Promise<ClickResult> {
    return this.slack.clickButton(this.message, label, opts.as, opts.stale);
  }

  /** Waits until the message has been updated to match. */
  async waitForUpdate(match: string | RegExp, timeoutMs = 3000): Promise<MessageHandle> {
    await this.slack.standin.waitFor(() => matches(this.current.text, match), timeoutMs).catch(() => {
      throw new Error(`expected the message to be updated to match ${match}; it reads "${this.current.text}"`);
    });
    return this;
  }
}

export class ClickResult {
  constructor(
    private readonly slack: FakeSlack,
    readonly status: number,
    private readonly responseId: string,
  ) {}

  /** The private reply the app sent to the click's response URL. */
  async reply(timeoutMs = 3000): Promise<string> {
    const post = await this.slack.standin.waitFor(() => this.slack.standin.responseUrlPosts.find((p) => p.id === this.responseId), timeoutMs);
    return String(post.body.text ?? '');
  }
}

function matches(text: string, match: string | RegExp | undefined): boolean {
  if (match === undefined) return true;
  return typeof match === 'string' ? text.includes(match) : match.test(text);
}

type ViewBlock = { type: string; block_id?: string; optional?: boolean; label?: { text?: string }; element?: Record<string, unknown> };
type Option = { text: { type: 'plain_text'; text: string }; value: string };

/** What submitting a modal did: closed it, showed errors on fields, or replaced it with the next step. */
export interface SubmitResult {
  status: number;
  body: Record<string, unknown>;
  errors: Record<string, string> | null;
  closed: boolean;
  next: ModalHandle | null;
}

/**
 * A modal as a person sees it: fields with their initial values, which `set` changes only in ways a
 * person could (an existing field; a select value among its options), and `submit` sends as Slack does.
 */
export class ModalHandle {
  private readonly entered = new Map<string, unknown>();

  constructor(
    private readonly slack: FakeSlack,
    private readonly opened: OpenedView,
    private readonly snapshot: Record<string, unknown> = opened.view,
  ) {}

  get view(): Record<string, unknown> {
    return this.snapshot;
  }

  get title(): string {
    return String((this.snapshot.title as { text?: string } | undefined)?.text ?? '');
  }

  /** All of the modal's text, for matching what a person reads. */
  get rendered(): string {
    return JSON.stringify(this.snapshot.blocks ?? []);
  }

  private inputs(): ViewBlock[] {
    return ((this.snapshot.blocks ?? []) as ViewBlock[]).filter((b) => b.type === 'input');
  }

  private input(blockId: string): ViewBlock {
    const block = this.inputs().find((b) => b.block_id === blockId);
    if (!block) throw new Error(`the "${this.title}" modal has no field "${blockId}"; it has ${this.inputs().map((b) => b.block_id).join(', ')}`);
    return block;
  }

  get fields(): string[] {
    return this.inputs().map((b) => b.block_id!);
  }

  options(blockId: string): { text: string; value: string }[] {
    return ((this.input(blockId).element?.options ?? []) as Option[]).map((o) => ({ text: o.text.text, value: o.value }));
  }

  /** The value a field shows before anyone touches it. */
  initial(blockId: string): unknown {
    const el = this.input(blockId).element ?? {};
    return el.initial_value ?? (el.initial_option as Option | undefined)?.value ?? el.initial_user ?? el.initial_users ?? el.initial_date ?? el.initial_time ?? (typeof el.initial_date_time === 'number' ? el.initial_date_time * 1000 : undefined);
  }

  /** Fills a field: text, an option's value, a user ID, a date, a time, epoch ms for a date-time, or a list for multi-selects. Null clears it. */
  set(blockId: string, value: string | string[] | number | null): this {
    const block = this.input(blockId);
    if (value !== null && (block.element?.type === 'static_select') && !this.options(blockId).some((o) => o.value === value)) {
      throw new Error(`"${String(value)}" is not an option of ${blockId}: ${this.options(blockId).map((o) => o.value).join(', ')}`);
    }
    this.entered.set(blockId, value);
    return this;
  }

  private state(): Record<string, Record<string, InputState>> {
    const values: Record<string, Record<string, InputState>> = {};
    for (const block of this.inputs()) {
      const el = block.element ?? {};
      const type = String(el.type);
      const v = this.entered.has(block.block_id!) ? this.entered.get(block.block_id!) : this.initial(block.block_id!);
      const present = v !== undefined && v !== null && v !== '';
      let state: InputState;
      switch (type) {
        case 'static_select': {
          const option = ((el.options ?? []) as Option[]).find((o) => o.value === v);
          state = { type, selected_option: present && option ? { text: { ...option.text, emoji: true }, value: option.value } : null };
          break;
        }
        case 'users_select':
          state = { type, selected_user: present ? v : null };
          break;
        case 'multi_users_select':
          state = { type, selected_users: present ? v : [] };
          break;
        case 'datepicker':
          state = { type, selected_date: present ? v : null };
          break;
        case 'timepicker':
          state = { type, selected_time: present ? v : null };
          break;
        case 'datetimepicker':
          state = { type, selected_date_time: present ? Math.floor(Number(v) / 1000) : null };
          break;
        default:
          state = { type, value: present ? v : null };
      }
      values[block.block_id!] = { [String(el.action_id)]: state };
    }
    return values;
  }

  async submit(opts: { as?: string } = {}): Promise<SubmitResult> {
    const { status, body } = await this.slack.deliverWithAnswer(
      'interactive',
      viewSubmissionBody({ userId: opts.as ?? this.opened.userId, viewId: this.opened.id, view: this.snapshot, values: this.state(), hash: this.opened.hash }),
    );
    const action = body.response_action as string | undefined;
    if (action === 'errors') return { status, body, errors: body.errors as Record<string, string>, closed: false, next: null };
    if (action === 'update' || action === 'push') {
      const replaced = this.slack.standin.replaceView(this.opened.id, body.view as Record<string, unknown>);
      if (!replaced) throw new Error(`the app answered with a view Slack would refuse: ${this.slack.standin.violations.join('; ')}`);
      return { status, body, errors: null, closed: false, next: new ModalHandle(this.slack, replaced, replaced.view) };
    }
    return { status, body, errors: null, closed: true, next: null };
  }
}
