import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for the Slack Web API. It answers the way Slack answers and checks Slack's contract
 * (required arguments, Block Kit limits, channel-name rules), so the demo runs without Slack and tests
 * catch calls the real Slack would refuse.
 */

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  status: number;
  response: unknown;
  at: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  threadTs?: string;
  /** Set when the channel is a DM: the person who reads it. */
  dmUser?: string;
  /** Earlier versions, oldest first. */
  history: Array<{ text: string; blocks: unknown[] | undefined }>;
  deleted?: boolean;
}

export interface OpenedView {
  id: string;
  userId: string;
  view: Record<string, unknown>;
  hash: string;
  /** Earlier versions, oldest first. */
  history: Record<string, unknown>[];
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

interface Failure {
  status: 429 | 500 | 503;
  retryAfter?: number;
  times: number;
}

type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };
type Args = Record<string, unknown>;

const MAX_BODY = 1024 * 1024;
const BLOCK_TYPES = new Set(['section', 'actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'file', 'video']);
const INTERACTIVE = new Set(['button', 'static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select', 'overflow', 'datepicker', 'timepicker', 'datetimepicker', 'checkboxes', 'radio_buttons', 'plain_text_input', 'multi_static_select', 'multi_users_select']);

/** Checks blocks against Slack's published Block Kit limits; returns every problem found. */
export function checkBlocks(blocks: unknown, opts: { maxBlocks: number }): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const problems: string[] = [];
  if (blocks.length > opts.maxBlocks) problems.push(`${blocks.length} blocks; at most ${opts.maxBlocks} allowed`);
  const blockIds = new Set<string>();
  // Slack requires an action_id to be unique within its block, not across the message.
  let actionIds = new Set<string>();
  const textOf = (t: unknown) => (t && typeof t === 'object' ? String((t as { text?: unknown }).text ?? '') : '');
  const checkElement = (el: Record<string, unknown>, where: string) => {
    const actionId = el.action_id;
    if (INTERACTIVE.has(String(el.type))) {
      if (typeof actionId === 'string') {
        if (actionId.length > 255) problems.push(`${where}: action_id longer than 255`);
        if (actionIds.has(actionId)) problems.push(`${where}: duplicate action_id "${actionId}"`);
        actionIds.add(actionId);
      }
    }
    if (el.type === 'static_select' || el.type === 'multi_static_select') {
      const options = el.options as { text?: { type?: string; text?: string }; value?: string }[] | undefined;
      if (!Array.isArray(options) && !Array.isArray(el.option_groups)) problems.push(`${where}: a select needs options or option_groups`);
      if (Array.isArray(options)) {
        if (options.length === 0) problems.push(`${where}: a select needs at least one option`);
        if (options.length > 100) problems.push(`${where}: more than 100 options`);
        options.forEach((o, j) => {
          if (o.text?.type !== 'plain_text') problems.push(`${where}.options[${j}]: option text must be plain_text`);
          if ((o.text?.text ?? '').length > 75) problems.push(`${where}.options[${j}]: option text longer than 75`);
          if (typeof o.value !== 'string' || o.value.length > 150) problems.push(`${where}.options[${j}]: option value missing or longer than 150`);
        });
        const initial = el.initial_option as { value?: string } | undefined;
        if (initial && !options.some((o) => o.value === initial.value)) problems.push(`${where}: initial_option is not one of the options`);
      }
    }
    if (el.initial_user !== undefined && typeof el.initial_user !== 'string') problems.push(`${where}: initial_user must be a user ID`);
    if (el.type === 'datepicker' && el.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(el.initial_date))) problems.push(`${where}: initial_date must be YYYY-MM-DD`);
    if (el.type === 'timepicker' && el.initial_time !== undefined && !/^\d{2}:\d{2}$/.test(String(el.initial_time))) problems.push(`${where}: initial_time must be HH:mm`);
    if (el.type === 'datetimepicker' && el.initial_date_time !== undefined && !Number.isInteger(el.initial_date_time)) problems.push(`${where}: initial_date_time must be whole seconds`);
    if (el.type === 'button') {
      const text = el.text as { type?: string; text?: string } | undefined;
      if (!text || text.type !== 'plain_text') problems.push(`${where}: button text must be plain_text`);
      else if ((text.text ?? '').length > 75) problems.push(`${where}: button text longer than 75`);
      if (typeof el.value === 'string' && el.value.length > 2000) problems.push(`${where}: button value longer than 2000`);
      if (typeof el.url === 'string' && el.url.length > 3000) problems.push(`${where}: button url longer than 3000`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') problems.push(`${where}: button style must be primary or danger`);
    }
  };
  blocks.forEach((raw, i) => {
    const where = `blocks[${i}]`;
    if (!raw || typeof raw !== 'object') return void problems.push(`${where}: not an object`);
    const block = raw as Record<string, unknown>;
    actionIds = new Set<string>();
    if (!BLOCK_TYPES.has(String(block.type))) problems.push(`${where}: unknown block type "${String(block.type)}"`);
    if (block.block_id !== undefined) {
      const id = String(block.block_id);
      if (id.length > 255) problems.push(`${where}: block_id longer than 255`);
      if (blockIds.has(id)) problems.push(`${where}: duplicate block_id "${id}"`);
      blockIds.add(id);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${where}: a section needs text or fields`);
        if (block.text !== undefined && textOf(block.text).length > 3000) problems.push(`${where}: section text longer than 3000`);
        if (block.text !== undefined && textOf(block.text).length === 0) problems.push(`${where}: section text is empty`);
        const fields = block.fields as unknown[] | undefined;
        if (fields) {
          if (fields.length > 10) problems.push(`${where}: more than 10 fields`);
          fields.forEach((f, j) => {
            if (textOf(f).length > 2000) problems.push(`${where}.fields[${j}]: longer than 2000`);
          });
        }
        if (block.accessory) checkElement(block.accessory as Record<string, unknown>, `${where}.accessory`);
        break;
      }
      case 'header': {
        const text = block.text as { type?: string; text?: string } | undefined;
        if (!text || text.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        else if ((text.text ?? '').length > 150) problems.push(`${where}: header text longer than 150`);
        break;
      }
      case 'context': {
        const elements = block.elements as unknown[] | undefined;
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${where}: context needs elements`);
        else if (elements.length > 10) problems.push(`${where}: more than 10 context elements`);
        break;
      }
      case 'input': {
        const label = block.label as { type?: string; text?: string } | undefined;
        if (!label || label.type !== 'plain_text') problems.push(`${where}: input label must be plain_text`);
        else if ((label.text ?? '').length > 2000) problems.push(`${where}: input label longer than 2000`);
        const element = block.element as Record<string, unknown> | undefined;
        if (!element || !INTERACTIVE.has(String(element.type))) problems.push(`${where}: input needs a supported element`);
        else {
          if (typeof element.action_id !== 'string') problems.push(`${where}: input element needs an action_id`);
          checkElement(element, `${where}.element`);
        }
        if (block.optional !== undefined && typeof block.optional !== 'boolean') problems.push(`${where}: optional must be a boolean`);
        break;
      }
      case 'actions': {
        const elements = block.elements as Record<string, unknown>[] | undefined;
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${where}: actions needs elements`);
        else {
          if (elements.length > 25) problems.push(`${where}: more than 25 elements`);
          elements.forEach((el, j) => checkElement(el, `${where}.elements[${j}]`));
        }
        break;
      }
      default:
        break;
    }
  });
  return problems;
}

/** Slack's channel-name rules; returns the error Slack would give, or null. */
export function channelNameError(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (!/^[a-z0-9_-]+$/.test(name)) return 'invalid_name_specials';
  return null;
}

function tzOffsetSeconds(tz: string): number {
  const now = new Date();
  const local = new Date(now.toLocaleString('en-US', { timeZone: tz }));
  const utc = new Date(now.toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 1000);
}

export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly violations: string[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  /** Modals as people see them: opened with a trigger, then replaced by views.update or a response_action. */
  readonly openedViews: OpenedView[] = [];
  readonly ephemerals: { channel: string; user: string; text: string; blocks: unknown[] | undefined }[] = [];
  private readonly triggers = new Map<string, { userId: string; used: boolean }>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly stored: StoredMessage[] = [];
  private readonly channels = new Map<string, string>();
  private readonly users = new Map<string, { name: string; tz: string }>();
  private readonly responseTargets = new Map<string, { channel: string; ts: string } | null>();
  private readonly failures = new Map<string, Failure>();
  private readonly events = new EventEmitter();
  private down = false;
  private readonly sockets = new Set<WebSocket>();
  private readonly socketServer = new WebSocketServer({ noServer: true });
  private envelopeCounter = 0;
  private tsCounter = 0;
  private readonly tsBase = 1_700_000_000;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: { token?: string; strictUsers?: boolean },
  ) {
    this.events.setMaxListeners(0);
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  static async start(opts: { port?: number; token?: string; users?: Record<string, { name: string; tz: string }>; strictUsers?: boolean } = {}): Promise<SlackStandIn> {
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
    standin = new SlackStandIn(server, `http://127.0.0.1:${port}`, { token: opts.token, strictUsers: opts.strictUsers });
    server.on('upgrade', (req, socket, head) => standin!.upgrade(req, socket, head));
    for (const [id, user] of Object.entries(opts.users ?? {})) standin.addUser(id, user);
    return standin;
  }

  addUser(id: string, user: { name: string; tz: string }): void {
    this.users.set(id, user);
  }

  addChannel(id: string, name: string): void {
    this.channels.set(id, name);
  }

  /** Each user's DM with the app has a stable channel ID, as in Slack. */
  dmChannelOf(userId: string): string {
    return `D${userId.replace(/^[UW]/, '')}`;
  }

  messages(channel?: string): StoredMessage[] {
    return channel === undefined ? [...this.stored] : this.stored.filter((m) => m.channel === channel);
  }

  dmsTo(userId: string): StoredMessage[] {
    return this.stored.filter((m) => m.dmUser === userId);
  }

  newResponseUrl(target?: { channel: string; ts: string }): string {
    const id = randomBytes(8).toString('hex');
    this.responseTargets.set(id, target ?? null);
    return `${this.url}/response/${id}`;
  }

  /** Slack hands out a trigger_id with each command or click; views.open accepts each once. */
  registerTrigger(triggerId: string, userId: string): void {
    this.triggers.set(triggerId, { userId, used: false });
  }

  /** The latest view shown to a person, as a client would display it. */
  currentView(userId: string): OpenedView | undefined {
    return [...this.openedViews].reverse().find((v) => v.userId === userId);
  }

  /** A response_action from the app replaces the view the person submitted, as Slack does. */
  replaceView(viewId: string, view: Record<string, unknown>): OpenedView | null {
    const problems = this.viewProblems(view, 'modal');
    if (problems.length > 0) {
      this.violations.push(`response_action view: ${problems.join('; ')}`);
      return null;
    }
    const opened = this.openedViews.find((v) => v.id === viewId);
    if (!opened) return null;
    opened.history.push(opened.view);
    opened.view = view;
    opened.hash = randomBytes(6).toString('hex');
    this.events.emit('response');
    return opened;
  }

  addUsergroup(id: string, members: string[] = []): void {
    this.usergroups.set(id, members);
  }

  usergroupMembers(id: string): string[] {
    return this.usergroups.get(id) ?? [];
  }

  failNext(method: string, opts: { status: 429 | 500 | 503; retryAfter?: number; times?: number }): void {
    this.failures.set(method, { status: opts.status, retryAfter: opts.retryAfter, times: opts.times ?? 1 });
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

  reset(): void {
    this.calls.length = 0;
    this.violations.length = 0;
    this.responseUrlPosts.length = 0;
    this.stored.length = 0;
    this.openedViews.length = 0;
    this.ephemerals.length = 0;
    this.failures.clear();
    this.down = false;
  }

  /** Socket Mode: whether an app is connected over the WebSocket that apps.connections.open handed out. */
  get socketConnected(): boolean {
    return this.sockets.size > 0;
  }

  /**
   * Socket Mode: delivers an envelope (type 'slash_commands', 'interactive' or 'events_api') to the connected
   * app and resolves with the app's acknowledgement, as Slack's Socket Mode server does.
   */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no app is connected in Socket Mode'));
    this.envelopeCounter += 1;
    const envelopeId = `env-${this.envelopeCounter}-${randomBytes(3).toString('hex')}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        reject(new Error(`the app did not acknowledge envelope ${envelopeId} within ${timeoutMs} ms (Slack requires 3 s)`));
      }, timeoutMs);
      const onMessage = (data: Buffer) => {
        const ack = JSON.parse(data.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
        if (ack.envelope_id !== envelopeId) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(ack.payload ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
    });
  }

  private upgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    if (new URL(req.url ?? '/', this.url).pathname !== '/socket-mode') return void socket.destroy();
    this.socketServer.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, connection_info: { app_id: 'A0BATON' }, debug_info: { host: 'standin', approximate_connection_time: 3600 } }));
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.socketServer.close();
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
    if (response && req.method === 'POST') return this.handleResponseUrl(response[1]!, raw, res);

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

    const failure = this.failures.get(method) ?? this.failures.get('*');
    if (this.down || failure) {
      const status = this.down ? 500 : failure!.status;
      if (failure && !this.down && (failure.times -= 1) <= 0) this.failures.delete(this.failures.has(method) ? method : '*');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const body = status === 429 ? { ok: false, error: 'ratelimited' } : { ok: false, error: 'internal_error' };
      if (status === 429) headers['retry-after'] = String(failure?.retryAfter ?? 1);
      record(status, body);
      res.writeHead(status, headers).end(JSON.stringify(body));
      return;
    }

    const answer = method === 'apps.connections.open' ? this.openSocket(req) : (this.authError(req, args) ?? this.dispatch(method, args));
    if (!answer.ok && answer.error === 'invalid_blocks') {
      this.violations.push(`${method}: ${(answer.response_metadata as { messages: string[] }).messages.join('; ')}`);
    }
    record(200, answer);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private handleResponseUrl(id: string, raw: string, res: ServerResponse): void {
    if (!this.responseTargets.has(id)) {
      res.writeHead(404).end('no such response_url');
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      this.violations.push('response_url: body is not JSON');
      res.writeHead(400).end('invalid_payload');
      return;
    }
    const problems = body.blocks !== undefined ? checkBlocks(body.blocks, { maxBlocks: 50 }) : [];
    if (problems.length > 0) {
      this.violations.push(`response_url: ${problems.join('; ')}`);
      res.writeHead(400).end('invalid_blocks');
      return;
    }
    if (typeof body.text !== 'string' && body.blocks === undefined && !body.delete_original) this.violations.push('response_url: no text');
    const target = this.responseTargets.get(id);
    if (target && (body.replace_original === true || body.delete_original === true)) {
      const message = this.find(target.channel, target.ts);
      if (message && body.delete_original) message.deleted = true;
      else if (message) this.updateMessage(message, String(body.text ?? ''), body.blocks as unknown[] | undefined);
    }
    this.responseUrlPosts.push({ id, body, at: Date.now() });
    this.events.emit('response');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  /** Socket Mode's first call, made with the app-level token rather than the bot token. */
  private openSocket(req: IncomingMessage): Answer {
    const token = /^Bearer\s+(.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!token) return { ok: false, error: 'not_authed' };
    if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    return { ok: true, url: `${this.url.replace(/^http/, 'ws')}/socket-mode` };
  }

  private authError(req: IncomingMessage, args: Args): Answer | null {
    const header = String(req.headers.authorization ?? '');
    const token = /^Bearer\s+(.+)$/.exec(header)?.[1] ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return { ok: false, error: 'not_authed' };
    if (this.opts.token ? token !== this.opts.token : !token.startsWith('xoxb-')) return { ok: false, error: 'invalid_auth' };
    return null;
  }

  private dispatch(method: string, args: Args): Answer {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: `${this.url}/`, team: 'Baton Demo', team_id: 'T0BATON', user: 'baton', user_id: 'UBATONBOT', bot_id: 'BBATON' };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral': {
        const missing = required(args, ['channel', 'user']);
        if (missing) return missing;
        const invalid = this.checkContent(args, 50);
        if (invalid) return invalid;
        this.ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text ?? ''), blocks: args.blocks as unknown[] | undefined });
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '').split(',').filter(Boolean);
        if (users.length !== 1) return { ok: false, error: users.length === 0 ? 'users_list_not_supplied' : 'not_implemented' };
        const unknown = this.unknownUser(users[0]!);
        if (unknown) return unknown;
        return { ok: true, channel: { id: this.dmChannelOf(users[0]!) } };
      }
      case 'conversations.create': {
        const error = channelNameError(args.name);
        if (error) return { ok: false, error };
        const name = String(args.name);
        if ([...this.channels.values()].includes(name)) return { ok: false, error: 'name_taken' };
        const id = `C${randomBytes(5).toString('hex').toUpperCase()}`;
        this.channels.set(id, name);
        return { ok: true, channel: { id, name, is_private: args.is_private === true || args.is_private === 'true' } };
      }
      case 'conversations.invite':
        return required(args, ['channel', 'users']) ?? this.knownChannel(String(args.channel)) ?? { ok: true, channel: { id: args.channel } };
      case 'conversations.archive':
        return required(args, ['channel']) ?? this.knownChannel(String(args.channel)) ?? { ok: true };
      case 'pins.add': {
        const missing = required(args, ['channel', 'timestamp']);
        if (missing) return missing;
        return this.find(String(args.channel), String(args.timestamp)) ? { ok: true } : { ok: false, error: 'message_not_found' };
      }
      case 'users.info': {
        const missing = required(args, ['user']);
        if (missing) return missing;
        const id = String(args.user);
        const user = this.users.get(id);
        if (!user) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: { id, name: user.name.toLowerCase().replace(/\s+/g, '.'), real_name: user.name, tz: user.tz, tz_offset: tzOffsetSeconds(user.tz) } };
      }
      case 'views.publish': {
        const missing = required(args, ['user_id', 'view']);
        if (missing) return missing;
        return this.checkView(args.view, 'home');
      }
      case 'views.open':
      case 'views.push': {
        const missing = required(args, ['trigger_id', 'view']);
        if (missing) return missing;
        const trigger = this.triggers.get(String(args.trigger_id));
        if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
        if (trigger.used) return { ok: false, error: 'trigger_exchanged' };
        const answer = this.checkView(args.view, 'modal');
        if (!answer.ok) return answer;
        trigger.used = true;
        const opened: OpenedView = { id: String((answer.view as { id: string }).id), userId: trigger.userId, view: args.view as Record<string, unknown>, hash: randomBytes(6).toString('hex'), history: [] };
        this.openedViews.push(opened);
        return { ok: true, view: { ...(answer.view as object), hash: opened.hash, state: { values: {} } } };
      }
      case 'views.update': {
        const missing = required(args, ['view']);
        if (missing) return missing;
        const opened = this.openedViews.find((v) => v.id === args.view_id);
        if (!opened) return { ok: false, error: args.view_id === undefined && args.external_id === undefined ? 'invalid_arguments' : 'not_found' };
        if (args.hash !== undefined && args.hash !== opened.hash) return { ok: false, error: 'hash_conflict' };
        const answer = this.checkView(args.view, 'modal');
        if (!answer.ok) return answer;
        opened.history.push(opened.view);
        opened.view = args.view as Record<string, unknown>;
        opened.hash = randomBytes(6).toString('hex');
        return { ok: true, view: { ...(answer.view as object), id: opened.id, hash: opened.hash } };
      }
      case 'usergroups.users.update': {
        const missing = required(args, ['usergroup', 'users']);
        if (missing) return missing.error === 'invalid_arguments' && args.users === '' ? { ok: false, error: 'no_users_provided' } : missing;
        const members = String(args.users).split(',').map((u) => u.trim()).filter(Boolean);
        if (members.length === 0) return { ok: false, error: 'no_users_provided' };
        const id = String(args.usergroup);
        if (this.usergroups.size > 0 && !this.usergroups.has(id)) return { ok: false, error: 'no_such_subteam' };
        this.usergroups.set(id, members);
        return { ok: true, usergroup: { id, users: members } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private postMessage(args: Args): Answer {
    const missing = required(args, ['channel']);
    if (missing) return missing;
    const invalid = this.checkContent(args, 50);
    if (invalid) return invalid;
    const target = String(args.channel);
    let channel = target;
    let dmUser: string | undefined;
    if (/^[UW]/.test(target)) {
      const unknown = this.unknownUser(target);
      if (unknown) return unknown;
      dmUser = target;
      channel = this.dmChannelOf(target);
    } else if (target.startsWith('D')) {
      dmUser = [...this.users.keys()].find((u) => this.dmChannelOf(u) === target) ?? `U${target.slice(1)}`;
    } else {
      const unknown = this.knownChannel(target);
      if (unknown) return unknown;
    }
    if (args.thread_ts !== undefined && !this.find(channel, String(args.thread_ts))) return { ok: false, error: 'thread_not_found' };
    const ts = this.nextTs();
    const text = String(args.text ?? '').slice(0, 40_000);
    const blocks = args.blocks as unknown[] | undefined;
    this.stored.push({ channel, ts, text, blocks, ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}), ...(dmUser ? { dmUser } : {}), history: [] });
    return { ok: true, channel, ts, message: { text, blocks, ts, bot_id: 'BBATON', type: 'message' } };
  }

  private update(args: Args): Answer {
    const missing = required(args, ['channel', 'ts']);
    if (missing) return missing;
    const invalid = this.checkContent(args, 50);
    if (invalid) return invalid;
    const message = this.find(String(args.channel), String(args.ts));
    if (!message) return { ok: false, error: 'message_not_found' };
    this.updateMessage(message, String(args.text ?? ''), args.blocks as unknown[] | undefined);
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  private updateMessage(message: StoredMessage, text: string, blocks: unknown[] | undefined): void {
    message.history.push({ text: message.text, blocks: message.blocks });
    message.text = text.slice(0, 40_000);
    message.blocks = blocks;
  }

  /** text or blocks, valid blocks, and a text fallback next to blocks (Slack warns without one). */
  private checkContent(args: Args, maxBlocks: number): Answer | null {
    const hasText = typeof args.text === 'string' && args.text.length > 0;
    if (!hasText && args.blocks === undefined && args.attachments === undefined) return { ok: false, error: 'no_text' };
    if (args.blocks !== undefined) {
      const problems = checkBlocks(args.blocks, { maxBlocks });
      if (problems.length > 0) return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
      if (!hasText) this.violations.push(`blocks sent without a text fallback (channel ${String(args.channel)})`);
    }
    return null;
  }

  private checkView(view: unknown, type: 'home' | 'modal'): Answer {
    const v = view as { type?: string } | undefined;
    if (!v || v.type !== type) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [`[ERROR] view.type must be ${type}`] } };
    const problems = this.viewProblems(v as Record<string, unknown>, type);
    if (problems.length > 0) return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
    return { ok: true, view: { id: `V${randomBytes(4).toString('hex').toUpperCase()}`, ...v } };
  }

  /** Block Kit limits plus the modal's own: title, submit and close at most 24 characters, submit when it has inputs. */
  private viewProblems(view: Record<string, unknown>, type: 'home' | 'modal'): string[] {
    const blocks = (view.blocks ?? []) as { type?: string }[];
    const problems = checkBlocks(blocks, { maxBlocks: 100 });
    if (type !== 'modal') return problems;
    const title = view.title as { type?: string; text?: string } | undefined;
    if (!title?.text || title.type !== 'plain_text' || title.text.length > 24) problems.push('modal title is required, plain_text and at most 24 characters');
    for (const key of ['submit', 'close'] as const) {
      const t = view[key] as { type?: string; text?: string } | undefined;
      if (t !== undefined && (t.type !== 'plain_text' || !t.text || t.text.length > 24)) problems.push(`modal ${key} must be plain_text of at most 24 characters`);
    }
    if (Array.isArray(blocks) && blocks.some((b) => b?.type === 'input') && view.submit === undefined) problems.push('a modal with input blocks needs a submit button');
    if (typeof view.callback_id === 'string' && view.callback_id.length > 255) problems.push('callback_id longer than 255');
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) problems.push('private_metadata longer than 3000');
    return problems;
  }

  private knownChannel(id: string): Answer | null {
    if (this.channels.has(id) || id.startsWith('D')) return null;
    return { ok: false, error: 'channel_not_found' };
  }

  private unknownUser(id: string): Answer | null {
    if (this.opts.strictUsers && !this.users.has(id)) return { ok: false, error: 'user_not_found' };
    return null;
  }

  private find(channel: string, ts: string): StoredMessage | undefined {
    return this.stored.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${this.tsBase + Math.floor(this.tsCounter / 1_000_000)}.${String(this.tsCounter % 1_000_000).padStart(6, '0')}`;
  }
}

function required(args: Args, names: string[]): Answer | null {
  const missing = names.find((n) => args[n] === undefined || args[n] === '');
  return missing ? { ok: false, error: missing === 'channel' ? 'channel_not_found' : 'invalid_arguments', response_metadata: { messages: [`[ERROR] missing required field: ${missing}`] } } : null;
}

/** WebClient sends forms whose nested values (blocks, view) are JSON strings; some callers send JSON. */
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
