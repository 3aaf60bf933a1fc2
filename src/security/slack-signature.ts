import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How far a request's X-Slack-Request-Timestamp may be from now, either way. Older requests could be
 * captured ones replayed; requests from the future could be captured later and replayed for as long as
 * they stay in the window.
 */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type SlackSignatureCheck = { ok: true } | { ok: false; code: 'invalid_signature' | 'stale_signature'; message: string };

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * Checks a request as Slack signs it: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing
 * secret, and a timestamp within ±5 minutes of `nowMs`. `nowMs` must be wall time, as Slack's servers
 * stamp requests with real time whatever clock the app runs on.
 */
export function checkSlackSignature(args: {
  signingSecret: string;
  timestamp: string | string[] | undefined;
  signature: string | string[] | undefined;
  body: Buffer;
  nowMs: number;
}): SlackSignatureCheck {
  const { timestamp, signature } = args;
  if (typeof timestamp !== 'string' || typeof signature !== 'string') {
    return { ok: false, code: 'invalid_signature', message: 'X-Slack-Request-Timestamp and X-Slack-Signature are required' };
  }
  if (!TIMESTAMP.test(timestamp))
    return { ok: false, code: 'invalid_signature', message: 'X-Slack-Request-Timestamp must be Unix seconds' };
  if (Math.abs(args.nowMs / 1000 - Number(timestamp)) > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    return {
      ok: false,
      code: 'stale_signature',
      message: "X-Slack-Request-Timestamp is more than 5 minutes from now; check the sender's clock",
    };
  }
  const expected = createHmac('sha256', args.signingSecret).update(`v0:${timestamp}:`).update(args.body).digest();
  const given = SIGNATURE.test(signature) ? Buffer.from(signature.slice(3), 'hex') : null;
  if (!given || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'invalid_signature', message: 'X-Slack-Signature does not match the timestamp and body' };
  }
  return { ok: true };
}
