import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseForm, type ParsedUrlQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { z } from 'zod';
import { checkSlackSignature } from '../../security/slack-signature.js';
import { HttpError, issuePath, jsonNestingExceeds, readBodyBytes, sendJson, tooDeeplyNested } from '../io.js';

/** Bolt reads a body as a form only for exactly this content type and as JSON for any other; so does this gate. */
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** A slash command: form fields. Slack always sends the command and who typed it. */
const slashCommandSchema = z.looseObject({ command: z.string().min(1), user_id: z.string().min(1) });

/** An interaction (button, modal, shortcut...): a form with one `payload` field holding a JSON object. */
const interactivePayloadSchema = z.looseObject({ type: z.string().min(1) });

/** The Events API: JSON bodies. */
const eventsApiSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({ type: z.literal('event_callback'), event: z.looseObject({ type: z.string().min(1) }) }),
  z.looseObject({ type: z.literal('app_rate_limited') }),
]);

export interface SlackEventsRouteDeps {
  signingSecret: string;
  /** Bolt's HTTPReceiver request listener. */
  listener: RequestListener;
  /** Wall time for the signature window; Slack stamps requests with real time, not the app's clock. */
  wallClockMs?: () => number;
}

/**
 * POST /slack/events. Bolt reads the whole body before checking the signature and throws outside any
 * handler on bodies such as `null` (which ended the process), so this gate comes first: it reads at most
 * MAX_BODY_BYTES, checks the signature and a ±5-minute timestamp, and lets through only bodies of a shape
 * Slack sends. Only then does Bolt see the request, with the body already read.
 */
export function slackEventsRoute(deps: SlackEventsRouteDeps) {
  const wallClockMs = deps.wallClockMs ?? Date.now;
  return async (req: IncomingMessage, res: ServerResponse, _params: Record<string, string>, logger: Logger) => {
    const body = await readBodyBytes(req);
    const form = req.headers['content-type'] === FORM_CONTENT_TYPE ? parseForm(body.toString('utf8')) : null;
    // Slack's SSL check comes unsigned; it is answered here and nothing in it is used.
    if (form?.ssl_check === '1') return void res.writeHead(200).end();
    const signature = checkSlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      body,
      nowMs: wallClockMs(),
    });
    if (!signature.ok) {
      logger.warn({ reason: signature.code }, `Slack request refused: ${signature.message}`);
      throw new HttpError(401, signature.code, signature.message);
    }
    checkSlackShape(form, body);
    handToBolt(deps.listener, req, res, body, logger);
  };
}

/** 400 unless the body is a slash command, an interaction payload or an Events API body. */
function checkSlackShape(form: ParsedUrlQuery | null, body: Buffer): void {
  if (!form)
    parseShaped(body.toString('utf8'), eventsApiSchema, 'an Events API body (a JSON object of type url_verification or event_callback)');
  else if (typeof form.payload === 'string')
    parseShaped(form.payload, interactivePayloadSchema, 'an interaction (payload= holding a JSON object with a type)');
  else refuseUnlessShaped(slashCommandSchema.safeParse({ ...form }), 'a slash command (form fields command and user_id)');
}

function parseShaped(text: string, schema: z.ZodType, what: string): void {
  if (jsonNestingExceeds(text)) throw tooDeeplyNested();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_slack_payload', `the body is not ${what}: it is not valid JSON`);
  }
  refuseUnlessShaped(schema.safeParse(value), what);
}

function refuseUnlessShaped(result: z.ZodSafeParseResult<unknown>, what: string): void {
  if (result.success) return;
  throw new HttpError(400, 'invalid_slack_payload', `the body is not ${what}`, {
    issues: result.error.issues.slice(0, 20).map((i) => ({ path: issuePath(i.path), message: i.message })),
  });
}

/**
 * Bolt takes the body from `req.rawBody` when it is already a Buffer (HTTPModuleFunctions.bufferIncomingMessage),
 * so it does not read the stream again. A throw from Bolt becomes a 500 here rather than reaching the process.
 */
function handToBolt(listener: RequestListener, req: IncomingMessage, res: ServerResponse, body: Buffer, logger: Logger): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
  try {
    listener(req, res);
  } catch (err) {
    logger.error({ err }, 'the Slack request listener threw');
    if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'unexpected error; see the server log' });
  }
}
