import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { validTwilioSignature } from '../../notify/twilio-client.js';
import { messagingResponse, voiceMenu, voiceRedirect, voiceSay, voicemailPrompt } from '../../notify/twiml.js';
import type { EmergencyLine } from '../../services/admin/settings.js';
import type { IngestService } from '../../services/incidents/ingest.js';
import type { Logger } from 'pino';
import type { PhonePagingService } from '../../services/phone/phone.js';
import { HttpError, readBody } from '../io.js';

export interface TwilioRouteDeps {
  phone: PhonePagingService;
  ingest: IngestService;
  emergencyLine: () => Promise<EmergencyLine | null>;
  now: () => number;
  authToken: string | null;
  /** The public base URL Twilio calls; signatures are computed over it, never over the Host header. */
  baseUrl: () => string;
}

/** Reads a Twilio webhook: the form body, its signature checked against the public URL; 403 when it is wrong. */
async function verified(req: IncomingMessage, deps: TwilioRouteDeps): Promise<Record<string, string>> {
  if (!deps.authToken) throw new HttpError(404, 'not_found', 'phone paging is not configured');
  const raw = await readBody(req, 64 * 1024);
  const params = Object.fromEntries(new URLSearchParams(raw));
  const url = `${deps.baseUrl()}${req.url ?? ''}`;
  const signature = req.headers['x-twilio-signature'];
  if (!validTwilioSignature(deps.authToken, typeof signature === 'string' ? signature : undefined, url, params)) {
    throw new HttpError(403, 'invalid_signature', 'X-Twilio-Signature does not match this URL and body');
  }
  return params;
}

function sendXml(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const outboxQuery = z.object({ o: z.coerce.number().int().positive(), again: z.coerce.number().int().min(0).max(5).optional() });

function query(req: IncomingMessage) {
  const parsed = outboxQuery.safeParse(Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
  if (!parsed.success) throw new HttpError(400, 'invalid_query', 'expected ?o=<page id>');
  return parsed.data;
}

async function targetOf(deps: TwilioRouteDeps, req: IncomingMessage) {
  const q = query(req);
  const target = await deps.phone.callTarget(q.o);
  if (!target) throw new HttpError(404, 'not_found', `no page call ${q.o}`);
  return { q, target };
}

/** POST /twilio/voice?o=<id>: the TwiML of a page call, its menu offered up to three times. */
export function voiceRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    await verified(req, deps);
    const { q, target } = await targetOf(deps, req);
    const base = deps.baseUrl();
    const again = (q.again ?? 0) + 1;
    sendXml(
      res,
      voiceMenu(target.incidents, `${base}/twilio/voice/key?o=${q.o}`, again <= 2 ? `${base}/twilio/voice?o=${q.o}&again=${again}` : null),
    );
  };
}

/** POST /twilio/voice/key?o=<id>: the key pressed (Digits). */
export function voiceKeyRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const params = await verified(req, deps);
    const { q, target } = await targetOf(deps, req);
    const said = await deps.phone.pressKey(target, params.Digits ?? '');
    sendXml(res, said ? voiceSay(said) : voiceRedirect(`${deps.baseUrl()}/twilio/voice?o=${q.o}&again=1`));
  };
}

/** POST /twilio/voice/status?o=<id>: the call's final status. */
export function voiceStatusRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const params = await verified(req, deps);
    const { target } = await targetOf(deps, req);
    if (!params.CallStatus) throw new HttpError(400, 'invalid_payload', 'expected CallStatus');
    await deps.phone.callEnded(target, params.CallStatus);
    res.writeHead(204).end();
  };
}

/** POST /twilio/sms: an SMS to Baton's number. */
export function smsRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const params = await verified(req, deps);
    if (!params.From || params.Body === undefined) throw new HttpError(400, 'invalid_payload', 'expected From and Body');
    sendXml(res, messagingResponse(await deps.phone.inboundSms(params.From, params.Body)));
  };
}

/** POST /twilio/voice/inbound: someone calls Baton's number. With an emergency line configured, a voicemail. */
export function inboundCallRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    await verified(req, deps);
    const line = await deps.emergencyLine();
    if (!line) return sendXml(res, voiceSay('This number only makes calls. Goodbye.'));
    sendXml(res, voicemailPrompt(line.greeting, `${deps.baseUrl()}/twilio/voice/recorded`));
  };
}

const recording = z.object({
  CallSid: z.string().min(1),
  From: z.string().min(1),
  RecordingUrl: z.string().url(),
  RecordingDuration: z.coerce.number().int().min(0).default(0),
});

/** POST /twilio/voice/recorded: the voicemail is stored and opens a high-urgency incident before the caller hears "thank you". */
export function recordedRoute(deps: TwilioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, _params: Record<string, string>, logger: Logger) => {
    const params = await verified(req, deps);
    const line = await deps.emergencyLine();
    if (!line) throw new HttpError(404, 'not_found', 'no emergency line is configured');
    const parsed = recording.safeParse(params);
    if (!parsed.success)
      throw new HttpError(400, 'invalid_payload', `expected CallSid, From and RecordingUrl: ${parsed.error.issues[0]!.message}`);
    try {
      await deps.ingest.ingestVoicemail(line.service, JSON.stringify(params), {
        callSid: parsed.data.CallSid,
        from: parsed.data.From,
        recordingUrl: parsed.data.RecordingUrl,
        durationSeconds: parsed.data.RecordingDuration,
        at: new Date(deps.now()).toISOString(),
      });
    } catch (err) {
      logger.error({ err }, 'could not store an emergency-line voicemail');
      throw new HttpError(503, 'storage_failed', 'the voicemail could not be stored');
    }
    sendXml(res, voiceSay('Thank you. The on-call engineer is being paged now. Goodbye.'));
  };
}
