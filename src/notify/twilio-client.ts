import twilio from 'twilio';
import type { SlackFailure } from './slack-client.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  /** Send REST calls here instead of Twilio (a local stand-in for the demo and tests). */
  apiUrl?: string;
}

/** What paging needs from a phone provider. */
export interface PhoneSender {
  readonly fromNumber: string;
  call(to: string, opts: { twimlUrl: string; statusCallback: string; timeoutSeconds: number }): Promise<{ sid: string }>;
  sms(to: string, body: string): Promise<{ sid: string }>;
}

const TWILIO_API = 'https://api.twilio.com';

/**
 * Twilio through its official library. The library has no base-URL option, so a stand-in is reached by
 * giving it an HTTP client that forwards each request; retries are off, the outbox owns retrying.
 */
export function createTwilioSender(settings: TwilioSettings): PhoneSender {
  const httpClient = settings.apiUrl ? forwardingClient(settings.apiUrl) : undefined;
  const client = twilio(settings.accountSid, settings.authToken, {
    autoRetry: false,
    ...(httpClient ? { httpClient: httpClient as never } : {}),
  });
  return {
    fromNumber: settings.fromNumber,
    async call(to, opts) {
      const call = await client.calls.create({
        to,
        from: settings.fromNumber,
        url: opts.twimlUrl,
        method: 'POST',
        statusCallback: opts.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['completed'],
        timeout: opts.timeoutSeconds,
      });
      return { sid: call.sid };
    },
    async sms(to, body) {
      const message = await client.messages.create({ to, from: settings.fromNumber, body });
      return { sid: message.sid };
    },
  };
}

function forwardingClient(apiUrl: string) {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    async request(opts: {
      method: string;
      uri: string;
      username?: string;
      password?: string;
      headers?: Record<string, string>;
      params?: Record<string, unknown>;
      data?: Record<string, unknown>;
    }) {
      const url = new URL(opts.uri.replace(TWILIO_API, base));
      for (const [k, v] of Object.entries(opts.params ?? {})) url.searchParams.set(k, String(v));
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.data ?? {})) {
        for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined) form.append(k, String(item));
      }
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (opts.username && opts.password)
        headers.authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
      const res = await fetch(url, {
        method: opts.method.toUpperCase(),
        headers,
        body: opts.method.toUpperCase() === 'GET' ? undefined : form,
        signal: AbortSignal.timeout(10_000),
      });
      return { statusCode: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
    },
  };
}

/** Twilio errors: 429 and 5xx are worth retrying; other 4xx (a bad number, a blocked destination) are not. */
export function classifyTwilioError(err: unknown): SlackFailure {
  const e = err as { status?: number; code?: number; message?: string };
  if (typeof e.status === 'number') {
    const retryable = e.status === 429 || e.status >= 500;
    return {
      retryable,
      ...(e.status === 429 ? { retryAfterMs: 10_000 } : {}),
      message: `Twilio answered ${e.status}${e.code ? ` (code ${e.code})` : ''}: ${e.message ?? ''}`.trim(),
    };
  }
  return { retryable: true, message: `cannot reach Twilio: ${e.message ?? String(err)}` };
}

/** X-Twilio-Signature over the public URL Twilio called and the POSTed form fields. */
export function validTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}
