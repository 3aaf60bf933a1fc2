import { expect } from 'vitest';
import { SlackStandIn, type EphemeralMessage, type OpenedView, type StoredMessage } from '../../devtools/slack/server.js';
import {
  blockActionBody,
  blockSuggestionBody,
  viewBlockActionBody,
  viewSelectActionBody,
  elementOptions,
  eventCallbackBody,
  modalInputs,
  newTriggerId,
  postToSlackEndpoint,
  slashCommandBody,
  viewSubmissionBody,
  type ModalInput,
  type ModalInputValue,
} from '../../devtools/slack/requests.js';

type Element = { type: string; action_id?: string; value?: string; text?: { text?: string } };
type Block = { type: string; block_id?: string; elements?: Element[]; accessory?: Element };

/** What the app answered a request from "Slack": the HTTP status and parsed body, or the Socket Mode ack payload. */
export interface Delivery {
  status: number;
  body: Record<string, unknown>;
}

export interface CommandOptions {
  command?: string;
  channelId?: string;
  /** Wait for the private answer on the response URL (default). False for commands that open a modal. */
  expectReply?: boolean;
  timeoutMs?: number;
}

export interface CommandResult {
  status: number;
  /** The reply's text ('' when not waiting for one). */
  text: string;
  /** The reply posted to the response URL, or the app's ack when it answered in the ack or no reply was awaited. */
  body: Record<string, unknown>;
  /** The app's acknowledgement of the command itself. */
  ack: Record<string, unknown>;
  triggerId: string;
}

const titleOf = (view: Record<string, unknown>) => String((view.title as { text?: string } | undefined)?.text ?? '');

/**
 * The fake Slack of the tests: the contract-checking stand-in plus a fluent API that plays people,
 * in the style of `await slack.expectDM(user).click('Acknowledge')`.
 */
export class FakeSlack {
  private appUrl = '';
  private signingSecret = '';
  /** How "Slack" delivers requests to the app: signed HTTP posts, or envelopes over Socket Mode. */
  private transport: 'http' | 'socket' = 'http';
  /** Per person: the stand-in's view counter at their last command, click or submission. */
  private readonly viewMarks = new Map<string, number>();
  /** What people typed into each open modal, by view ID then block_id; kept across updates, as Slack keeps it. */
  private readonly entered = new Map<string, Map<string, { actionId: string; value: ModalInputValue }>>();

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

  /**
   * Sends a request the way the app is connected (a signed HTTP POST to /slack/events, or a Socket Mode
   * envelope) and returns the app's answer: the parsed JSON body (`{}` when empty), or the ack payload.
   */
  async deliver(kind: 'slash_commands' | 'interactive', formBody: string): Promise<Delivery> {
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

  /** Same as deliver (the older name). */
  deliverWithAnswer(kind: 'slash_commands' | 'interactive', formBody: string): Promise<Delivery> {
    return this.deliver(kind, formBody);
  }

  /** Internal: a person acted (command, click, submission); expectModal then looks at views changed since. */
  markInteraction(userId: string): void {
    this.viewMarks.set(userId, this.standin.viewChanges);
  }

  /** Internal: what a person has typed into a modal, shared by every handle on it. */
  enteredFor(viewId: string): Map<string, { actionId: string; value: ModalInputValue }> {
    const map = this.entered.get(viewId) ?? new Map<string, { actionId: string; value: ModalInputValue }>();
    this.entered.set(viewId, map);
    return map;
  }

  private async sendCommand(userId: string, text: string, opts: CommandOptions) {
    const responseUrl = this.standin.newResponseUrl();
    const triggerId = newTriggerId();
    this.standin.registerTrigger(triggerId, userId);
    this.markInteraction(userId);
    const mark = this.standin.viewChanges;
    const { status, body } = await this.deliver(
      'slash_commands',
      slashCommandBody({
        userId,
        text,
        responseUrl,
        command: opts.command ?? '/oncall',
        triggerId,
        ...(opts.channelId ? { channelId: opts.channelId } : {}),
      }),
    );
    expect(status).toBe(200);
    return { status, ack: body, responseId: responseUrl.split('/').pop()!, triggerId, mark };
  }

  /**
   * Runs a slash command as `userId`; resolves with the private answer posted to the response URL (or given in
   * the ack). With `{ expectReply: false }` resolves once the app has acknowledged, for commands that open a
   * modal (see expectModal). The older form `command(user, text, '/oncall', channelId)` still works.
   */
  async command(
    userId: string,
    text: string,
    commandOrOpts: string | CommandOptions = '/oncall',
    channelId?: string,
  ): Promise<CommandResult> {
    const opts: CommandOptions =
      typeof commandOrOpts === 'string' ? { command: commandOrOpts, ...(channelId ? { channelId } : {}) } : commandOrOpts;
    const sent = await this.sendCommand(userId, text, opts);
    const base = { status: sent.status, ack: sent.ack, triggerId: sent.triggerId };
    if (opts.expectReply === false) return { ...base, text: typeof sent.ack.text === 'string' ? sent.ack.text : '', body: sent.ack };
    // An ack with text or blocks is the reply, shown privately, as Slack shows it.
    if (typeof sent.ack.text === 'string' || sent.ack.blocks !== undefined)
      return { ...base, text: String(sent.ack.text ?? ''), body: sent.ack };
    const timeoutMs = opts.timeoutMs ?? 3000;
    const reply = await this.standin
      .waitFor(() => this.standin.responseUrlPosts.find((p) => p.id === sent.responseId), timeoutMs)
      .catch(() => {
        const modal = this.standin.openedViews.find((v) => v.userId === userId && v.seq > sent.mark);
        const hint = modal
          ? `; the app opened the "${titleOf(modal.view)}" modal instead (use commandNoReply and expectModal, or openModal)`
          : '';
        throw new Error(`no reply to ${opts.command ?? '/oncall'} ${text} from ${userId} within ${timeoutMs} ms${hint}`);
      });
    return { ...base, text: String(reply.body.text ?? ''), body: reply.body };
  }

  /** A slash command that answers with a modal rather than a message: resolves once acknowledged. */
  commandNoReply(userId: string, text: string, opts: Omit<CommandOptions, 'expectReply'> = {}): Promise<CommandResult> {
    return this.command(userId, text, { ...opts, expectReply: false });
  }

  /** A command typed in a given channel (incident commands act on that channel's incident). */
  commandIn(channelId: string, userId: string, text: string, opts: Omit<CommandOptions, 'channelId'> = {}): Promise<CommandResult> {
    return this.command(userId, text, { ...opts, channelId });
  }

  /**
   * Runs a slash command that should open a modal, and returns a handle on it. If the app answers in the
   * response URL or the ack instead (a refusal, say), the error names what it said.
   */
  async openModal(userId: string, text: string, command = '/oncall', timeoutMs = 3000): Promise<ModalHandle> {
    const sent = await this.sendCommand(userId, text, { command });
    if (typeof sent.ack.text === 'string') throw new Error(`expected a modal; the app answered "${sent.ack.text}"`);
    const outcome = await this.standin
      .waitFor(() => this.latestView(userId, sent.mark) ?? this.standin.responseUrlPosts.find((p) => p.id === sent.responseId), timeoutMs)
      .catch(() => {
        throw new Error(`expected ${command} ${text} to open a modal for ${userId}; nothing was opened within ${timeoutMs} ms`);
      });
    if (!('view' in outcome)) throw new Error(`expected a modal; the app answered "${String(outcome.body.text ?? '')}"`);
    return new ModalHandle(this, outcome);
  }

  /**
   * Waits for the modal `userId` sees: a view opened, updated or pushed for them since their last command,
   * click or submission (any open one if they have not acted through this fake), optionally whose title matches.
   */
  async expectModal(userId: string, titleMatch?: string | RegExp, timeoutMs = 3000): Promise<ModalHandle> {
    const since = this.viewMarks.get(userId) ?? 0;
    const opened = await this.standin
      .waitFor(() => this.latestView(userId, since, titleMatch), timeoutMs)
      .catch(() => {
        const seen = this.standin.openedViews
          .filter((v) => v.userId === userId)
          .map((v) => `${titleOf(v.view)}${v.closed ? ' (closed)' : ''}`);
        throw new Error(`expected a modal for ${userId}${titleMatch ? ` titled ${titleMatch}` : ''}; their views: ${JSON.stringify(seen)}`);
      });
    return new ModalHandle(this, opened);
  }

  private latestView(userId: string, sinceSeq: number, titleMatch?: string | RegExp): OpenedView | undefined {
    return this.standin.openedViews
      .filter((v) => v.userId === userId && !v.closed && v.seq > sinceSeq && matches(titleOf(v.view), titleMatch))
      .sort((a, b) => b.seq - a.seq)[0];
  }

  /** Delivers an Events API event (reaction_added, say), signed, as JSON. */
  async event(event: Record<string, unknown>): Promise<number> {
    if (this.transport === 'socket') {
      await this.standin.sendEnvelope('events_api', JSON.parse(eventCallbackBody(event)) as Record<string, unknown>);
      return 200;
    }
    const res = await postToSlackEndpoint(`${this.appUrl}/slack/events`, eventCallbackBody(event), {
      signingSecret: this.signingSecret,
      contentType: 'application/json',
    });
    return res.status;
  }

  /** Ephemeral messages (chat.postEphemeral) shown to `userId`, oldest first. */
  ephemeralsTo(userId: string): EphemeralMessage[] {
    return this.standin.ephemerals.filter((e) => e.user === userId);
  }

  /** Waits for an ephemeral message to `userId` (optionally whose text or blocks match). */
  async expectEphemeral(userId: string, match?: string | RegExp, timeoutMs = 3000): Promise<EphemeralMessage> {
    const rendered = (e: EphemeralMessage) => `${e.text}\n${JSON.stringify(e.blocks ?? [])}`;
    return this.standin
      .waitFor(() => this.ephemeralsTo(userId).find((e) => matches(rendered(e), match)), timeoutMs)
      .catch(() => {
        throw new Error(
          `expected an ephemeral message to ${userId}${match ? ` matching ${match}` : ''}; seen: ${JSON.stringify(this.ephemeralsTo(userId).map((e) => e.text))}`,
        );
      });
  }

  /** Members of a Slack user group, as set by usergroups.users.update. */
  usergroupMembers(id: string): string[] {
    return this.standin.usergroupMembers(id);
  }

  /** Waits for a DM to `userId` (optionally whose text matches) and returns a handle on it. */
  async expectDM(userId: string, match?: string | RegExp, timeoutMs = 3000): Promise<MessageHandle> {
    const message = await this.standin
      .waitFor(() => this.standin.dmsTo(userId).find((m) => matches(m.text, match)), timeoutMs)
      .catch(() => {
        throw new Error(
          `expected a DM to ${userId}${match ? ` matching ${match}` : ''}; DMs seen: ${JSON.stringify(
            this.standin
              .messages()
              .filter((m) => m.dmUser)
              .map((m) => [m.dmUser, m.text]),
          )}`,
        );
      });
    return new MessageHandle(this, message);
  }

  async expectChannelMessage(channel: string, match?: string | RegExp, timeoutMs = 3000): Promise<MessageHandle> {
    const message = await this.standin
      .waitFor(() => this.standin.messages(channel).find((m) => matches(m.text, match)), timeoutMs)
      .catch(() => {
        throw new Error(
          `expected a message in ${channel}${match ? ` matching ${match}` : ''}; seen: ${JSON.stringify(this.standin.messages(channel).map((m) => m.text))}`,
        );
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

  signedPost(path: string, body: string, opts: { timestamp?: number; tamper?: boolean; unsigned?: boolean } = {}): Promise<Response> {
    return postToSlackEndpoint(`${this.appUrl}${path}`, body, { signingSecret: this.signingSecret, ...opts });
  }

  /** Internal: used by MessageHandle.click. Finds the button in actions blocks or as a section's accessory. */
  async clickButton(message: StoredMessage, label: string, asUser: string, stale = false): Promise<ClickResult> {
    const latest = this.latest(message);
    // A stale click comes from a client still showing the first version of the message.
    const current = stale ? { ...latest, ...(latest.history[0] ?? {}) } : latest;
    const button = buttonsOf(current.blocks).find((b) => b.text?.text === label);
    if (!button?.action_id)
      throw new Error(
        `no "${label}" button on the message "${current.text}"; it has ${JSON.stringify(buttonsOf(current.blocks).map((b) => b.text?.text))}`,
      );
    const responseUrl = this.standin.newResponseUrl({ channel: message.channel, ts: message.ts });
    const triggerId = newTriggerId();
    this.standin.registerTrigger(triggerId, asUser);
    this.markInteraction(asUser);
    const { status, body } = await this.deliver(
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
    return new ClickResult(this, status, responseUrl.split('/').pop()!, body, triggerId);
  }

  /** Opens `userId`'s App Home (the app_home_opened event) and waits for the app to publish it. */
  async openHome(userId: string, timeoutMs = 3000): Promise<HomeHandle> {
    const before = this.standin.homes.get(userId)?.publishes ?? 0;
    expect(await this.event({ type: 'app_home_opened', user: userId, channel: this.standin.dmChannelOf(userId), tab: 'home' })).toBe(200);
    await this.standin
      .waitFor(() => (this.standin.homes.get(userId)?.publishes ?? 0) > before, timeoutMs)
      .catch(() => {
        throw new Error(`expected the app to publish ${userId}'s App Home`);
      });
    return new HomeHandle(this, userId);
  }

  /** Internal: presses a button on a view (a Home or a modal) as `userId`, in `block` when labels repeat. */
  async clickOnView(
    on: { userId: string; viewId: string; view: Record<string, unknown>; where: string; stackedOn?: string },
    label: string,
    block?: string,
  ): Promise<{ status: number; triggerId: string }> {
    const button = buttonsOf(on.view.blocks as unknown[]).find((b) => b.text?.text === label && (!block || b.blockId === block));
    if (!button?.action_id)
      throw new Error(
        `no "${label}" button${block ? ` in ${block}` : ''} ${on.where}; it has ${JSON.stringify(buttonsByBlockOf(on.view.blocks as unknown[]))}`,
      );
    const triggerId = newTriggerId();
    this.standin.registerTrigger(triggerId, on.userId, on.stackedOn ? { viewId: on.stackedOn } : {});
    this.markInteraction(on.userId);
    const { status } = await this.deliver(
      'interactive',
      viewBlockActionBody({
        userId: on.userId,
        actionId: button.action_id,
        value: button.value ?? '',
        buttonText: label,
        ...(button.blockId ? { blockId: button.blockId } : {}),
        viewId: on.viewId,
        view: on.view,
        triggerId,
      }),
    );
    return { status, triggerId };
  }

  /** Internal: values an external_select offered a person, by modal and field; only these can be picked. */
  readonly suggested = new Map<string, Set<string>>();

  latest(message: StoredMessage): StoredMessage {
    return this.standin.messages(message.channel).find((m) => m.ts === message.ts) ?? message;
  }

  async stop(): Promise<void> {
    await this.standin.stop();
  }
}

/** Every button a person sees on a message, in order: in actions blocks and as section accessories. */
function buttonsOf(blocks: unknown[] | undefined): (Element & { blockId?: string })[] {
  return ((blocks ?? []) as Block[]).flatMap((b) => {
    const elements = b.type === 'actions' ? (b.elements ?? []) : b.type === 'section' && b.accessory ? [b.accessory] : [];
    return elements.filter((e) => e.type === 'button').map((e) => ({ ...e, ...(b.block_id ? { blockId: b.block_id } : {}) }));
  });
}

/** Button labels by block_id (blocks without one are keyed `blocks[i]`). */
function buttonsByBlockOf(blocks: unknown[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  ((blocks ?? []) as Block[]).forEach((b, i) => {
    const labels = buttonsOf([b]).map((e) => e.text?.text ?? '');
    if (labels.length > 0) out[b.block_id ?? `blocks[${i}]`] = labels;
  });
  return out;
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

  /** The labels of the message's buttons, in actions blocks and section accessories, in order. */
  get buttons(): string[] {
    return buttonsOf(this.current.blocks).map((e) => e.text?.text ?? '');
  }

  /** Button labels by block_id (blocks without one are keyed `blocks[i]`). */
  get buttonsByBlock(): Record<string, string[]> {
    return buttonsByBlockOf(this.current.blocks);
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
    await this.slack.standin
      .waitFor(() => matches(this.current.text, match), timeoutMs)
      .catch(() => {
        throw new Error(`expected the message to be updated to match ${match}; it reads "${this.current.text}"`);
      });
    return this;
  }
}

/** A person's App Home as last published: read it, press its buttons. */
export class HomeHandle {
  constructor(
    private readonly slack: FakeSlack,
    readonly userId: string,
  ) {}

  private get home() {
    const home = this.slack.standin.homes.get(this.userId);
    if (!home) throw new Error(`${this.userId} has no App Home published`);
    return home;
  }

  get view(): Record<string, unknown> {
    return this.home.view;
  }

  get publishes(): number {
    return this.home.publishes;
  }

  get rendered(): string {
    return JSON.stringify(this.view.blocks ?? []);
  }

  /** Button labels by block_id. */
  get buttonsByBlock(): Record<string, string[]> {
    return buttonsByBlockOf(this.view.blocks as unknown[] | undefined);
  }

  /** Presses a button on the Home (in `block` when labels repeat); resolves with the app's ack and the trigger. */
  async click(label: string, opts: { block?: string } = {}): Promise<{ status: number; triggerId: string }> {
    return this.slack.clickOnView(
      { userId: this.userId, viewId: this.home.id, view: this.view, where: `on ${this.userId}'s Home` },
      label,
      opts.block,
    );
  }

  /** Waits for the app to publish the Home again (after a click, say). */
  async waitForPublish(after: number, timeoutMs = 3000): Promise<HomeHandle> {
    await this.slack.standin
      .waitFor(() => this.publishes > after, timeoutMs)
      .catch(() => {
        throw new Error(`expected ${this.userId}'s Home to be published again`);
      });
    return this;
  }
}

export class ClickResult {
  constructor(
    private readonly slack: FakeSlack,
    readonly status: number,
    private readonly responseId: string,
    /** The app's ack of the click. */
    readonly body: Record<string, unknown> = {},
    /** The click's trigger_id (registered with the stand-in, so the app may open a modal with it). */
    readonly triggerId = '',
  ) {}

  /** The private reply the app sent to the click's response URL. */
  async reply(timeoutMs = 3000): Promise<string> {
    const post = await this.slack.standin.waitFor(
      () => this.slack.standin.responseUrlPosts.find((p) => p.id === this.responseId),
      timeoutMs,
    );
    return String(post.body.text ?? '');
  }
}

function matches(text: string, match: string | RegExp | undefined): boolean {
  if (match === undefined) return true;
  return typeof match === 'string' ? text.includes(match) : match.test(text);
}

/** What submitting a modal did: closed it, showed errors on fields, or replaced it with the next step. */
export interface SubmitResult {
  status: number;
  body: Record<string, unknown>;
  /** response_action errors: messages by block_id. */
  errors: Record<string, string> | null;
  /** The app answered with nothing, or response_action clear. */
  closed: boolean;
  /** response_action update or push: a handle on the view now shown (also the person's current view in the stand-in). */
  next: ModalHandle | null;
}

/** An input as the modal shows it. */
export type ModalField = Omit<ModalInput, 'element'>;

const USER_ID = /^[UW][A-Z0-9]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * A modal as a person sees it: fields with their initial values, which `set` changes only in ways a
 * person could (an existing field; a select value among its options), and `submit` sends as Slack does.
 * Handles follow the live view: after views.update they show (and submit) the new version.
 */
export class ModalHandle {
  constructor(
    private readonly slack: FakeSlack,
    readonly opened: OpenedView,
  ) {}

  get id(): string {
    return this.opened.id;
  }

  /** The view's current JSON. */
  get view(): Record<string, unknown> {
    return this.opened.view;
  }

  get title(): string {
    return titleOf(this.view);
  }

  get closed(): boolean {
    return this.opened.closed === true;
  }

  /** All of the modal's text, for matching what a person reads. */
  get rendered(): string {
    return JSON.stringify(this.view.blocks ?? []);
  }

  /** The modal's input fields, in order. */
  get inputs(): ModalField[] {
    return modalInputs(this.view).map(({ element: _element, ...field }) => field);
  }

  /** The block_ids of the input fields. */
  get fields(): string[] {
    return modalInputs(this.view).map((i) => i.blockId);
  }

  private input(blockId: string): ModalInput {
    const inputs = modalInputs(this.view);
    const input = inputs.find((i) => i.blockId === blockId);
    if (!input) throw new Error(`the "${this.title}" modal has no field "${blockId}"; it has ${inputs.map((i) => i.blockId).join(', ')}`);
    return input;
  }

  /**
   * Types `query` into an external_select as a person would: Slack asks the app (block_suggestion) and shows
   * what it answers. Checks Slack's limits on the answer; the options offered become pickable with `set`.
   */
  async search(blockId: string, query: string): Promise<{ text: string; value: string }[]> {
    const input = this.input(blockId);
    if (input.type !== 'external_select' && input.type !== 'multi_external_select')
      throw new Error(`field ${blockId} is a ${input.type}, not an external select`);
    const minLength = typeof input.element.min_query_length === 'number' ? input.element.min_query_length : 3;
    if (query.length < minLength) throw new Error(`field ${blockId} asks the app only after ${minLength} characters`);
    const { status, body } = await this.slack.deliver(
      'interactive',
      blockSuggestionBody({
        userId: this.opened.userId,
        actionId: input.actionId,
        blockId,
        value: query,
        viewId: this.id,
        view: this.view,
      }),
    );
    if (status !== 200) throw new Error(`the app answered the option search for ${blockId} with HTTP ${status}`);
    const groups = Array.isArray(body.option_groups) ? (body.option_groups as { options: unknown[] }[]) : null;
    const raw = (groups ? groups.flatMap((g) => g.options) : body.options) as
      | { text?: { type?: string; text?: string }; value?: string }[]
      | undefined;
    if (!Array.isArray(raw)) throw new Error(`the option search for ${blockId} answered without options: ${JSON.stringify(body)}`);
    if (raw.length > 100) throw new Error(`the option search for ${blockId} answered ${raw.length} options; Slack shows at most 100`);
    const options = raw.map((o) => {
      if (o.text?.type !== 'plain_text' || typeof o.text.text !== 'string' || o.text.text.length > 75)
        throw new Error(`option text must be plain_text of at most 75 characters: ${JSON.stringify(o)}`);
      if (typeof o.value !== 'string' || o.value.length > 150)
        throw new Error(`option value must be a string of at most 150 characters: ${JSON.stringify(o)}`);
      return { text: o.text.text, value: o.value };
    });
    const key = `${this.id}:${blockId}`;
    const seen = this.slack.suggested.get(key) ?? new Set<string>();
    for (const o of options) seen.add(o.value);
    this.slack.suggested.set(key, seen);
    return options;
  }

  /** Button labels by block_id. */
  get buttonsByBlock(): Record<string, string[]> {
    return buttonsByBlockOf(this.view.blocks as unknown[] | undefined);
  }

  /** Presses a button in the modal (in `block` when labels repeat), as `as` (a forged click) or its owner. */
  async click(label: string, opts: { block?: string; as?: string } = {}): Promise<{ status: number; triggerId: string }> {
    if (this.closed) throw new Error(`the "${this.title}" modal is closed`);
    const view = { ...this.view, type: 'modal', hash: this.opened.hash };
    return this.slack.clickOnView(
      { userId: opts.as ?? this.opened.userId, viewId: this.id, view, where: `in the "${this.title}" modal`, stackedOn: this.id },
      label,
      opts.block,
    );
  }

  /** The options of a select, radio or checkbox field (option groups flattened). */
  options(blockId: string): { text: string; value: string }[] {
    return elementOptions(this.input(blockId).element).map((o) => ({ text: o.text.text, value: o.value }));
  }

  /** The value a field shows before anyone touches it (epoch ms for a date-time). */
  initial(blockId: string): ModalInputValue | undefined {
    return this.input(blockId).initial;
  }

  /** What the field holds now: what was set, else its initial value. */
  value(blockId: string): ModalInputValue | undefined {
    const input = this.input(blockId);
    const entry = this.slack.enteredFor(this.id).get(blockId);
    return entry && entry.actionId === input.actionId ? entry.value : input.initial;
  }

  /**
   * Fills a field as a person would: text; an option's value; a user ID; a date YYYY-MM-DD; a time HH:mm;
   * epoch ms for a date-time; a list for multi-selects and checkboxes. Null clears it. Throws on what no
   * person could enter: a field the modal lacks, a value not among the options, text over max_length.
   */
  set(blockId: string, value: ModalInputValue): this {
    const input = this.input(blockId);
    if (value !== null) this.check(input, value);
    this.slack.enteredFor(this.id).set(blockId, { actionId: input.actionId, value });
    return this;
  }

  /**
   * Picks an option of a static select whose input block has `dispatch_action`, as a person would: Slack sends
   * the pick to the app at once (block_actions, with the view's state), and the app may update the view.
   * Resolves once the app has updated it; throws if the block does not dispatch or the app does not answer.
   * `sentWithHash`: the view's hash the pick carries, when the person picked again before the app's update
   * of their previous pick reached their client (Slack then sends the older hash).
   */
  async choose(blockId: string, value: string, opts: { sentWithHash?: string; timeoutMs?: number } = {}): Promise<this> {
    const timeoutMs = opts.timeoutMs ?? 3000;
    const input = this.input(blockId);
    const block = ((this.view.blocks ?? []) as { block_id?: string; dispatch_action?: boolean }[]).find((b) => b.block_id === blockId);
    if (block?.dispatch_action !== true)
      throw new Error(`field ${blockId} of the "${this.title}" modal does not dispatch its actions; use set`);
    if (input.type !== 'static_select') throw new Error(`field ${blockId} is a ${input.type}; choose picks in a static_select`);
    this.set(blockId, value);
    const selected = elementOptions(input.element).find((o) => o.value === value)!;
    const values: Record<string, ModalInputValue> = {};
    for (const i of modalInputs(this.view)) {
      const entry = this.slack.enteredFor(this.id).get(i.blockId);
      if (entry && entry.actionId === i.actionId) values[i.blockId] = entry.value;
    }
    const hash = this.opened.hash;
    const sentHash = opts.sentWithHash ?? hash;
    const triggerId = newTriggerId();
    this.slack.standin.registerTrigger(triggerId, this.opened.userId, { viewId: this.id });
    this.slack.markInteraction(this.opened.userId);
    const { status } = await this.slack.deliver(
      'interactive',
      viewSelectActionBody({
        userId: this.opened.userId,
        actionId: input.actionId,
        blockId,
        selected,
        viewId: this.id,
        view: { ...this.view, hash: sentHash },
        values,
        triggerId,
      }),
    );
    if (status !== 200) throw new Error(`the app answered the pick in ${blockId} with HTTP ${status}`);
    await this.slack.standin
      .waitFor(() => this.opened.hash !== hash, timeoutMs)
      .catch(() => {
        throw new Error(`expected the app to update the "${this.title}" modal after the pick in ${blockId}`);
      });
    return this;
  }

  private check(input: ModalInput, value: Exclude<ModalInputValue, null>): void {
    const el = input.element;
    const fail = (why: string): never => {
      throw new Error(`"${this.title}" modal, field ${input.blockId} (${input.type}): ${why}`);
    };
    const str = (): string => (typeof value === 'string' ? value : fail(`expects a string, not ${JSON.stringify(value)}`));
    const list = (): string[] => (Array.isArray(value) ? value : fail(`expects a list, not ${JSON.stringify(value)}`));
    const options = () => elementOptions(el).map((o) => o.value);
    const amongOptions = (v: string) => {
      if (!options().includes(v)) fail(`"${v}" is not one of its options: ${options().join(', ')}`);
    };
    const atMost = (items: string[]) => {
      if (typeof el.max_selected_items === 'number' && items.length > el.max_selected_items)
        fail(`at most ${el.max_selected_items} can be picked`);
    };
    switch (input.type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'rich_text_input': {
        const text = str();
        if (typeof el.max_length === 'number' && text.length > el.max_length)
          fail(`takes at most ${el.max_length} characters, not ${text.length}`);
        if (el.multiline !== true && input.type === 'plain_text_input' && text.includes('\n')) fail('is a single line');
        break;
      }
      case 'number_input': {
        const n = Number(str());
        if (!Number.isFinite(n)) fail(`"${String(value)}" is not a number`);
        if (el.is_decimal_allowed !== true && !Number.isInteger(n)) fail('takes whole numbers only');
        break;
      }
      case 'static_select':
      case 'radio_buttons':
        amongOptions(str());
        break;
      case 'multi_static_select':
      case 'checkboxes':
        list().forEach(amongOptions);
        atMost(list());
        break;
      case 'users_select':
        if (!USER_ID.test(str())) fail(`"${String(value)}" is not a user ID`);
        break;
      case 'multi_users_select':
        for (const u of list()) if (!USER_ID.test(u)) fail(`"${u}" is not a user ID`);
        atMost(list());
        break;
      case 'datepicker': {
        const d = str();
        if (!DATE.test(d) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) fail(`"${d}" is not a date YYYY-MM-DD`);
        break;
      }
      case 'timepicker':
        if (!TIME.test(str())) fail(`"${String(value)}" is not a time HH:mm`);
        break;
      case 'datetimepicker':
        if (typeof value !== 'number' || !Number.isFinite(value)) fail(`expects epoch milliseconds, not ${JSON.stringify(value)}`);
        break;
      case 'external_select': {
        // A person can pick only what a search offered them (or the initial option).
        const v = str();
        const offered = this.slack.suggested.get(`${this.id}:${input.blockId}`);
        if (v !== input.initial && !offered?.has(v)) fail(`"${v}" was never offered; search the field first`);
        break;
      }
      case 'conversations_select':
      case 'channels_select':
        str();
        break;
      case 'multi_external_select':
      case 'multi_conversations_select':
      case 'multi_channels_select':
        list();
        break;
      default:
        break;
    }
  }

  /**
   * Submits the modal as Slack does: the state holds every input (initial values, overridden by `set`), the
   * app's answer is applied (close, errors, update or push). `as` sends it as someone else, which only a
   * forged request could do. Throws when the modal is closed or has no submit button, or when the app
   * answers in a way Slack would refuse.
   */
  async submit(opts: { as?: string } = {}): Promise<SubmitResult> {
    const opened = this.opened;
    if (opened.closed) throw new Error(`the "${this.title}" modal is closed; nobody can submit it any more`);
    if (opened.view.submit === undefined) throw new Error(`the "${this.title}" modal has no submit button`);
    const userId = opts.as ?? opened.userId;
    const values: Record<string, ModalInputValue> = {};
    for (const input of modalInputs(this.view)) {
      const entry = this.slack.enteredFor(this.id).get(input.blockId);
      if (entry && entry.actionId === input.actionId) values[input.blockId] = entry.value;
    }
    const triggerId = newTriggerId();
    this.slack.standin.registerTrigger(triggerId, userId, { viewId: opened.id });
    this.slack.markInteraction(userId);
    const body = viewSubmissionBody({
      userId,
      view: opened.view,
      values,
      triggerId,
      viewId: opened.id,
      hash: opened.hash,
      previousViewId: opened.previousViewId,
      rootViewId: opened.rootViewId,
    });
    const answer = await this.slack.deliver('interactive', body);
    // An app error leaves the modal open with Slack's generic error.
    if (answer.status !== 200) return { ...answer, errors: null, closed: false, next: null };
    const outcome = this.slack.standin.answerSubmission(opened.id, answer.body);
    if (outcome.refused) throw new Error(`the app answered the "${this.title}" submission in a way Slack would refuse: ${outcome.refused}`);
    return {
      ...answer,
      errors: outcome.errors,
      closed: outcome.closed,
      next: outcome.view ? new ModalHandle(this.slack, outcome.view) : null,
    };
  }
}
