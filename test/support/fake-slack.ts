import { expect } from 'vitest';
import { SlackStandIn, type StoredMessage } from '../../src/devtools/slack-standin.js';
import { blockActionBody, postToSlackEndpoint, slashCommandBody } from '../../src/devtools/slack-requests.js';

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
    if (this.transport === 'http') {
      const res = await postToSlackEndpoint(`${this.appUrl}/slack/events`, formBody, { signingSecret: this.signingSecret });
      return res.status;
    }
    const form = new URLSearchParams(formBody);
    const payload = kind === 'interactive' ? (JSON.parse(form.get('payload')!) as Record<string, unknown>) : Object.fromEntries(form);
    await this.standin.sendEnvelope(kind, payload);
    return 200;
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
  async command(userId: string, text: string, command = '/oncall'): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
    const responseUrl = this.standin.newResponseUrl();
    const status = await this.deliver('slash_commands', slashCommandBody({ userId, text, responseUrl, command }));
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
    const status = await this.deliver(
      'interactive',
      blockActionBody({
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
