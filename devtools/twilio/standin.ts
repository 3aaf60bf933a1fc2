import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/**
 * A local stand-in for Twilio's REST API (calls and messages) that also plays the phone network: it
 * fetches a call's TwiML, presses keys and sends status callbacks and inbound SMS, each signed with
 * X-Twilio-Signature exactly as Twilio signs them. The demo and the tests page phones through it.
 */

export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  url: string;
  statusCallback: string | null;
  at: number;
}

export interface SentSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  at: number;
}

export interface TwimlResult {
  status: number;
  xml: string;
  says: string[];
  gatherAction: string | null;
  redirect: string | null;
  hangup: boolean;
  message: string | null;
  recordAction: string | null;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export class TwilioStandIn {
  readonly calls: PlacedCall[] = [];
  readonly messages: SentSms[] = [];
  readonly requests: { path: string; status: number }[] = [];
  private down = false;
  private failures: { status: 429 | 500 | 503; times: number } | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  static async start(opts: { accountSid?: string; authToken?: string } = {}): Promise<TwilioStandIn> {
    let standin: TwilioStandIn | null = null;
    const server = createServer((req, res) => {
      standin!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 20500, message: String(err), status: 500 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    standin = new TwilioStandIn(
      server,
      `http://127.0.0.1:${port}`,
      opts.accountSid ?? `AC${randomBytes(16).toString('hex')}`,
      opts.authToken ?? randomBytes(16).toString('hex'),
    );
    return standin;
  }

  setDown(down: boolean): void {
    this.down = down;
  }

  failNext(status: 429 | 500 | 503, times = 1): void {
    this.failures = { status, times };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const path = new URL(req.url ?? '/', this.url).pathname;
    const answer = (status: number, body: unknown) => {
      this.requests.push({ path, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const auth = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (auth !== `${this.accountSid}:${this.authToken}`) return answer(401, { code: 20003, message: 'Authenticate', status: 401 });
    if (this.down) return answer(503, { code: 20503, message: 'Service unavailable', status: 503 });
    if (this.failures) {
      const { status } = this.failures;
      this.failures.times -= 1;
      if (this.failures.times <= 0) this.failures = null;
      return answer(status, { code: status === 429 ? 20429 : 20500, message: 'Too many requests', status });
    }
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/(Calls|Messages)\.json$/.exec(path);
    if (!match || req.method !== 'POST') return answer(404, { code: 20404, message: 'not found', status: 404 });
    if (match[1] !== this.accountSid) return answer(403, { code: 20003, message: 'account mismatch', status: 403 });
    if (!params.To || !E164.test(params.To))
      return answer(400, { code: 21211, message: `The 'To' number ${params.To ?? ''} is not a valid phone number.`, status: 400 });
    if (!params.From) return answer(400, { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    const now = Date.now();
    if (match[2] === 'Calls') {
      if (!params.Url && !params.Twiml) return answer(400, { code: 21205, message: 'Url parameter is required.', status: 400 });
      const call: PlacedCall = {
        sid: `CA${randomBytes(16).toString('hex')}`,
        to: params.To,
        from: params.From,
        url: params.Url ?? '',
        statusCallback: params.StatusCallback ?? null,
        at: now,
      };
      this.calls.push(call);
      return answer(201, {
        sid: call.sid,
        account_sid: this.accountSid,
        to: call.to,
        from: call.from,
        status: 'queued',
        direction: 'outbound-api',
      });
    }
    if (!params.Body) return answer(400, { code: 21602, message: 'Message body is required.', status: 400 });
    if (params.Body.length > 1600)
      return answer(400, { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.', status: 400 });
    const sms: SentSms = { sid: `SM${randomBytes(16).toString('hex')}`, to: params.To, from: params.From, body: params.Body, at: now };
    this.messages.push(sms);
    return answer(201, { sid: sms.sid, account_sid: this.accountSid, to: sms.to, from: sms.from, body: sms.body, status: 'queued' });
  }

  /** POSTs a form to the app as Twilio does: signed over the full URL and the sorted fields. */
  async signedPost(url: string, params: Record<string, string>, opts: { signature?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'TwilioProxy/1.1' };
    const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(this.authToken, url, params) : opts.signature;
    if (signature !== null) headers['x-twilio-signature'] = signature;
    return fetch(url, { method: 'POST', headers, body: new URLSearchParams(params) });
  }

  /** What a TwiML document tells the phone to do. */
  static parseTwiml(status: number, xml: string): TwimlResult {
    const decode = (s: string) =>
      s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
    return {
      status,
      xml,
      says: [...xml.matchAll(/<Say[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => decode(m[1]!)),
      gatherAction: /<Gather[^>]*\saction="([^"]*)"/.exec(xml)?.[1] ? decode(/<Gather[^>]*\saction="([^"]*)"/.exec(xml)![1]!) : null,
      redirect: /<Redirect[^>]*>([\s\S]*?)<\/Redirect>/.exec(xml)?.[1]
        ? decode(/<Redirect[^>]*>([\s\S]*?)<\/Redirect>/.exec(xml)![1]!)
        : null,
      hangup: /<Hangup\s*\/>/.test(xml),
      message: /<Message[^>]*>([\s\S]*?)<\/Message>/.exec(xml)?.[1] ? decode(/<Message[^>]*>([\s\S]*?)<\/Message>/.exec(xml)![1]!) : null,
      recordAction: /<Record[^>]*\saction="([^"]*)"/.exec(xml)?.[1] ? decode(/<Record[^>]*\saction="([^"]*)"/.exec(xml)![1]!) : null,
    };
  }

  private callParams(call: PlacedCall, status: string): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      CallSid: call.sid,
      From: call.from,
      To: call.to,
      CallStatus: status,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
    };
  }

  /** The callee picks up: Twilio fetches the call's TwiML. */
  async answer(call: PlacedCall): Promise<TwimlResult> {
    const res = await this.signedPost(call.url, this.callParams(call, 'in-progress'));
    return TwilioStandIn.parseTwiml(res.status, await res.text());
  }

  /** A key pressed in a <Gather>; a <Redirect> in the answer is followed, as Twilio does. */
  async press(call: PlacedCall, gatherAction: string, digits: string): Promise<TwimlResult> {
    const res = await this.signedPost(gatherAction, { ...this.callParams(call, 'in-progress'), Digits: digits });
    const result = TwilioStandIn.parseTwiml(res.status, await res.text());
    if (result.redirect && result.says.length === 0) {
      const next = await this.signedPost(result.redirect, this.callParams(call, 'in-progress'));
      return TwilioStandIn.parseTwiml(next.status, await next.text());
    }
    return result;
  }

  /** The call ends with a status (completed, no-answer, busy, failed): Twilio posts the status callback. */
  async end(call: PlacedCall, status: string): Promise<number> {
    if (!call.statusCallback) return 0;
    return (
      await this.signedPost(call.statusCallback, { ...this.callParams(call, status), CallDuration: status === 'completed' ? '12' : '0' })
    ).status;
  }

  /**
   * Someone calls Baton's number and, if the app asks for a recording, leaves one: resolves with the
   * greeting and the app's answer to the finished recording.
   */
  async inboundCall(
    appVoiceUrl: string,
    from: string,
    to: string,
    opts: { durationSeconds?: number } = {},
  ): Promise<{ greeting: TwimlResult; afterRecording: TwimlResult | null; recordingUrl: string }> {
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const base = { AccountSid: this.accountSid, CallSid: callSid, From: from, To: to, CallStatus: 'ringing', Direction: 'inbound' };
    const res = await this.signedPost(appVoiceUrl, base);
    const greeting = TwilioStandIn.parseTwiml(res.status, await res.text());
    const recordingSid = `RE${randomBytes(16).toString('hex')}`;
    const recordingUrl = `${this.url}/2010-04-01/Accounts/${this.accountSid}/Recordings/${recordingSid}`;
    if (!greeting.recordAction) return { greeting, afterRecording: null, recordingUrl };
    const done = await this.signedPost(greeting.recordAction, {
      ...base,
      CallStatus: 'in-progress',
      RecordingSid: recordingSid,
      RecordingUrl: recordingUrl,
      RecordingDuration: String(opts.durationSeconds ?? 21),
      Digits: 'hangup',
    });
    return { greeting, afterRecording: TwilioStandIn.parseTwiml(done.status, await done.text()), recordingUrl };
  }

  /** Someone texts Baton's number: Twilio posts the inbound message to the app's webhook. */
  async inboundSms(appSmsUrl: string, from: string, to: string, body: string): Promise<TwimlResult> {
    const res = await this.signedPost(appSmsUrl, {
      AccountSid: this.accountSid,
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      From: from,
      To: to,
      Body: body,
      NumMedia: '0',
    });
    return TwilioStandIn.parseTwiml(res.status, await res.text());
  }
}
