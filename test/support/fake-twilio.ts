import { TwilioStandIn, type PlacedCall, type SentSms, type TwimlResult } from '../../devtools/twilio/standin.js';

export const BATON_NUMBER = '+15550001111';

/**
 * The fake Twilio of the tests: the stand-in plus a fluent API that plays a person's phone, in the style
 * of `await (await twilio.expectCall(phone)).answer()` then `.press('1')`.
 */
export class FakeTwilio {
  private appUrl = '';
  private readonly seenCalls = new Set<string>();
  private readonly seenSms = new Set<string>();

  private constructor(readonly standin: TwilioStandIn) {}

  static async start(): Promise<FakeTwilio> {
    return new FakeTwilio(await TwilioStandIn.start());
  }

  get settings() {
    return { accountSid: this.standin.accountSid, authToken: this.standin.authToken, fromNumber: BATON_NUMBER, apiUrl: this.standin.url };
  }

  connect(appUrl: string): void {
    this.appUrl = appUrl;
  }

  callsTo(phone: string): PlacedCall[] {
    return this.standin.calls.filter((c) => c.to === phone);
  }

  smsTo(phone: string): SentSms[] {
    return this.standin.messages.filter((m) => m.to === phone);
  }

  /** Waits for the next call to `phone` not yet handed out by this method. */
  async expectCall(phone: string, timeoutMs = 3000): Promise<CallHandle> {
    const call = await poll(
      () => this.callsTo(phone).find((c) => !this.seenCalls.has(c.sid)),
      timeoutMs,
      () => `expected a call to ${phone}; calls: ${JSON.stringify(this.standin.calls.map((c) => c.to))}`,
    );
    this.seenCalls.add(call.sid);
    return new CallHandle(this.standin, call);
  }

  async expectSms(phone: string, match?: string | RegExp, timeoutMs = 3000): Promise<SentSms> {
    const test = (body: string) => match === undefined || (typeof match === 'string' ? body.includes(match) : match.test(body));
    const sms = await poll(
      () => this.smsTo(phone).find((m) => !this.seenSms.has(m.sid) && test(m.body)),
      timeoutMs,
      () =>
        `expected an SMS to ${phone}${match ? ` matching ${match}` : ''}; SMS: ${JSON.stringify(this.standin.messages.map((m) => [m.to, m.body]))}`,
    );
    this.seenSms.add(sms.sid);
    return sms;
  }

  /** The person texts Baton's number; resolves with Baton's reply (null when it sends none). */
  async reply(fromPhone: string, body: string): Promise<{ status: number; reply: string | null }> {
    const result = await this.standin.inboundSms(`${this.appUrl}/twilio/sms`, fromPhone, BATON_NUMBER, body);
    return { status: result.status, reply: result.message };
  }

  stop(): Promise<void> {
    return this.standin.stop();
  }
}

export class CallHandle {
  private menu: TwimlResult | null = null;

  constructor(
    private readonly standin: TwilioStandIn,
    readonly call: PlacedCall,
  ) {}

  /** Picks up; the call's script as Twilio would read it. */
  async answer(): Promise<TwimlResult> {
    this.menu = await this.standin.answer(this.call);
    return this.menu;
  }

  async press(digits: string): Promise<TwimlResult> {
    const menu = this.menu ?? (await this.answer());
    if (!menu.gatherAction) throw new Error(`the call offers no keys: ${menu.xml}`);
    const result = await this.standin.press(this.call, menu.gatherAction, digits);
    if (result.gatherAction) this.menu = result;
    return result;
  }

  /** Ends the call with a status such as no-answer, busy, failed or completed. */
  end(status: string): Promise<number> {
    return this.standin.end(this.call, status);
  }
}

async function poll<T>(pick: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = pick();
    if (value) return value;
    if (Date.now() > until) throw new Error(describe());
    await new Promise((r) => setTimeout(r, 20));
  }
}
