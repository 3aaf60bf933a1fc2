import { LogLevel, WebClient, type WebAPICallResult } from '@slack/web-api';

/**
 * Every method helper (chat.update, pins.add, ...) is bound to apiCall when the client is made, so the
 * override lives in a subclass: an error is marked with the method it came from, so a 429 can stop every
 * caller of that method (see SlackPacing.block), not just the message that got it.
 */
class MethodMarkingWebClient extends WebClient {
  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    try {
      return await super.apiCall(method, options);
    } catch (err) {
      if (err && typeof err === 'object')
        Object.assign(err, { slackMethod: method, slackChannel: typeof options?.channel === 'string' ? options.channel : undefined });
      throw err;
    }
  }
}

/**
 * The Web API client the outbox sends with. Retries are off: the outbox owns retrying, with its state in
 * the database, so a crash or a long outage loses nothing and a 429's Retry-After is honoured there.
 */
export function createSlackClient(token: string, slackApiUrl: string | undefined): WebClient {
  return new MethodMarkingWebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
}

/** A 429 from Slack: which method, and for how long Slack asked every caller of it to wait. */
export function rateLimitOf(err: unknown): { method: string; channel?: string; retryAfterMs: number } | null {
  const e = err as { code?: string; retryAfter?: number; slackMethod?: string; slackChannel?: string };
  if (e?.code !== 'slack_webapi_rate_limited_error' || !e.slackMethod) return null;
  return { method: e.slackMethod, ...(e.slackChannel ? { channel: e.slackChannel } : {}), retryAfterMs: (e.retryAfter ?? 1) * 1000 };
}

export interface SlackFailure {
  retryable: boolean;
  retryAfterMs?: number;
  message: string;
}

const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** Sorts a WebClient error into "try again later" or "will never work" (a bad channel, invalid blocks). */
export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { retryable: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, message: `rate limited (retry after ${e.retryAfter ?? 1}s)` };
    case 'slack_webapi_http_error':
      return { retryable: true, message: `HTTP ${e.statusCode ?? '?'} from Slack` };
    case 'slack_webapi_request_error':
      return { retryable: true, message: `cannot reach Slack: ${e.message ?? 'request failed'}` };
    case 'slack_webapi_platform_error': {
      const error = e.data?.error ?? 'unknown_error';
      return { retryable: TRANSIENT_PLATFORM_ERRORS.has(error), message: `Slack said ${error}` };
    }
    default:
      return { retryable: true, message: e.message ?? String(err) };
  }
}
