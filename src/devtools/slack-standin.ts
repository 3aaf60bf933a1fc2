import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { withGeneratedIds } from './slack-requests.js';

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
  /** Set when a person (not the app) wrote it. */
  user?: string;
  /** Earlier versions, oldest first. */
  history: Array<{ text: string; blocks: unknown[] | undefined }>;
  deleted?: boolean;
  /** Message metadata as posted (event_type, event_payload); returned by history only when asked for. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  pinned?: boolean;
}

/** A modal as Slack keeps it: opened with a trigger, then replaced by views.update or a response_action. */
export interface OpenedView {
  id: string;
  /** The person it was opened for (the trigger's user). */
  userId: string;
  /** The view as Slack shows it now: the app's JSON, with generated block_ids and action_ids filled in. */
  view: Record<string, unknown>;
  /** Changes on every update; views.update with a stale hash gets hash_conflict. */
  hash: string;
  openedAt: number;
  /** The stack it belongs to: its root view, and the view it was pushed over (null for a root). */
  rootViewId: string;
  previousViewId: string | null;
  externalId?: string;
  /** Set once the person can no longer see it (submitted and closed, or cleared). */
  closed?: boolean;
  /** Stand-in-wide counter, bumped whenever the view is opened, updated, pushed or shown again: which view changed last. */
  seq: number;
  /** Earlier versions, oldest first. */
  history: Record<string, unknown>[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  ts: string;
  at: number;
}

export interface Usergroup {
  id: string;
  handle: string;
  users: string[];
}

/** What Slack does with the app's answer to a view_submission. */
export interface SubmissionOutcome {
  /** The submitted view closed (an empty answer, or response_action clear). */
  closed: boolean;
  /** response_action errors: messages by block_id, shown under the fields. */
  errors: Record<string, string> | null;
  /** response_action update or push: the view now shown. */
  view: OpenedView | null;
  /** Why Slack would refuse the answer (also recorded in violations), or null. */
  refused: string | null;
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
  /** Slack did the work, but the app gets an error (a lost answer, as a crash or a time-out would leave it). */
  applied?: boolean;
}

type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };
type Args = Record<string, unknown>;

const MAX_BODY = 1024 * 1024;
const BLOCK_TYPES = new Set(['section', 'actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'file', 'video']);
const SELECTS = ['static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select'];
const MULTI_SELECTS = ['multi_static_select', 'multi_external_select', 'multi_users_select', 'multi_conversations_select', 'multi_channels_select'];
const TEXT_INPUTS = ['plain_text_input', 'email_text_input', 'url_text_input', 'number_input', 'rich_text_input'];
const PICKERS = ['datepicker', 'timepicker', 'datetimepicker', 'checkboxes', 'radio_buttons'];
/** Elements that send interactions and carry an action_id. */
const INTERACTIVE = new Set(['button', 'overflow', 'file_input', ...SELECTS, ...MULTI_SELECTS, ...TEXT_INPUTS, ...PICKERS]);
/** What an input block may hold (no buttons or overflow menus). */
const INPUT_ELEMENTS = new Set(['file_input', ...SELECTS, ...MULTI_SELECTS, ...TEXT_INPUTS, ...PICKERS]);
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

type TextObject = { type?: unknown; text?: unknown };
const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
/** A plain_text object of 1..max characters; returns the problem, or null. */
function plainTextProblem(t: unknown, max: number, what: string): string | null {
  const text = t as TextObject | undefined;
  if (!isObject(text) || text.type !== 'plain_text') return `${what} must be plain_text`;
  if (typeof text.text !== 'string' || text.text.length === 0) return `${what} is empty`;
  if (text.text.length > max) return `${what} longer than ${max}`;
  return null;
}

/** Checks blocks against Slack's published Block Kit limits; returns every problem found. */
export function checkBlocks(blocks: unknown, opts: { maxBlocks: number }): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const problems: string[] = [];
  const add = (p: string | null) => void (p && problems.push(p));
  if (blocks.length > opts.maxBlocks) problems.push(`${blocks.length} blocks; at most ${opts.maxBlocks} allowed`);
  const blockIds = new Set<string>();
  // Slack requires an action_id to be unique within its block, not across the message.
  let actionIds = new Set<string>();
  const textOf = (t: unknown) => (t && typeof t === 'object' ? String((t as { text?: unknown }).text ?? '') : '');

  /** Options of selects (plain_text only, at most 100), or of checkboxes and radio buttons (mrkdwn allowed, at most 10). */
  const checkOptions = (el: Record<string, unknown>, where: string): { value?: unknown }[] => {
    const type = String(el.type);
    const isSelect = type === 'static_select' || type === 'multi_static_select';
    const max = isSelect ? 100 : 10;
    const hasOptions = el.options !== undefined;
    const hasGroups = isSelect && el.option_groups !== undefined;
    if (!hasOptions && !hasGroups) {
      problems.push(`${where}: ${isSelect ? 'a select needs options or option_groups' : `${type} needs options`}`);
      return [];
    }
    if (hasOptions && hasGroups) problems.push(`${where}: give options or option_groups, not both`);
    const checkList = (list: unknown, at: string): { value?: unknown }[] => {
      if (!Array.isArray(list)) return void problems.push(`${at}: options must be an array`), [];
      if (list.length === 0) problems.push(`${at}: needs at least one option`);
      if (list.length > max) problems.push(`${at}: more than ${max} options`);
      return list.map((o: unknown, j) => {
        const w = `${at}.options[${j}]`;
        if (!isObject(o)) return void problems.push(`${w}: not an object`), {};
        const text = o.text as TextObject | undefined;
        if (!isObject(text) || (isSelect ? text.type !== 'plain_text' : text.type !== 'plain_text' && text.type !== 'mrkdwn')) {
          problems.push(`${w}: option text must be ${isSelect ? 'plain_text' : 'plain_text or mrkdwn'}`);
        } else if (String(text.text ?? '').length > 75) problems.push(`${w}: option text longer than 75`);
        if (typeof o.value !== 'string' || o.value.length > 150) problems.push(`${w}: option value missing or longer than 150`);
        if (o.description !== undefined) add(plainTextProblem(o.description, 75, `${w}: description`));
        return o;
      });
    };
    const all: { value?: unknown }[] = [];
    if (hasOptions) all.push(...checkList(el.options, where));
    if (hasGroups) {
      const groups = el.option_groups;
      if (!Array.isArray(groups) || groups.length === 0) problems.push(`${where}: option_groups must be a non-empty array`);
      else {
        if (groups.length > 100) problems.push(`${where}: more than 100 option_groups`);
        groups.forEach((g: unknown, j) => {
          const w = `${where}.option_groups[${j}]`;
          if (!isObject(g)) return void problems.push(`${w}: not an object`);
          add(plainTextProblem(g.label, 75, `${w}: label`));
          all.push(...checkList(g.options, w));
        });
      }
    }
    return all;
  };

  const checkElement = (el: Record<string, unknown>, where: string) => {
    if (!isObject(el)) return void problems.push(`${where}: not an object`);
    const type = String(el.type);
    const actionId = el.action_id;
    if (INTERACTIVE.has(type) && actionId !== undefined) {
      if (typeof actionId !== 'string' || actionId.length === 0) problems.push(`${where}: action_id must be a non-empty string`);
      else {
        if (actionId.length > 255) problems.push(`${where}: action_id longer than 255`);
        if (actionIds.has(actionId)) problems.push(`${where}: duplicate action_id "${actionId}"`);
        actionIds.add(actionId);
      }
    }
    if (el.placeholder !== undefined) add(plainTextProblem(el.placeholder, 150, `${where}: placeholder`));
    if (type === 'static_select' || type === 'multi_static_select' || type === 'checkboxes' || type === 'radio_buttons') {
      const options = checkOptions(el, where);
      const values = new Set(options.map((o) => o.value));
      const initial = el.initial_option;
      if (initial !== undefined && (type === 'multi_static_select' || type === 'checkboxes')) problems.push(`${where}: ${type} takes initial_options, not initial_option`);
      else if (initial !== undefined && (!isObject(initial) || !values.has(initial.value))) problems.push(`${where}: initial_option is not one of the options`);
      const initials = el.initial_options;
      if (initials !== undefined && (type === 'static_select' || type === 'radio_buttons')) problems.push(`${where}: ${type} takes initial_option, not initial_options`);
      else if (initials !== undefined && (!Array.isArray(initials) || initials.some((o: unknown) => !isObject(o) || !values.has(o.value)))) {
        problems.push(`${where}: initial_options must all be among the options`);
      }
    }
    if (MULTI_SELECTS.includes(type) && el.max_selected_items !== undefined && !(Number.isInteger(el.max_selected_items) && Number(el.max_selected_items) >= 1)) {
      problems.push(`${where}: max_selected_items must be a whole number of at least 1`);
    }
    for (const key of ['initial_user', 'initial_conversation', 'initial_channel'] as const) {
      if (el[key] !== undefined && (typeof el[key] !== 'string' || el[key] === '')) problems.push(`${where}: ${key} must be an ID string`);
    }
    for (const key of ['initial_users', 'initial_conversations', 'initial_channels'] as const) {
      if (el[key] !== undefined && (!Array.isArray(el[key]) || (el[key] as unknown[]).some((u) => typeof u !== 'string'))) problems.push(`${where}: ${key} must be a list of IDs`);
    }
    if (type === 'datepicker' && el.initial_date !== undefined && !DATE.test(String(el.initial_date))) problems.push(`${where}: initial_date must be YYYY-MM-DD`);
    if (type === 'timepicker' && el.initial_time !== undefined && !TIME.test(String(el.initial_time))) problems.push(`${where}: initial_time must be HH:mm`);
    if (type === 'datetimepicker' && el.initial_date_time !== undefined) {
      const t = el.initial_date_time;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) problems.push(`${where}: initial_date_time must be whole seconds since the epoch`);
      else if (t > 9_999_999_999) problems.push(`${where}: initial_date_time must be in seconds, not milliseconds`);
    }
    if (type === 'plain_text_input') {
      if (el.initial_value !== undefined && typeof el.initial_value !== 'string') problems.push(`${where}: initial_value must be a string`);
      const min = el.min_length;
      const max = el.max_length;
      if (min !== undefined && !(Number.isInteger(min) && Number(min) >= 0 && Number(min) <= 3000)) problems.push(`${where}: min_length must be 0..3000`);
      if (max !== undefined && !(Number.isInteger(max) && Number(max) >= 1 && Number(max) <= 3000)) problems.push(`${where}: max_length must be 1..3000`);
      if (typeof min === 'number' && typeof max === 'number' && min > max) problems.push(`${where}: min_length is more than max_length`);
    }
    if (type === 'button') {
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
        add(plainTextProblem(block.label, 2000, `${where}: input label`));
        const element = block.element as Record<string, unknown> | undefined;
        if (!isObject(element)) problems.push(`${where}: input needs an element`);
        else if (!INPUT_ELEMENTS.has(String(element.type))) problems.push(`${where}: "${String(element.type)}" cannot be used in an input block`);
        else {
          if (typeof element.action_id !== 'string') problems.push(`${where}: input element needs an action_id`);
          checkElement(element, `${where}.element`);
        }
        if (block.hint !== undefined) add(plainTextProblem(block.hint, 2000, `${where}: hint`));
        if (block.optional !== undefined && typeof block.optional !== 'boolean') problems.push(`${where}: optional must be a boolean`);
        if (block.dispatch_action !== undefined && typeof block.dispatch_action !== 'boolean') problems.push(`${where}: dispatch_action must be a boolean`);
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
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly triggers = new Map<string, { userId: string; used: boolean; issuedAt: number; viewId?: string }>();
  private readonly usergroups = new Map<string, Usergroup>();
  /** Groups set up with addUsergroup, and their members then; reset() goes back to these. */
  private readonly presetUsergroups = new Map<string, string[]>();
  private viewSeq = 0;
  private readonly stored: StoredMessage[] = [];
  /** The App Home last published for each person. */
  readonly homes = new Map<string, { id: string; view: Record<string, unknown>; publishes: number }>();
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
    private readonly opts: { token?: string; strictUsers?: boolean; triggerTtlMs?: number },
  ) {
    this.events.setMaxListeners(0);
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** `triggerTtlMs`: how long a trigger_id stays usable (Slack: 3 s). */
  static async start(opts: { port?: number; token?: string; users?: Record<string, { name: string; tz: string }>; strictUsers?: boolean; triggerTtlMs?: number } = {}): Promise<SlackStandIn> {
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
    standin = new SlackStandIn(server, `http://127.0.0.1:${port}`, { token: opts.token, strictUsers: opts.strictUsers, triggerTtlMs: opts.triggerTtlMs });
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

  /** A person writes in a channel (as they would in the Slack client); returns the message's ts. */
  postAsUser(channel: string, userId: string, text: string, threadTs?: string): string {
    if (!this.channels.has(channel)) throw new Error(`postAsUser: unknown channel ${channel}`);
    if (!this.users.has(userId)) throw new Error(`postAsUser: unknown user ${userId}`);
    const ts = this.nextTs();
    this.stored.push({ channel, ts, text, blocks: undefined, user: userId, ...(threadTs ? { threadTs } : {}), history: [] });
    return ts;
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

  /**
   * Slack hands out a trigger_id with each command, click or submission; views.open and views.push accept
   * each once, within 3 seconds. `viewId`: the modal the interaction came from (views.push stacks on it).
   */
  registerTrigger(triggerId: string, userId: string, opts: { viewId?: string } = {}): void {
    this.triggers.set(triggerId, { userId, used: false, issuedAt: Date.now(), ...(opts.viewId ? { viewId: opts.viewId } : {}) });
  }

  /** The latest view shown to a person and still open, as a client would display it. */
  currentView(userId: string): OpenedView | undefined {
    return this.openedViews.filter((v) => v.userId === userId && !v.closed).sort((a, b) => b.seq - a.seq)[0];
  }

  view(viewId: string): OpenedView | undefined {
    return this.openedViews.find((v) => v.id === viewId);
  }

  /** The last value of the counter in OpenedView.seq: views with a higher seq changed after this call. */
  get viewChanges(): number {
    return this.viewSeq;
  }

  /** A response_action update from the app replaces the view the person submitted, as Slack does; null if refused. */
  replaceView(viewId: string, view: Record<string, unknown>): OpenedView | null {
    const problems = this.modalProblems(view);
    if (problems.length > 0) {
      this.violations.push(`response_action view: ${problems.join('; ')}`);
      return null;
    }
    const opened = this.view(viewId);
    if (!opened) return null;
    this.replace(opened, view);
    this.events.emit('response');
    return opened;
  }

  /** A response_action push: a new view on top of the submitted one; null if refused. */
  pushView(overViewId: string, view: Record<string, unknown>): OpenedView | null {
    const under = this.view(overViewId);
    if (!under) return null;
    const problems = this.modalProblems(view);
    if (this.stackDepth(under.rootViewId) >= 3) problems.push('a stack holds at most 3 views (push_limit_reached)');
    if (problems.length > 0) {
      this.violations.push(`response_action push: ${problems.join('; ')}`);
      return null;
    }
    const pushed = this.addView(under.userId, view, under);
    this.events.emit('response');
    return pushed;
  }

  /** The person closes a view (or the app's empty answer to a submission closes it); `all` closes its whole stack. */
  closeView(viewId: string, opts: { all?: boolean } = {}): void {
    const opened = this.view(viewId);
    if (!opened) return;
    for (const v of this.openedViews) {
      if (v.id === viewId || (opts.all && v.rootViewId === opened.rootViewId)) v.closed = true;
    }
    // Closing a pushed view shows the one under it again.
    const under = !opts.all && opened.previousViewId ? this.view(opened.previousViewId) : undefined;
    if (under && !under.closed) under.seq = this.viewSeq += 1;
    this.events.emit('response');
  }

  /**
   * Applies the app's answer to a view_submission of `viewId` as Slack would: close the view, show errors on
   * fields (which must be input block_ids of the view), replace it (update) or stack a new one (push).
   * Answers Slack would refuse are recorded in violations and leave the view as it was.
   */
  answerSubmission(viewId: string, answer: Record<string, unknown>): SubmissionOutcome {
    const opened = this.view(viewId);
    const refuse = (why: string): SubmissionOutcome => {
      this.violations.push(`view_submission answer: ${why}`);
      return { closed: false, errors: null, view: null, refused: why };
    };
    if (!opened) return refuse(`no view ${viewId}`);
    const action = answer.response_action;
    if (action === undefined) {
      this.closeView(viewId);
      return { closed: true, errors: null, view: null, refused: null };
    }
    switch (action) {
      case 'clear':
        this.closeView(viewId, { all: true });
        return { closed: true, errors: null, view: null, refused: null };
      case 'errors': {
        const errors = answer.errors;
        if (!isObject(errors) || Object.keys(errors).length === 0) return refuse('response_action errors needs a non-empty errors object');
        const inputIds = new Set(((opened.view.blocks ?? []) as { type?: string; block_id?: string }[]).filter((b) => b?.type === 'input').map((b) => b.block_id));
        const stray = Object.keys(errors).filter((k) => !inputIds.has(k));
        if (stray.length > 0) return refuse(`errors name ${stray.map((k) => `"${k}"`).join(', ')}, which ${stray.length === 1 ? 'is not an input block' : 'are not input blocks'} of the view`);
        const bad = Object.entries(errors).find(([, m]) => typeof m !== 'string' || m.length === 0);
        if (bad) return refuse(`the error for "${bad[0]}" must be a non-empty string`);
        return { closed: false, errors: errors as Record<string, string>, view: null, refused: null };
      }
      case 'update':
      case 'push': {
        const view = answer.view;
        if (!isObject(view) || view.type !== 'modal') return refuse(`response_action ${action} needs a modal view`);
        const next = action === 'update' ? this.replaceView(viewId, view) : this.pushView(viewId, view);
        if (!next) return { closed: false, errors: null, view: null, refused: this.violations[this.violations.length - 1] ?? 'refused' };
        return { closed: false, errors: null, view: next, refused: null };
      }
      default:
        return refuse(`unknown response_action "${String(action)}"`);
    }
  }

  /**
   * A user group, as made in Slack's admin UI. Once any group is added this way, usergroups.users.update on an
   * unknown ID is refused with no_such_subteam. (The older form `addUsergroup(id, members)` still works.)
   */
  addUsergroup(id: string, handle?: string | string[], members: string[] = []): void {
    const users = Array.isArray(handle) ? handle : members;
    const group = { id, handle: typeof handle === 'string' ? handle : id.toLowerCase(), users: [...users] };
    this.usergroups.set(id, group);
    this.presetUsergroups.set(id, [...users]);
  }

  usergroupMembers(id: string): string[] {
    return [...(this.usergroups.get(id)?.users ?? [])];
  }

  usergroupList(): Usergroup[] {
    return [...this.usergroups.values()].map((g) => ({ ...g, users: [...g.users] }));
  }

  /** `applied`: the call takes effect in Slack, yet the app is answered with the error (its answer was lost). */
  failNext(method: string, opts: { status: 429 | 500 | 503; retryAfter?: number; times?: number; applied?: boolean }): void {
    this.failures.set(method, { status: opts.status, retryAfter: opts.retryAfter, times: opts.times ?? 1, ...(opts.applied ? { applied: true } : {}) });
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
    this.triggers.clear();
    for (const id of [...this.usergroups.keys()]) if (!this.presetUsergroups.has(id)) this.usergroups.delete(id);
    for (const [id, users] of this.presetUsergroups) this.usergroups.get(id)!.users = [...users];
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
      if (failure?.applied && !this.down) this.authError(req, args) ?? this.dispatch(method, args);
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
        const unknown = this.unknownUser(String(args.user));
        if (unknown) return unknown;
        const ts = this.nextTs();
        this.ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text ?? ''), blocks: args.blocks as unknown[] | undefined, ts, at: Date.now() });
        return { ok: true, message_ts: ts };
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
      case 'conversations.history':
        return this.history(args);
      case 'conversations.list':
        return this.listChannels(args);
      case 'conversations.replies': {
        const missing = required(args, ['channel', 'ts']) ?? this.knownChannel(String(args.channel));
        if (missing) return missing;
        const parent = this.find(String(args.channel), String(args.ts));
        if (!parent) return { ok: false, error: 'thread_not_found' };
        const root = parent.threadTs ?? parent.ts;
        const thread = this.stored.filter((m) => m.channel === parent.channel && !m.deleted && (m.ts === root || m.threadTs === root));
        return { ok: true, messages: thread.map((m) => this.historyJson(m, withMetadata(args))), has_more: false };
      }
      case 'conversations.archive':
        return required(args, ['channel']) ?? this.knownChannel(String(args.channel)) ?? { ok: true };
      case 'pins.add': {
        const missing = required(args, ['channel', 'timestamp']);
        if (missing) return missing;
        const message = this.find(String(args.channel), String(args.timestamp));
        if (!message) return { ok: false, error: 'message_not_found' };
        if (message.pinned) return { ok: false, error: 'already_pinned' };
        message.pinned = true;
        return { ok: true };
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
        const invalid = this.checkView(args.view, 'home');
        if (invalid) return invalid;
        const userId = String(args.user_id);
        const unknown = this.unknownUser(userId);
        if (unknown) return unknown;
        // Each person's Home keeps its view id across publishes, as in Slack.
        const id = this.homes.get(userId)?.id ?? `V${randomBytes(4).toString('hex').toUpperCase()}`;
        this.homes.set(userId, { id, view: args.view as Record<string, unknown>, publishes: (this.homes.get(userId)?.publishes ?? 0) + 1 });
        return { ok: true, view: { id, ...(args.view as object) } };
      }
      case 'views.open':
      case 'views.push':
        return this.openView(method, args);
      case 'views.update':
        return this.updateView(args);
      case 'usergroups.list':
        return { ok: true, usergroups: [...this.usergroups.values()].map((g) => this.usergroupJson(g, args.include_users === true || args.include_users === 'true' || args.include_users === '1')) };
      case 'usergroups.users.list': {
        const missing = required(args, ['usergroup']);
        if (missing) return missing;
        const group = this.usergroups.get(String(args.usergroup));
        if (!group && this.presetUsergroups.size > 0) return { ok: false, error: 'no_such_subteam' };
        return { ok: true, users: [...(group?.users ?? [])] };
      }
      case 'usergroups.users.update': {
        const missing = required(args, ['usergroup']) ?? (args.users === undefined ? required(args, ['users']) : null);
        if (missing) return missing;
        // Slack will not empty a group this way: users is required and must name someone.
        const members = String(args.users ?? '').split(',').map((u) => u.trim()).filter(Boolean);
        if (members.length === 0) return { ok: false, error: 'no_users_provided' };
        if (members.some((u) => !/^[UW][A-Z0-9]+$/.test(u) || (this.opts.strictUsers && !this.users.has(u)))) return { ok: false, error: 'invalid_users' };
        const id = String(args.usergroup);
        if (!this.usergroups.has(id) && this.presetUsergroups.size > 0) return { ok: false, error: 'no_such_subteam' };
        const group = this.usergroups.get(id) ?? { id, handle: id.toLowerCase(), users: [] };
        group.users = [...new Set(members)];
        this.usergroups.set(id, group);
        return { ok: true, usergroup: this.usergroupJson(group, true) };
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
    const metadata = args.metadata === undefined ? undefined : messageMetadata(args.metadata);
    if (metadata === null) return { ok: false, error: 'invalid_metadata_format' };
    const ts = this.nextTs();
    const text = String(args.text ?? '').slice(0, 40_000);
    const blocks = args.blocks as unknown[] | undefined;
    this.stored.push({ channel, ts, text, blocks, ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}), ...(dmUser ? { dmUser } : {}), ...(metadata ? { metadata } : {}), history: [] });
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
    return { ok: true, messages: found.slice(0, limit).map((m) => this.historyJson(m, withMetadata(args))), has_more: found.length > limit };
  }

  private historyJson(m: StoredMessage, metadata = false): Record<string, unknown> {
    return {
      type: 'message',
      ts: m.ts,
      text: m.text,
      ...(m.user ? { user: m.user } : { bot_id: 'BBATON' }),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(metadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  /** Channels the app can see, a page at a time (cursor = the index to go on from), as conversations.list gives them. */
  private listChannels(args: Args): Answer {
    const limit = args.limit === undefined ? 100 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { ok: false, error: 'invalid_limit' };
    const types = String(args.types ?? 'public_channel').split(',');
    if (types.some((t) => !['public_channel', 'private_channel', 'mpim', 'im'].includes(t))) return { ok: false, error: 'invalid_types' };
    const start = args.cursor ? Number(Buffer.from(String(args.cursor), 'base64').toString('utf8').replace(/^next:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) return { ok: false, error: 'invalid_cursor' };
    const all = types.includes('public_channel') ? [...this.channels.entries()] : [];
    const page = all.slice(start, start + limit).map(([id, name]) => ({ id, name, is_channel: true, is_archived: false, is_private: false }));
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

  /** views.open, and views.push (which stacks on the modal the trigger came from, at most 3 deep). */
  private openView(method: string, args: Args): Answer {
    const missing = required(args, ['trigger_id', 'view']);
    if (missing) return missing;
    const trigger = this.triggers.get(String(args.trigger_id));
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'trigger_exchanged' };
    if (Date.now() - trigger.issuedAt > (this.opts.triggerTtlMs ?? 3000)) return { ok: false, error: 'expired_trigger_id' };
    const invalid = this.checkView(args.view, 'modal');
    if (invalid) return invalid;
    const view = args.view as Record<string, unknown>;
    if (typeof view.external_id === 'string' && view.external_id !== '' && this.openedViews.some((v) => v.externalId === view.external_id)) {
      return { ok: false, error: 'duplicate_external_id' };
    }
    let under: OpenedView | undefined;
    if (method === 'views.push') {
      under = trigger.viewId ? this.view(trigger.viewId) : this.currentView(trigger.userId);
      if (under?.closed) under = this.currentView(trigger.userId);
      if (under && this.stackDepth(under.rootViewId) >= 3) return { ok: false, error: 'push_limit_reached' };
    }
    trigger.used = true;
    const opened = this.addView(trigger.userId, view, under);
    return { ok: true, view: this.viewJson(opened) };
  }

  private updateView(args: Args): Answer {
    const missing = required(args, ['view']);
    if (missing) return missing;
    if ((args.view_id === undefined || args.view_id === '') && (args.external_id === undefined || args.external_id === '')) {
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] either view_id or external_id is required'] } };
    }
    const opened = args.view_id ? this.view(String(args.view_id)) : this.openedViews.find((v) => v.externalId === String(args.external_id));
    if (!opened) return { ok: false, error: 'not_found' };
    if (args.hash !== undefined && args.hash !== '' && args.hash !== opened.hash) return { ok: false, error: 'hash_conflict' };
    const invalid = this.checkView(args.view, 'modal');
    if (invalid) return invalid;
    this.replace(opened, args.view as Record<string, unknown>);
    return { ok: true, view: this.viewJson(opened) };
  }

  private addView(userId: string, view: Record<string, unknown>, under?: OpenedView): OpenedView {
    const id = `V${randomBytes(5).toString('hex').toUpperCase()}`;
    this.viewSeq += 1;
    const opened: OpenedView = {
      id,
      userId,
      view: withGeneratedIds(view),
      hash: newHash(),
      openedAt: Date.now(),
      rootViewId: under?.rootViewId ?? id,
      previousViewId: under?.id ?? null,
      ...(typeof view.external_id === 'string' && view.external_id !== '' ? { externalId: view.external_id } : {}),
      seq: this.viewSeq,
      history: [],
    };
    this.openedViews.push(opened);
    return opened;
  }

  private replace(opened: OpenedView, view: Record<string, unknown>): void {
    this.viewSeq += 1;
    opened.history.push(opened.view);
    opened.view = withGeneratedIds(view);
    opened.hash = newHash();
    opened.seq = this.viewSeq;
    if (typeof view.external_id === 'string' && view.external_id !== '') opened.externalId = view.external_id;
  }

  private stackDepth(rootViewId: string): number {
    return this.openedViews.filter((v) => v.rootViewId === rootViewId && !v.closed).length;
  }

  /** A view as Slack's views.* methods answer it. */
  private viewJson(opened: OpenedView): Record<string, unknown> {
    return {
      ...opened.view,
      id: opened.id,
      team_id: 'T0BATON',
      hash: opened.hash,
      state: { values: {} },
      private_metadata: opened.view.private_metadata ?? '',
      callback_id: opened.view.callback_id ?? '',
      external_id: opened.externalId ?? '',
      previous_view_id: opened.previousViewId,
      root_view_id: opened.rootViewId,
      app_id: 'A0BATON',
      bot_id: 'BBATON',
    };
  }

  private usergroupJson(group: Usergroup, withUsers: boolean): Record<string, unknown> {
    return {
      id: group.id,
      team_id: 'T0BATON',
      is_usergroup: true,
      name: group.handle,
      handle: group.handle,
      user_count: group.users.length,
      ...(withUsers ? { users: [...group.users] } : {}),
    };
  }

  /** Null when the view is fine; otherwise Slack's error answer. */
  private checkView(view: unknown, type: 'home' | 'modal'): Answer | null {
    if (!isObject(view) || view.type !== type) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [`[ERROR] view.type must be ${type}`] } };
    const problems = type === 'modal' ? this.modalProblems(view) : checkBlocks(view.blocks, { maxBlocks: 100 });
    if (problems.length > 0) return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
    return null;
  }

  /**
   * Block Kit limits plus the modal's own: title (required), submit and close plain_text of at most 24
   * characters, submit when it has inputs, callback_id at most 255, private_metadata at most 3000.
   */
  private modalProblems(view: Record<string, unknown>): string[] {
    const problems = checkBlocks(view.blocks, { maxBlocks: 100 });
    if (view.type !== 'modal') problems.push('view.type must be modal');
    const title = plainTextProblem(view.title, 24, 'modal title');
    if (title) problems.push(view.title === undefined ? 'a modal needs a title' : title);
    for (const key of ['submit', 'close'] as const) {
      if (view[key] !== undefined) {
        const p = plainTextProblem(view[key], 24, `modal ${key}`);
        if (p) problems.push(p);
      }
    }
    if (Array.isArray(view.blocks) && view.blocks.some((b: unknown) => isObject(b) && b.type === 'input') && view.submit === undefined) {
      problems.push('a modal with input blocks needs a submit button');
    }
    for (const [key, max] of [['callback_id', 255], ['private_metadata', 3000], ['external_id', 255]] as const) {
      const value = view[key];
      if (value !== undefined && typeof value !== 'string') problems.push(`${key} must be a string`);
      else if (typeof value === 'string' && value.length > max) problems.push(`${key} longer than ${max}`);
    }
    for (const key of ['clear_on_close', 'notify_on_close'] as const) {
      if (view[key] !== undefined && typeof view[key] !== 'boolean') problems.push(`${key} must be a boolean`);
    }
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

function newHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`;
}

function required(args: Args, names: string[]): Answer | null {
  const missing = names.find((n) => args[n] === undefined || args[n] === '');
  return missing ? { ok: false, error: missing === 'channel' ? 'channel_not_found' : 'invalid_arguments', response_metadata: { messages: [`[ERROR] missing required field: ${missing}`] } } : null;
}

/** WebClient sends forms whose nested values (blocks, view) are JSON strings; some callers send JSON. */
/** Slack's message metadata: an event_type (a short word) and an event_payload object; null when malformed. */
function messageMetadata(value: unknown): { event_type: string; event_payload: Record<string, unknown> } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { event_type: type, event_payload: payload } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !/^[a-zA-Z0-9_.-]{1,255}$/.test(type)) return null;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  return { event_type: type, event_payload: payload as Record<string, unknown> };
}

const withMetadata = (args: Args) => args.include_all_metadata === true || args.include_all_metadata === 'true' || args.include_all_metadata === '1';

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
