import { randomBytes } from 'node:crypto';
import { checkBlocks } from './block-kit-rules.js';
import type { Directory } from './directory.js';
import { required, type Answer, type Args, type Method, type Shared } from './web-api.js';

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  threadTs?: string;
  /** Set when the channel is a DM: the person who reads it. */
  dmUser?: string;
  /** Set when a person (not the app) wrote it. */
  user?: string;
  /** Earlier versions, oldest first. */
  history: Array<{ text: string; blocks: unknown[] | undefined }>;
  deleted?: boolean;
  /** Message metadata as posted (event_type, event_payload); returned by history only when asked for. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  pinned?: boolean;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  ts: string;
  at: number;
}

/** Slack's channel-name rules; returns the error Slack would give, or null. */
export function channelNameError(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (!/^[a-z0-9_-]+$/.test(name)) return 'invalid_name_specials';
  return null;
}

/** Channels and the messages in them, DMs included: chat.*, conversations.* and pins.add. */
export class Messages {
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly stored: StoredMessage[] = [];
  private readonly channels = new Map<string, string>();
  private tsCounter = 0;
  private readonly tsBase = 1_700_000_000;

  constructor(
    private readonly directory: Directory,
    private readonly shared: Shared,
  ) {}

  addChannel(id: string, name: string): void {
    this.channels.set(id, name);
  }

  /** A person writes in a channel (as they would in the Slack client); returns the message's ts. */
  postAsUser(channel: string, userId: string, text: string, threadTs?: string): string {
    if (!this.channels.has(channel)) throw new Error(`postAsUser: unknown channel ${channel}`);
    if (!this.directory.users.has(userId)) throw new Error(`postAsUser: unknown user ${userId}`);
    const ts = this.nextTs();
    this.stored.push({ channel, ts, text, blocks: undefined, user: userId, ...(threadTs ? { threadTs } : {}), history: [] });
    return ts;
  }

  messages(channel?: string): StoredMessage[] {
    return channel === undefined ? [...this.stored] : this.stored.filter((m) => m.channel === channel);
  }

  dmsTo(userId: string): StoredMessage[] {
    return this.stored.filter((m) => m.dmUser === userId);
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.stored.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  updateMessage(message: StoredMessage, text: string, blocks: unknown[] | undefined): void {
    message.history.push({ text: message.text, blocks: message.blocks });
    message.text = text.slice(0, 40_000);
    message.blocks = blocks;
  }

  /** Messages and ephemerals are forgotten; channels stay. */
  reset(): void {
    this.stored.length = 0;
    this.ephemerals.length = 0;
  }

  methods(): Record<string, Method> {
    return {
      'chat.postMessage': (args) => this.postMessage(args),
      'chat.update': (args) => this.update(args),
      'chat.postEphemeral': (args) => {
        const missing = required(args, ['channel', 'user']);
        if (missing) return missing;
        const invalid = this.checkContent(args, 50);
        if (invalid) return invalid;
        const unknown = this.directory.unknownUser(String(args.user));
        if (unknown) return unknown;
        const ts = this.nextTs();
        this.ephemerals.push({
          channel: String(args.channel),
          user: String(args.user),
          text: String(args.text ?? ''),
          blocks: args.blocks as unknown[] | undefined,
          ts,
          at: Date.now(),
        });
        return { ok: true, message_ts: ts };
      },
      'conversations.open': (args) => {
        const users = String(args.users ?? '')
          .split(',')
          .filter(Boolean);
        if (users.length !== 1) return { ok: false, error: users.length === 0 ? 'users_list_not_supplied' : 'not_implemented' };
        const unknown = this.directory.unknownUser(users[0]!);
        if (unknown) return unknown;
        return { ok: true, channel: { id: this.directory.dmChannelOf(users[0]!) } };
      },
      'conversations.create': (args) => {
        const error = channelNameError(args.name);
        if (error) return { ok: false, error };
        const name = String(args.name);
        if ([...this.channels.values()].includes(name)) return { ok: false, error: 'name_taken' };
        const id = `C${randomBytes(5).toString('hex').toUpperCase()}`;
        this.channels.set(id, name);
        return { ok: true, channel: { id, name, is_private: args.is_private === true || args.is_private === 'true' } };
      },
      'conversations.invite': (args) =>
        required(args, ['channel', 'users']) ?? this.knownChannel(String(args.channel)) ?? { ok: true, channel: { id: args.channel } },
      'conversations.history': (args) => this.history(args),
      'conversations.list': (args) => this.listChannels(args),
      'conversations.replies': (args) => {
        const missing = required(args, ['channel', 'ts']) ?? this.knownChannel(String(args.channel));
        if (missing) return missing;
        const parent = this.find(String(args.channel), String(args.ts));
        if (!parent) return { ok: false, error: 'thread_not_found' };
        const root = parent.threadTs ?? parent.ts;
        const thread = this.stored.filter((m) => m.channel === parent.channel && !m.deleted && (m.ts === root || m.threadTs === root));
        return { ok: true, messages: thread.map((m) => historyJson(m, withMetadata(args))), has_more: false };
      },
      'conversations.archive': (args) => required(args, ['channel']) ?? this.knownChannel(String(args.channel)) ?? { ok: true },
      'pins.add': (args) => {
        const missing = required(args, ['channel', 'timestamp']);
        if (missing) return missing;
        const message = this.find(String(args.channel), String(args.timestamp));
        if (!message) return { ok: false, error: 'message_not_found' };
        if (message.pinned) return { ok: false, error: 'already_pinned' };
        message.pinned = true;
        return { ok: true };
      },
    };
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
      const unknown = this.directory.unknownUser(target);
      if (unknown) return unknown;
      dmUser = target;
      channel = this.directory.dmChannelOf(target);
    } else if (target.startsWith('D')) {
      dmUser = this.directory.dmUserOf(target);
    } else {
      const unknown = this.knownChannel(target);
      if (unknown) return unknown;
    }
    if (args.thread_ts !== undefined && !this.find(channel, String(args.thread_ts))) return { ok: false, error: 'thread_not_found' };
    const metadata = args.metadata === undefined ? undefined : messageMetadata(args.metadata);
    if (metadata === null) return { ok: false, error: 'invalid_metadata_format' };
    const ts = this.nextTs();
    const text = String(args.text ?? '').slice(0, 40_000);
    const blocks = args.blocks as unknown[] | undefined;
    this.stored.push({
      channel,
      ts,
      text,
      blocks,
      ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
      ...(dmUser ? { dmUser } : {}),
      ...(metadata ? { metadata } : {}),
      history: [],
    });
    return { ok: true, channel, ts, message: { text, blocks, ts, bot_id: 'BBATON', type: 'message' } };
  }

  /** Top-level messages, newest first, between oldest and latest (exclusive unless `inclusive`). */
  private history(args: Args): Answer {
    const missing = required(args, ['channel']) ?? this.knownChannel(String(args.channel));
    if (missing) return missing;
    const limit = args.limit === undefined ? 100 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 999) return { ok: false, error: 'invalid_limit' };
    const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
    const latest = args.latest === undefined ? Infinity : Number(args.latest);
    const oldest = args.oldest === undefined ? 0 : Number(args.oldest);
    const within = (ts: number) => (inclusive ? ts <= latest && ts >= oldest : ts < latest && ts > oldest);
    const found = this.stored
      .filter((m) => m.channel === String(args.channel) && !m.deleted && !m.threadTs && within(Number(m.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    return { ok: true, messages: found.slice(0, limit).map((m) => historyJson(m, withMetadata(args))), has_more: found.length > limit };
  }

  /** Channels the app can see, a page at a time (cursor = the index to go on from), as conversations.list gives them. */
  private listChannels(args: Args): Answer {
    const limit = args.limit === undefined ? 100 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { ok: false, error: 'invalid_limit' };
    const types = String(args.types ?? 'public_channel').split(',');
    if (types.some((t) => !['public_channel', 'private_channel', 'mpim', 'im'].includes(t))) return { ok: false, error: 'invalid_types' };
    const start = args.cursor
      ? Number(
          Buffer.from(String(args.cursor), 'base64')
            .toString('utf8')
            .replace(/^next:/, ''),
        )
      : 0;
    if (!Number.isInteger(start) || start < 0) return { ok: false, error: 'invalid_cursor' };
    const all = types.includes('public_channel') ? [...this.channels.entries()] : [];
    const page = all
      .slice(start, start + limit)
      .map(([id, name]) => ({ id, name, is_channel: true, is_archived: false, is_private: false }));
    const next = start + limit < all.length ? Buffer.from(`next:${start + limit}`).toString('base64') : '';
    return { ok: true, channels: page, response_metadata: { next_cursor: next } };
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

  /** text or blocks, valid blocks, and a text fallback next to blocks (Slack warns without one). */
  private checkContent(args: Args, maxBlocks: number): Answer | null {
    const hasText = typeof args.text === 'string' && args.text.length > 0;
    if (!hasText && args.blocks === undefined && args.attachments === undefined) return { ok: false, error: 'no_text' };
    if (args.blocks !== undefined) {
      const problems = checkBlocks(args.blocks, { maxBlocks });
      if (problems.length > 0)
        return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
      if (!hasText) this.shared.violations.push(`blocks sent without a text fallback (channel ${String(args.channel)})`);
    }
    return null;
  }

  private knownChannel(id: string): Answer | null {
    if (this.channels.has(id) || id.startsWith('D')) return null;
    return { ok: false, error: 'channel_not_found' };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${this.tsBase + Math.floor(this.tsCounter / 1_000_000)}.${String(this.tsCounter % 1_000_000).padStart(6, '0')}`;
  }
}

function historyJson(m: StoredMessage, metadata = false): Record<string, unknown> {
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    ...(m.user ? { user: m.user } : { bot_id: 'BBATON' }),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(metadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

/** Slack's message metadata: an event_type (a short word) and an event_payload object; null when malformed. */
function messageMetadata(value: unknown): { event_type: string; event_payload: Record<string, unknown> } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { event_type: type, event_payload: payload } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !/^[a-zA-Z0-9_.-]{1,255}$/.test(type)) return null;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  return { event_type: type, event_payload: payload as Record<string, unknown> };
}

const withMetadata = (args: Args) =>
  args.include_all_metadata === true || args.include_all_metadata === 'true' || args.include_all_metadata === '1';
