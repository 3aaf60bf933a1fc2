import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Directory, type Usergroup } from './directory.js';
import { Messages, type EphemeralMessage, type StoredMessage } from './messages.js';
import { SlackRateLimits, type RateLimitOptions } from './rate-limits.js';
import { SocketMode } from './socket-mode.js';
import { Views, type OpenedView, type ResponseUrlPost, type SubmissionOutcome } from './views.js';
import type { Answer, Args, Method, Shared } from './web-api.js';

/**
 * A local stand-in for the Slack Web API. It answers the way Slack answers and checks Slack's contract
 * (required arguments, Block Kit limits, channel-name rules), so the demo runs without Slack and tests
 * catch calls the real Slack would refuse.
 *
 * This file is the HTTP server, authentication, failure injection and the method table; each Slack surface
 * is its own file: messages.ts (chat.*, conversations.*, pins), views.ts (views.*, triggers, submissions,
 * response_url), directory.ts (users, user groups), socket-mode.ts, and block-kit-rules.ts.
 */

export type { EphemeralMessage, OpenedView, RateLimitOptions, ResponseUrlPost, StoredMessage, SubmissionOutcome, Usergroup };

export interface SlackCall {
  method: string;
  args: Args;
  status: number;
  response: unknown;
  at: number;
}

interface Failure {
  status: 429 | 500 | 503;
  retryAfter?: number;
  times: number;
  /** Slack did the work, but the app gets an error (a lost answer, as a crash or a time-out would leave it). */
  applied?: boolean;
  /** Only calls to this channel (or person, for a DM) fail; others pass. */
  channel?: string;
}

const MAX_BODY = 1024 * 1024;

interface StartOptions {
  port?: number;
  token?: string;
  users?: Record<string, { name: string; tz: string }>;
  strictUsers?: boolean;
  triggerTtlMs?: number;
  rateLimits?: RateLimitOptions;
}

export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly violations: string[] = [];
  readonly responseUrlPosts: ResponseUrlPost[];
  /** Modals as people see them: opened with a trigger, then replaced by views.update or a response_action. */
  readonly openedViews: OpenedView[];
  readonly ephemerals: EphemeralMessage[];
  /** The App Home last published for each person. */
  readonly homes: Map<string, { id: string; view: Record<string, unknown>; publishes: number }>;
  private readonly failures = new Map<string, Failure>();
  private readonly events = new EventEmitter();
  private down = false;
  private readonly directory: Directory;
  private readonly conversations: Messages;
  private readonly views: Views;
  private readonly socketMode: SocketMode;
  /** Every Web API method the stand-in knows, by name; any other answers unknown_method. */
  private readonly methods: Map<string, Method>;
  /** Slack's rate limits, enforced only when started with `rateLimits` (see rate-limits.ts). */
  readonly rateLimits: SlackRateLimits | null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: { token?: string; strictUsers?: boolean; triggerTtlMs?: number; rateLimits?: RateLimitOptions },
  ) {
    this.events.setMaxListeners(0);
    this.rateLimits = opts.rateLimits ? new SlackRateLimits(opts.rateLimits, (userId) => this.directory.dmChannelOf(userId)) : null;
    const shared: Shared = { violations: this.violations, events: this.events };
    this.directory = new Directory({ strictUsers: opts.strictUsers });
    this.conversations = new Messages(this.directory, shared);
    this.views = new Views(url, this.directory, this.conversations, shared, { triggerTtlMs: opts.triggerTtlMs });
    this.socketMode = new SocketMode(url);
    this.responseUrlPosts = this.views.responseUrlPosts;
    this.openedViews = this.views.openedViews;
    this.homes = this.views.homes;
    this.ephemerals = this.conversations.ephemerals;
    const table: Record<string, Method> = {
      'auth.test': () => ({
        ok: true,
        url: `${this.url}/`,
        team: 'Baton Demo',
        team_id: 'T0BATON',
        user: 'baton',
        user_id: 'UBATONBOT',
        bot_id: 'BBATON',
      }),
      ...this.conversations.methods(),
      ...this.directory.methods(),
      ...this.views.methods(),
    };
    this.methods = new Map(Object.entries(table));
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /**
   * `triggerTtlMs`: how long a trigger_id stays usable (Slack: 3 s). `rateLimits`: answer 429 to calls over
   * Slack's limits (method tiers, a message a second per channel), as Slack does; off unless given.
   */
  static async start(opts: StartOptions = {}): Promise<SlackStandIn> {
    let standin: SlackStandIn | null = null;
    const server = createServer((req, res) => {
      standin!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'standin_error', detail: String(err) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const { token, strictUsers, triggerTtlMs, rateLimits } = opts;
    standin = new SlackStandIn(server, `http://127.0.0.1:${port}`, { token, strictUsers, triggerTtlMs, rateLimits });
    server.on('upgrade', (req, socket, head) => standin!.socketMode.upgrade(req, socket, head));
    for (const [id, user] of Object.entries(opts.users ?? {})) standin.addUser(id, user);
    return standin;
  }

  addUser(id: string, user: { name: string; tz: string }): void {
    this.directory.addUser(id, user);
  }

  addChannel(id: string, name: string): void {
    this.conversations.addChannel(id, name);
  }

  /** A person writes in a channel (as they would in the Slack client); returns the message's ts. */
  postAsUser(channel: string, userId: string, text: string, threadTs?: string): string {
    return this.conversations.postAsUser(channel, userId, text, threadTs);
  }

  /** Each user's DM with the app has a stable channel ID, as in Slack. */
  dmChannelOf(userId: string): string {
    return this.directory.dmChannelOf(userId);
  }

  messages(channel?: string): StoredMessage[] {
    return this.conversations.messages(channel);
  }

  dmsTo(userId: string): StoredMessage[] {
    return this.conversations.dmsTo(userId);
  }

  newResponseUrl(target?: { channel: string; ts: string }): string {
    return this.views.newResponseUrl(target);
  }

  /**
   * Slack hands out a trigger_id with each command, click or submission; views.open and views.push accept
   * each once, within 3 seconds. `viewId`: the modal the interaction came from (views.push stacks on it).
   */
  registerTrigger(triggerId: string, userId: string, opts: { viewId?: string } = {}): void {
    this.views.registerTrigger(triggerId, userId, opts);
  }

  /** The latest view shown to a person and still open, as a client would display it. */
  currentView(userId: string): OpenedView | undefined {
    return this.views.currentView(userId);
  }

  view(viewId: string): OpenedView | undefined {
    return this.views.view(viewId);
  }

  /** The last value of the counter in OpenedView.seq: views with a higher seq changed after this call. */
  get viewChanges(): number {
    return this.views.viewChanges;
  }

  /** A response_action update from the app replaces the view the person submitted, as Slack does; null if refused. */
  replaceView(viewId: string, view: Record<string, unknown>): OpenedView | null {
    return this.views.replaceView(viewId, view);
  }

  /** A response_action push: a new view on top of the submitted one; null if refused. */
  pushView(overViewId: string, view: Record<string, unknown>): OpenedView | null {
    return this.views.pushView(overViewId, view);
  }

  /** The person closes a view (or the app's empty answer to a submission closes it); `all` closes its whole stack. */
  closeView(viewId: string, opts: { all?: boolean } = {}): void {
    this.views.closeView(viewId, opts);
  }

  /**
   * Applies the app's answer to a view_submission of `viewId` as Slack would: close the view, show errors on
   * fields (which must be input block_ids of the view), replace it (update) or stack a new one (push).
   * Answers Slack would refuse are recorded in violations and leave the view as it was.
   */
  answerSubmission(viewId: string, answer: Record<string, unknown>): SubmissionOutcome {
    return this.views.answerSubmission(viewId, answer);
  }

  /**
   * A user group, as made in Slack's admin UI. Once any group is added this way, usergroups.users.update on an
   * unknown ID is refused with no_such_subteam. (The older form `addUsergroup(id, members)` still works.)
   */
  addUsergroup(id: string, handle?: string | string[], members: string[] = []): void {
    this.directory.addUsergroup(id, handle, members);
  }

  usergroupMembers(id: string): string[] {
    return this.directory.usergroupMembers(id);
  }

  usergroupList(): Usergroup[] {
    return this.directory.usergroupList();
  }

  /** `applied`: the call takes effect in Slack, yet the app is answered with the error (its answer was lost). */
  failNext(
    method: string,
    opts: { status: 429 | 500 | 503; retryAfter?: number; times?: number; applied?: boolean; channel?: string },
  ): void {
    this.failures.set(method, {
      status: opts.status,
      retryAfter: opts.retryAfter,
      times: opts.times ?? 1,
      ...(opts.applied ? { applied: true } : {}),
      ...(opts.channel ? { channel: opts.channel } : {}),
    });
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  onCall(listener: (call: SlackCall) => void): () => void {
    this.events.on('call', listener);
    return () => this.events.off('call', listener);
  }

  /** Resolves with the first truthy value of `pick`, re-checked on every call and response URL post. */
  waitFor<T>(pick: () => T | undefined | false | null, timeoutMs = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = pick();
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`SlackStandIn.waitFor timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const poll = setInterval(check, 25);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off('call', check);
        this.events.off('response', check);
      };
      this.events.on('call', check);
      this.events.on('response', check);
      check();
    });
  }

  /** Forgets calls, violations, messages, views and failures; users, channels and preset user groups stay. */
  reset(): void {
    this.calls.length = 0;
    this.violations.length = 0;
    this.conversations.reset();
    this.views.reset();
    this.directory.reset();
    this.failures.clear();
    this.down = false;
    this.rateLimits?.reset();
  }

  /** Socket Mode: whether an app is connected over the WebSocket that apps.connections.open handed out. */
  get socketConnected(): boolean {
    return this.socketMode.connected;
  }

  /**
   * Socket Mode: delivers an envelope (type 'slash_commands', 'interactive' or 'events_api') to the connected
   * app and resolves with the app's acknowledgement, as Slack's Socket Mode server does.
   */
  sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    timeoutMs = 3000,
  ): Promise<Record<string, unknown>> {
    return this.socketMode.sendEnvelope(type, payload, timeoutMs);
  }

  async stop(): Promise<void> {
    this.socketMode.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413, { connection: 'close' }).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', this.url).pathname;

    const response = /^\/response\/([0-9a-f]+)$/.exec(path);
    if (response && req.method === 'POST') {
      const answer = this.views.postToResponseUrl(response[1]!, raw);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }

    const api = /^\/api\/([a-zA-Z.]+)$/.exec(path);
    if (!api || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const method = api[1]!;
    const args = parseArgs(raw, String(req.headers['content-type'] ?? ''));
    const record = (status: number, body: unknown) => {
      const call: SlackCall = { method, args, status, response: body, at: Date.now() };
      this.calls.push(call);
      this.events.emit('call', call);
    };

    const armed = this.failures.get(method) ?? this.failures.get('*');
    const failure = armed?.channel === undefined || armed.channel === String(args.channel ?? '') ? armed : undefined;
    if (this.down || failure) {
      const status = this.down ? 500 : failure!.status;
      if (failure && !this.down) {
        failure.times -= 1;
        if (failure.times <= 0) this.failures.delete(this.failures.has(method) ? method : '*');
      }
      if (failure?.applied && !this.down) this.authError(req, args) ?? this.dispatch(method, args);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const body = status === 429 ? { ok: false, error: 'ratelimited' } : { ok: false, error: 'internal_error' };
      if (status === 429) headers['retry-after'] = String(failure?.retryAfter ?? 1);
      record(status, body);
      res.writeHead(status, headers).end(JSON.stringify(body));
      return;
    }

    const limited = this.rateLimits?.check(method, args, Date.now());
    if (limited) {
      const body = { ok: false, error: 'ratelimited' };
      record(429, body);
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limited.retryAfterSeconds) })
        .end(JSON.stringify(body));
      return;
    }

    const answer =
      method === 'apps.connections.open' ? this.socketMode.open(req) : (this.authError(req, args) ?? this.dispatch(method, args));
    if (!answer.ok && answer.error === 'invalid_blocks') {
      this.violations.push(`${method}: ${(answer.response_metadata as { messages: string[] }).messages.join('; ')}`);
    }
    record(200, answer);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private authError(req: IncomingMessage, args: Args): Answer | null {
    const header = String(req.headers.authorization ?? '');
    const token = /^Bearer\s+(.+)$/.exec(header)?.[1] ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return { ok: false, error: 'not_authed' };
    if (this.opts.token ? token !== this.opts.token : !token.startsWith('xoxb-')) return { ok: false, error: 'invalid_auth' };
    return null;
  }

  private dispatch(method: string, args: Args): Answer {
    const run = this.methods.get(method);
    return run ? run(args) : { ok: false, error: 'unknown_method' };
  }
}

/** WebClient sends forms whose nested values (blocks, view, metadata) are JSON strings; some callers send JSON. */
function parseArgs(raw: string, contentType: string): Args {
  if (contentType.includes('application/json')) {
    try {
      return (JSON.parse(raw || '{}') as Args) ?? {};
    } catch {
      return {};
    }
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (['blocks', 'attachments', 'view', 'metadata'].includes(key)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        args[key] = value;
      }
    } else args[key] = value;
  }
  return args;
}
