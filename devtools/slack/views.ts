import { randomBytes } from 'node:crypto';
import { checkBlocks, isObject, modalProblems } from './block-kit-rules.js';
import type { Directory } from './directory.js';
import type { Messages } from './messages.js';
import { withGeneratedIds } from './requests.js';
import { required, type Answer, type Args, type Method, type Shared } from './web-api.js';

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

/** What the HTTP server sends back for a response_url post. */
export interface PlainAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * What the app answers a person's interaction with: modals (trigger ids, views.open, push and update, the
 * answer to a view_submission), the App Home (views.publish) and response_url posts. SlackStandIn documents
 * the public methods it passes on.
 */
export class Views {
  /** Modals as people see them: opened with a trigger, then replaced by views.update or a response_action. */
  readonly openedViews: OpenedView[] = [];
  /** The App Home last published for each person. */
  readonly homes = new Map<string, { id: string; view: Record<string, unknown>; publishes: number }>();
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  private readonly triggers = new Map<string, { userId: string; used: boolean; issuedAt: number; viewId?: string }>();
  private readonly responseTargets = new Map<string, { channel: string; ts: string } | null>();
  private viewSeq = 0;

  constructor(
    private readonly url: string,
    private readonly directory: Directory,
    private readonly messages: Messages,
    private readonly shared: Shared,
    private readonly opts: { triggerTtlMs?: number },
  ) {}

  registerTrigger(triggerId: string, userId: string, opts: { viewId?: string } = {}): void {
    this.triggers.set(triggerId, { userId, used: false, issuedAt: Date.now(), ...(opts.viewId ? { viewId: opts.viewId } : {}) });
  }

  currentView(userId: string): OpenedView | undefined {
    return this.openedViews.filter((v) => v.userId === userId && !v.closed).sort((a, b) => b.seq - a.seq)[0];
  }

  view(viewId: string): OpenedView | undefined {
    return this.openedViews.find((v) => v.id === viewId);
  }

  get viewChanges(): number {
    return this.viewSeq;
  }

  replaceView(viewId: string, view: Record<string, unknown>): OpenedView | null {
    const problems = modalProblems(view);
    if (problems.length > 0) {
      this.shared.violations.push(`response_action view: ${problems.join('; ')}`);
      return null;
    }
    const opened = this.view(viewId);
    if (!opened) return null;
    this.replace(opened, view);
    this.shared.events.emit('response');
    return opened;
  }

  pushView(overViewId: string, view: Record<string, unknown>): OpenedView | null {
    const under = this.view(overViewId);
    if (!under) return null;
    const problems = modalProblems(view);
    if (this.stackDepth(under.rootViewId) >= 3) problems.push('a stack holds at most 3 views (push_limit_reached)');
    if (problems.length > 0) {
      this.shared.violations.push(`response_action push: ${problems.join('; ')}`);
      return null;
    }
    const pushed = this.addView(under.userId, view, under);
    this.shared.events.emit('response');
    return pushed;
  }

  closeView(viewId: string, opts: { all?: boolean } = {}): void {
    const opened = this.view(viewId);
    if (!opened) return;
    for (const v of this.openedViews) {
      if (v.id === viewId || (opts.all && v.rootViewId === opened.rootViewId)) v.closed = true;
    }
    // Closing a pushed view shows the one under it again.
    const under = !opts.all && opened.previousViewId ? this.view(opened.previousViewId) : undefined;
    if (under && !under.closed) under.seq = this.viewSeq += 1;
    this.shared.events.emit('response');
  }

  answerSubmission(viewId: string, answer: Record<string, unknown>): SubmissionOutcome {
    const opened = this.view(viewId);
    const refuse = (why: string): SubmissionOutcome => {
      this.shared.violations.push(`view_submission answer: ${why}`);
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
        const inputIds = new Set(
          ((opened.view.blocks ?? []) as { type?: string; block_id?: string }[]).filter((b) => b?.type === 'input').map((b) => b.block_id),
        );
        const stray = Object.keys(errors).filter((k) => !inputIds.has(k));
        if (stray.length > 0)
          return refuse(
            `errors name ${stray.map((k) => `"${k}"`).join(', ')}, which ${stray.length === 1 ? 'is not an input block' : 'are not input blocks'} of the view`,
          );
        const bad = Object.entries(errors).find(([, m]) => typeof m !== 'string' || m.length === 0);
        if (bad) return refuse(`the error for "${bad[0]}" must be a non-empty string`);
        return { closed: false, errors: errors as Record<string, string>, view: null, refused: null };
      }
      case 'update':
      case 'push': {
        const view = answer.view;
        if (!isObject(view) || view.type !== 'modal') return refuse(`response_action ${action} needs a modal view`);
        const next = action === 'update' ? this.replaceView(viewId, view) : this.pushView(viewId, view);
        if (!next)
          return {
            closed: false,
            errors: null,
            view: null,
            refused: this.shared.violations[this.shared.violations.length - 1] ?? 'refused',
          };
        return { closed: false, errors: null, view: next, refused: null };
      }
      default:
        return refuse(`unknown response_action "${String(action)}"`);
    }
  }

  newResponseUrl(target?: { channel: string; ts: string }): string {
    const id = randomBytes(8).toString('hex');
    this.responseTargets.set(id, target ?? null);
    return `${this.url}/response/${id}`;
  }

  /** A POST to a response_url: checked as Slack checks it, and applied to the message it came from. */
  postToResponseUrl(id: string, raw: string): PlainAnswer {
    if (!this.responseTargets.has(id)) return { status: 404, body: 'no such response_url' };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      this.shared.violations.push('response_url: body is not JSON');
      return { status: 400, body: 'invalid_payload' };
    }
    const problems = body.blocks !== undefined ? checkBlocks(body.blocks, { maxBlocks: 50 }) : [];
    if (problems.length > 0) {
      this.shared.violations.push(`response_url: ${problems.join('; ')}`);
      return { status: 400, body: 'invalid_blocks' };
    }
    if (typeof body.text !== 'string' && body.blocks === undefined && !body.delete_original)
      this.shared.violations.push('response_url: no text');
    const target = this.responseTargets.get(id);
    if (target && (body.replace_original === true || body.delete_original === true)) {
      const message = this.messages.find(target.channel, target.ts);
      if (message && body.delete_original) message.deleted = true;
      else if (message) this.messages.updateMessage(message, String(body.text ?? ''), body.blocks as unknown[] | undefined);
    }
    this.responseUrlPosts.push({ id, body, at: Date.now() });
    this.shared.events.emit('response');
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  }

  /** Modals, triggers and response_url posts are forgotten; each person's Home and the response URLs stay. */
  reset(): void {
    this.responseUrlPosts.length = 0;
    this.openedViews.length = 0;
    this.triggers.clear();
  }

  methods(): Record<string, Method> {
    return {
      'views.publish': (args) => {
        const missing = required(args, ['user_id', 'view']);
        if (missing) return missing;
        const invalid = checkView(args.view, 'home');
        if (invalid) return invalid;
        const userId = String(args.user_id);
        const unknown = this.directory.unknownUser(userId);
        if (unknown) return unknown;
        // Each person's Home keeps its view id across publishes, as in Slack.
        const id = this.homes.get(userId)?.id ?? `V${randomBytes(4).toString('hex').toUpperCase()}`;
        this.homes.set(userId, { id, view: args.view as Record<string, unknown>, publishes: (this.homes.get(userId)?.publishes ?? 0) + 1 });
        return { ok: true, view: { id, ...(args.view as object) } };
      },
      'views.open': (args) => this.openView('views.open', args),
      'views.push': (args) => this.openView('views.push', args),
      'views.update': (args) => this.updateView(args),
    };
  }

  /** views.open, and views.push (which stacks on the modal the trigger came from, at most 3 deep). */
  private openView(method: string, args: Args): Answer {
    const missing = required(args, ['trigger_id', 'view']);
    if (missing) return missing;
    const trigger = this.triggers.get(String(args.trigger_id));
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'trigger_exchanged' };
    if (Date.now() - trigger.issuedAt > (this.opts.triggerTtlMs ?? 3000)) return { ok: false, error: 'expired_trigger_id' };
    const invalid = checkView(args.view, 'modal');
    if (invalid) return invalid;
    const view = args.view as Record<string, unknown>;
    if (
      typeof view.external_id === 'string' &&
      view.external_id !== '' &&
      this.openedViews.some((v) => v.externalId === view.external_id)
    ) {
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
    return { ok: true, view: viewJson(opened) };
  }

  private updateView(args: Args): Answer {
    const missing = required(args, ['view']);
    if (missing) return missing;
    if ((args.view_id === undefined || args.view_id === '') && (args.external_id === undefined || args.external_id === '')) {
      return {
        ok: false,
        error: 'invalid_arguments',
        response_metadata: { messages: ['[ERROR] either view_id or external_id is required'] },
      };
    }
    const opened = args.view_id ? this.view(String(args.view_id)) : this.openedViews.find((v) => v.externalId === String(args.external_id));
    if (!opened) return { ok: false, error: 'not_found' };
    if (args.hash !== undefined && args.hash !== '' && args.hash !== opened.hash) return { ok: false, error: 'hash_conflict' };
    const invalid = checkView(args.view, 'modal');
    if (invalid) return invalid;
    this.replace(opened, args.view as Record<string, unknown>);
    return { ok: true, view: viewJson(opened) };
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
}

/** A view as Slack's views.* methods answer it. */
function viewJson(opened: OpenedView): Record<string, unknown> {
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

/** Null when the view is fine; otherwise Slack's error answer. */
function checkView(view: unknown, type: 'home' | 'modal'): Answer | null {
  if (!isObject(view) || view.type !== type)
    return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [`[ERROR] view.type must be ${type}`] } };
  const problems = type === 'modal' ? modalProblems(view) : checkBlocks(view.blocks, { maxBlocks: 100 });
  if (problems.length > 0)
    return { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
  return null;
}

function newHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`;
}
