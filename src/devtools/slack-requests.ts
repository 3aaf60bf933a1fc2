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
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' };
  if (!opts.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = opts.tamper ? slackSignature('wrong-secret', timestamp, body) : slackSignature(opts.signingSecret, timestamp, body);
  }
  return fetch(url, { method: 'POST', headers, body });
}

const TEAM = { id: 'T0BATON', domain: 'baton-demo' };

export function slashCommandBody(args: { userId: string; text: string; responseUrl: string; command?: string; channelId?: string; triggerId?: string }): string {
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

export function blockActionBody(args: {
  userId: string;
  actionId: string;
  value: string;
  buttonText: string;
  blockId?: string;
  responseUrl: string;
  channelId: string;
  messageTs: string;
  message?: Record<string, unknown>;
  triggerId?: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: args.messageTs, channel_id: args.channelId, is_ephemeral: false },
    trigger_id: args.triggerId ?? newTriggerId(),
    team: { id: TEAM.id, domain: TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: args.channelId, name: args.channelId.startsWith('D') ? 'directmessage' : 'channel' },
    message: { type: 'message', ts: args.messageTs, ...(args.message ?? {}) },
    response_url: args.responseUrl,
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

export function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).toString('hex')}`;
}

/** What a person enters in one input: shaped per element type, as Slack puts it in view.state.values. */
export type InputState = Record<string, unknown> & { type: string };

/** A modal submission exactly as Slack sends it: the view with its state, form-encoded in `payload`. */
export function viewSubmissionBody(args: {
  userId: string;
  viewId: string;
  view: Record<string, unknown>;
  values: Record<string, Record<string, InputState>>;
  hash: string;
}): string {
  const payload = {
    type: 'view_submission',
    team: { id: TEAM.id, domain: TEAM.domain },
    user: { id: args.userId, username: args.userId.toLowerCase(), name: args.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0BATON',
    token: 'deprecated-verification-token',
    trigger_id: newTriggerId(),
    view: {
      id: args.viewId,
      team_id: TEAM.id,
      type: 'modal',
      blocks: args.view.blocks ?? [],
      private_metadata: args.view.private_metadata ?? '',
      callback_id: args.view.callback_id ?? '',
      state: { values: args.values },
      hash: args.hash,
      title: args.view.title,
      clear_on_close: false,
      notify_on_close: false,
      close: args.view.close ?? null,
      submit: args.view.submit ?? null,
      previous_view_id: null,
      root_view_id: args.viewId,
      app_id: 'A0BATON',
      external_id: '',
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
