import { createHmac, randomBytes } from 'node:crypto';

/**
 * Requests exactly as Slack sends them to an app: form-encoded bodies signed with the signing secret
 * (v0=HMAC-SHA256 over "v0:<timestamp>:<body>"). Used by the demo and the tests to play a person.
 */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedRequestOptions {
  signingSecret: string;
  /** Seconds since the epoch; defaults to the real current time, as Slack's servers would stamp it. */
  timestamp?: number;
  /** Send a wrong signature, to check the app refuses it. */
  tamper?: boolean;
  unsigned?: boolean;
  contentType?: string;
}

export async function postToSlackEndpoint(url: string, body: string, opts: SignedRequestOptions): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (!opts.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = opts.tamper
      ? slackSignature('wrong-secret', timestamp, body)
      : slackSignature(opts.signingSecret, timestamp, body);
  }
  return fetch(url, { method: 'POST', headers, body });
}

const TEAM = { id: 'T0BATON', domain: 'baton-demo' };

export function slashCommandBody(args: {
  userId: string;
  text: string;
  responseUrl: string;
  command?: string;
  channelId?: string;
  triggerId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: args.channelId ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: args.userId,
    user_name: args.userId.toLowerCase(),
    command: args.command ?? '/oncall',
    text: args.text,
    api_app_id: 'A0BATON',
    is_enterprise_install: 'false',
    response_url: args.responseUrl,
    trigger_id: args.triggerId ?? newTriggerId(),
  }).toString();
}

interface ButtonPress {
  userId: string;
  actionId: string;
  value: string;
  buttonText: string;
  blockId?: string;
  triggerId?: string;
}

/** The parts of a block_actions payload that do not depend on where the button was. */
function buttonPayload(args: ButtonPress, where: Record<string, unknown>): string {
  const payload = {
    type: 'block_actions',
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    trigger_id: args.triggerId ?? newTriggerId(),
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    ...where,
    actions: [
      {
        type: 'button',
        action_id: args.actionId,
        block_id: args.blockId ?? 'block',
        text: { type: 'plain_text', text: args.buttonText, emoji: true },
        value: args.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A button clicked on a message: the message is the container, and the app may answer at response_url. */
export function blockActionBody(
  args: ButtonPress & { responseUrl: string; channelId: string; messageTs: string; message?: Record<string, unknown> },
): string {
  return buttonPayload(args, {
    container: { type: 'message', message_ts: args.messageTs, channel_id: args.channelId, is_ephemeral: false },
    channel: { id: args.channelId, name: args.channelId.startsWith('D') ? 'directmessage' : 'channel' },
    message: { type: 'message', ts: args.messageTs, ...(args.message ?? {}) },
    response_url: args.responseUrl,
  });
}

/** A button clicked on a view (the App Home, a modal): no message, no response_url, the view as the container. */
export function viewBlockActionBody(args: ButtonPress & { viewId: string; view: Record<string, unknown> }): string {
  return buttonPayload(args, {
    container: { type: 'view', view_id: args.viewId },
    view: { id: args.viewId, team_id: TEAM.id, app_id: 'A0BATON', bot_id: 'BBATON', ...args.view },
  });
}

/**
 * A pick in a select of a modal input with `dispatch_action`: Slack sends it at once as block_actions, with the
 * chosen option and the view's state as it stands (what was entered so far, the pick included).
 */
export function viewSelectActionBody(args: {
  userId: string;
  actionId: string;
  blockId: string;
  selected: OptionObject;
  viewId: string;
  view: Obj;
  values: Record<string, ModalInputValue>;
  triggerId?: string;
}): string {
  const view = withGeneratedIds(args.view);
  const payload = {
    type: 'block_actions',
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    trigger_id: args.triggerId ?? newTriggerId(),
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    container: { type: 'view', view_id: args.viewId },
    view: {
      id: args.viewId,
      team_id: TEAM.id,
      app_id: 'A0BATON',
      bot_id: 'BBATON',
      ...view,
      type: 'modal',
      state: { values: viewStateValues(view, args.values) },
    },
    actions: [
      {
        type: 'static_select',
        action_id: args.actionId,
        block_id: args.blockId,
        selected_option: { text: { type: 'plain_text', text: args.selected.text.text, emoji: true }, value: args.selected.value },
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** What Slack sends to the options load URL while a person types into an external_select in a modal. */
export function blockSuggestionBody(args: {
  userId: string;
  actionId: string;
  blockId: string;
  value: string;
  viewId: string;
  view: Record<string, unknown>;
}): string {
  const payload = {
    type: 'block_suggestion',
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    container: { type: 'view', view_id: args.viewId },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    action_id: args.actionId,
    block_id: args.blockId,
    value: args.value,
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: { id: args.viewId, team_id: TEAM.id, type: 'modal', app_id: 'A0BATON', bot_id: 'BBATON', ...args.view },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).toString('hex')}`;
}

/** What a person enters in one input: shaped per element type, as Slack puts it in view.state.values. */
export type InputState = Record<string, unknown> & { type: string };

/**
 * A field's value in plain form: text, an option's value, a user/conversation/channel ID, a date (YYYY-MM-DD),
 * a time (HH:mm), epoch milliseconds for a date-time, a list for multi-selects and checkboxes; null when empty.
 */
export type ModalInputValue = string | string[] | number | null;

/** One input block of a modal, as a person sees it. */
export interface ModalInput {
  blockId: string;
  actionId: string;
  type: string;
  label: string;
  optional: boolean;
  /** The value shown before anyone touches the field (plain form), or undefined. */
  initial: ModalInputValue | undefined;
  element: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
type OptionObject = { text: { type: string; text: string; emoji?: boolean }; value: string; description?: unknown };

const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const ACTIONABLE = new Set([
  'button',
  'overflow',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
]);

/** Slack gives every block without a block_id, and every interactive element without an action_id, a generated one. */
export function withGeneratedIds<T extends Obj>(view: T): T {
  if (!Array.isArray(view.blocks)) return view;
  const taken = new Set(view.blocks.map((b) => (isObj(b) ? b.block_id : undefined)).filter((id): id is string => typeof id === 'string'));
  const fresh = () => {
    let id: string;
    do id = randomBytes(4).toString('base64url').slice(0, 5);
    while (taken.has(id));
    taken.add(id);
    return id;
  };
  const withAction = (el: unknown) =>
    isObj(el) && ACTIONABLE.has(String(el.type)) && el.action_id === undefined
      ? { ...el, action_id: randomBytes(3).toString('base64url') }
      : el;
  const blocks = view.blocks.map((raw) => {
    if (!isObj(raw)) return raw;
    const b: Obj = { ...raw };
    if (b.block_id === undefined) b.block_id = fresh();
    if (b.element !== undefined) b.element = withAction(b.element);
    if (b.accessory !== undefined) b.accessory = withAction(b.accessory);
    if (b.type === 'actions' && Array.isArray(b.elements)) b.elements = b.elements.map(withAction);
    return b;
  });
  return { ...view, blocks };
}

/** The options of a select, radio or checkbox element, option groups flattened. */
export function elementOptions(element: Obj): OptionObject[] {
  const own = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.flatMap((g) => (isObj(g) && Array.isArray(g.options) ? g.options : []))
    : [];
  return [...own, ...grouped].filter((o): o is OptionObject => isObj(o) && typeof o.value === 'string' && isObj(o.text));
}

/** A field's initial value in plain form (datetimepicker in epoch ms), as the person first sees it. */
export function initialValue(element: Obj): ModalInputValue | undefined {
  const e = element;
  if (typeof e.initial_value === 'string') return e.initial_value;
  if (isObj(e.initial_option) && typeof e.initial_option.value === 'string') return e.initial_option.value;
  if (Array.isArray(e.initial_options)) return e.initial_options.filter(isObj).map((o) => String(o.value));
  for (const key of ['initial_user', 'initial_conversation', 'initial_channel', 'initial_date', 'initial_time'] as const) {
    if (typeof e[key] === 'string') return e[key] as string;
  }
  for (const key of ['initial_users', 'initial_conversations', 'initial_channels'] as const) {
    if (Array.isArray(e[key])) return (e[key] as unknown[]).map(String);
  }
  if (typeof e.initial_date_time === 'number') return e.initial_date_time * 1000;
  return undefined;
}

/** The input blocks of a view, in order. */
export function modalInputs(view: Obj): ModalInput[] {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  return blocks
    .filter((b): b is Obj => isObj(b) && b.type === 'input' && isObj(b.element))
    .map((b) => {
      const element = b.element as Obj;
      return {
        blockId: String(b.block_id ?? ''),
        actionId: String(element.action_id ?? ''),
        type: String(element.type),
        label: isObj(b.label) ? String(b.label.text ?? '') : '',
        optional: b.optional === true,
        initial: initialValue(element),
        element,
      };
    });
}

function selectedOption(element: Obj, value: string, blockId: string): OptionObject {
  const type = String(element.type);
  if (type === 'external_select' || type === 'multi_external_select')
    return { text: { type: 'plain_text', text: value, emoji: true }, value };
  const option = elementOptions(element).find((o) => o.value === value);
  if (!option)
    throw new Error(
      `"${value}" is not an option of ${blockId}: ${elementOptions(element)
        .map((o) => o.value)
        .join(', ')}`,
    );
  const text = option.text.type === 'plain_text' ? { type: 'plain_text', text: option.text.text, emoji: true } : { ...option.text };
  return { text, value: option.value, ...(option.description !== undefined ? { description: option.description } : {}) };
}

/**
 * One field's entry in `view.state.values[block_id][action_id]`, exactly as Slack shapes it per element type.
 * Empty fields are present with null (or an empty list for multi-selects and checkboxes), as Slack sends them.
 */
export function inputState(element: Obj, value: ModalInputValue | undefined, blockId = ''): InputState {
  const type = String(element.type);
  const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
  const one = () => (Array.isArray(value) ? String(value[0]) : String(value));
  const list = () => (Array.isArray(value) ? value.map(String) : [String(value)]);
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: empty ? null : selectedOption(element, one(), blockId) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: empty ? [] : list().map((v) => selectedOption(element, v, blockId)) };
    case 'users_select':
      return { type, selected_user: empty ? null : one() };
    case 'multi_users_select':
      return { type, selected_users: empty ? [] : list() };
    case 'conversations_select':
      return { type, selected_conversation: empty ? null : one() };
    case 'multi_conversations_select':
      return { type, selected_conversations: empty ? [] : list() };
    case 'channels_select':
      return { type, selected_channel: empty ? null : one() };
    case 'multi_channels_select':
      return { type, selected_channels: empty ? [] : list() };
    case 'datepicker':
      return { type, selected_date: empty ? null : one() };
    case 'timepicker':
      return { type, selected_time: empty ? null : one() };
    case 'datetimepicker':
      return { type, selected_date_time: empty ? null : Math.floor(Number(value) / 1000) };
    case 'rich_text_input':
      return {
        type,
        rich_text_value: empty
          ? null
          : { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: one() }] }] },
      };
    case 'file_input':
      return { type, files: [] };
    default:
      // plain_text_input, email_text_input, url_text_input, number_input: the text as typed.
      return { type, value: empty ? null : one() };
  }
}

/**
 * `view.state.values` for a submission: every input block, with what the person entered (`entered`, plain
 * form, by block_id) or else the field's initial value, as Slack includes it. Throws on a block_id the view
 * does not have, or a select value that is not one of its options: no person could send those.
 */
export function viewStateValues(
  view: Obj,
  entered: Record<string, ModalInputValue | undefined> = {},
): Record<string, Record<string, InputState>> {
  const inputs = modalInputs(view);
  for (const blockId of Object.keys(entered)) {
    if (!inputs.some((i) => i.blockId === blockId))
      throw new Error(`the view has no input block "${blockId}"; it has ${inputs.map((i) => i.blockId).join(', ')}`);
  }
  const values: Record<string, Record<string, InputState>> = {};
  for (const input of inputs) {
    const value = Object.hasOwn(entered, input.blockId) ? entered[input.blockId] : input.initial;
    values[input.blockId] = { [input.actionId]: inputState(input.element, value, input.blockId) };
  }
  return values;
}

const isShaped = (x: unknown): x is Record<string, InputState> =>
  isObj(x) && Object.values(x).every((s) => isObj(s) && typeof s.type === 'string');

export interface ViewSubmissionArgs {
  userId: string;
  /** The view as shown: what views.open answered (with id and hash), or the view the app sent. */
  view: Obj;
  /**
   * By block_id: a plain value (see ModalInputValue), or an entry already shaped as in state.values
   * (`{ [action_id]: { type, ... } }`). Input blocks left out carry their initial value, as in Slack.
   */
  values?: Record<string, ModalInputValue | Record<string, InputState>>;
  triggerId?: string;
  /** Default: view.id. */
  viewId?: string;
  /** Default: view.hash. */
  hash?: string;
  previousViewId?: string | null;
  /** Default: the view's own id. */
  rootViewId?: string;
}

/** A modal submission exactly as Slack sends it: the view with its state, form-encoded in `payload`. */
export function viewSubmissionBody(args: ViewSubmissionArgs): string {
  const view = withGeneratedIds(args.view);
  const viewId = args.viewId ?? (typeof view.id === 'string' ? view.id : `V${randomBytes(5).toString('hex').toUpperCase()}`);
  const hash =
    args.hash ?? (typeof view.hash === 'string' ? view.hash : `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`);
  const shaped: Record<string, Record<string, InputState>> = {};
  const plain: Record<string, ModalInputValue> = {};
  for (const [blockId, value] of Object.entries(args.values ?? {})) {
    if (isShaped(value)) shaped[blockId] = value;
    else plain[blockId] = value as ModalInputValue;
  }
  const fromPlain = viewStateValues(view, plain);
  const values = { ...fromPlain, ...shaped };
  const payload = {
    type: 'view_submission',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    trigger_id: args.triggerId ?? newTriggerId(),
    view: {
      id: viewId,
      team_id: TEAM.id,
      type: 'modal',
      blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values },
      hash,
      title: view.title,
      clear_on_close: view.clear_on_close === true,
      notify_on_close: view.notify_on_close === true,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: args.previousViewId ?? null,
      root_view_id: args.rootViewId ?? viewId,
      app_id: 'A0BATON',
      external_id: typeof view.external_id === 'string' ? view.external_id : '',
      app_installed_team_id: TEAM.id,
      bot_id: 'BBATON',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API callback as Slack posts it (JSON). */
export function eventCallbackBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: TEAM.id,
    api_app_id: 'A0BATON',
    event: { ...event, event_ts: String(Date.now() / 1000) },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: 'UBATONBOT', is_bot: true }],
  });
}
