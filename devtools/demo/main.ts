import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBaton } from '../../src/app.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn, type SlackCall } from '../slack/server.js';
import { blockActionBody, postToSlackEndpoint } from '../slack/requests.js';
import { TwilioStandIn } from '../twilio/standin.js';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/baton.yml', import.meta.url));
const PEOPLE: Record<string, { name: string; tz: string }> = {
  U0ADA00001: { name: 'Ada Lovelace', tz: 'Europe/Berlin' },
  U0BOB00002: { name: 'Bob Kahn', tz: 'America/Chicago' },
  U0CLEO0003: { name: 'Cleo Mwangi', tz: 'Asia/Kolkata' },
};
const CHANNELS: Record<string, string> = { C0PAYMENTS1: '#payments' };
/**
 * Where virtual time starts: a Tuesday afternoon of Ada's week on the example rotation. Ada has the example's
 * phone number, so the page rings a phone; starting from the real date would page Bob (no phone) every other week.
 */
const DEMO_START = '2026-12-01T13:00:00Z';

type Block = { type: string; elements?: { type: string; text?: { text?: string } }[] };

function buttons(blocks: unknown): string {
  const labels = ((blocks as Block[] | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => `[${e.text?.text ?? '?'}]`);
  return labels.length > 0 ? `\n      ${labels.join(' ')}` : '';
}

function who(channel: string, standin: SlackStandIn): string {
  const dmUser = Object.keys(PEOPLE).find((id) => standin.dmChannelOf(id) === channel);
  if (dmUser) return `DM to ${PEOPLE[dmUser]!.name}`;
  return CHANNELS[channel] ?? channel;
}

/** Shows <@U…> mentions the way Slack would: as the person's name. */
function names(text: string | undefined): string {
  return String(text ?? '').replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${PEOPLE[id]?.name ?? id}`);
}

function describe(call: SlackCall, standin: SlackStandIn, clock: ManualClock): string | null {
  const response = call.response as { ok?: boolean; channel?: string } | undefined;
  if (!response?.ok) return null;
  const at = clock.now().toISOString().slice(11, 16);
  const args = call.args as { channel?: string; text?: string; blocks?: unknown; thread_ts?: string };
  if (call.method === 'chat.postMessage') {
    const where = who(response.channel ?? String(args.channel), standin);
    return `  ${at} UTC  ${where}${args.thread_ts ? ' (thread)' : ''}: ${names(args.text)}${buttons(args.blocks)}`;
  }
  if (call.method === 'chat.update') {
    return `  ${at} UTC  ${who(String(args.channel), standin)} message updated: ${names(args.text)}${buttons(args.blocks)}`;
  }
  return null;
}

/**
 * `npm start` without Slack credentials: Baton against local Slack and Twilio stand-ins, on virtual time,
 * playing alert → DM to the primary → SMS and call → no answer → the secondary is paged → Acknowledge →
 * resolved.
 */
export async function runDemo(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-demo-'));
  const standin = await SlackStandIn.start({ users: PEOPLE });
  for (const [id, name] of Object.entries(CHANNELS)) standin.addChannel(id, name.slice(1));
  const twilio = await TwilioStandIn.start();
  const clock = new ManualClock(DEMO_START);
  const signingSecret = randomBytes(16).toString('hex');
  const baton = await startBaton({
    port: 0,
    host: '127.0.0.1',
    databasePath: join(dir, 'demo.sqlite'),
    configPath: EXAMPLE_CONFIG,
    clock,
    cron: false,
    logger: createLogger('warn'),
    slack: { botToken: 'xoxb-demo', signingSecret, apiUrl: standin.apiUrl },
    twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, fromNumber: '+15550001111', apiUrl: twilio.url },
  });
  // Phone calls and SMS, printed as they reach the Twilio stand-in.
  let phoneSeen = 0;
  const phoneLines = () => {
    const at = clock.now().toISOString().slice(11, 16);
    const byPhone = (phone: string) => (phone === '+4915112345678' ? 'Ada Lovelace' : phone);
    const events = [
      ...twilio.messages.map((m) => ({ t: m.at, line: `  ${at} UTC  SMS to ${byPhone(m.to)}: ${m.body.replace(/\n/g, ' ')}` })),
      ...twilio.calls.map((c) => ({ t: c.at, line: `  ${at} UTC  Call to ${byPhone(c.to)}` })),
    ].sort((a, b) => a.t - b.t);
    for (const e of events.slice(phoneSeen)) console.log(e.line);
    phoneSeen = events.length;
  };
  const unsubscribe = standin.onCall((call) => {
    const line = describe(call, standin, clock);
    if (line) console.log(line);
  });
  const say = (text: string) => console.log(`\n▶ ${text}`);
  try {
    console.log(`Baton demo: no Slack credentials set, so Slack is a local stand-in at ${standin.url} and Twilio one at ${twilio.url}.`);
    console.log(`Config: ${EXAMPLE_CONFIG}. Baton listens on ${baton.url}. Time is virtual.`);

    const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/alertmanager-firing.json', import.meta.url)), 'utf8'));
    const send = (body: unknown) =>
      fetch(`${baton.url}/integrations/alertmanager/change-me-checkout-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer change-me-bearer' },
        body: JSON.stringify(body),
      });

    say('Alertmanager sends a critical alert for checkout.');
    const res = await send(fixture);
    const opened = (await res.json()) as { incident_id: number };
    console.log(`  Baton answered ${res.status}: incident #${opened.incident_id}`);
    await baton.drain();
    const primaryDm = standin.messages().find((m) => m.dmUser);

    say('Two minutes without an acknowledgement: the phone (Twilio stand-in) rings.');
    clock.advanceMinutes(2);
    await baton.tick();
    phoneLines();
    const call = twilio.calls[0];
    if (call) {
      const script = await twilio.answer(call);
      console.log(`  She picks up and hears: "${script.says.join(' ')}"`);
      console.log('  ...and hangs up without pressing a key.');
      await twilio.end(call, 'completed');
    }

    say('Nobody acknowledges. 13 more minutes pass.');
    clock.advanceMinutes(13);
    await baton.tick();
    phoneLines();

    const secondaryDm = standin.messages().find((m) => m.dmUser && m.dmUser !== primaryDm?.dmUser);
    if (!secondaryDm?.dmUser) throw new Error('the demo expected the secondary to be paged');
    say(`${PEOPLE[secondaryDm.dmUser]?.name ?? secondaryDm.dmUser} presses Acknowledge.`);
    clock.advanceMinutes(2);
    const click = await postToSlackEndpoint(
      `${baton.url}/slack/events`,
      blockActionBody({
        userId: secondaryDm.dmUser,
        actionId: 'incident_acknowledge',
        value: String(opened.incident_id),
        buttonText: 'Acknowledge',
        responseUrl: standin.newResponseUrl({ channel: secondaryDm.channel, ts: secondaryDm.ts }),
        channelId: secondaryDm.channel,
        messageTs: secondaryDm.ts,
      }),
      { signingSecret },
    );
    console.log(`  Slack request answered ${click.status}`);
    await standin.waitFor(() => standin.calls.some((c) => c.method === 'chat.update'));
    await baton.drain();

    say('The fix is deployed; Alertmanager sends the resolution.');
    clock.advanceMinutes(20);
    const resolved = {
      ...fixture,
      status: 'resolved',
      alerts: fixture.alerts.map((a: object) => ({ ...a, status: 'resolved', endsAt: clock.now().toISOString() })),
    };
    const res2 = await send(resolved);
    console.log(`  Baton answered ${res2.status}: ${((await res2.json()) as { outcome: string }).outcome}`);
    await baton.drain();
    await standin.waitFor(() => standin.calls.filter((c) => c.method === 'chat.update').length >= 2 * 2);

    say('Escalating for 60 more virtual minutes: nothing more is sent about the incident.');
    const before = standin.calls.length;
    for (let i = 0; i < 4; i += 1) {
      clock.advanceMinutes(15);
      await baton.tick();
    }
    // Shift reminders and handovers may fall in this hour of real time; only incident messages count here.
    const aboutIncident = standin.calls.slice(before).filter((c) => JSON.stringify(c.args).includes('5xx ratio'));
    console.log(`  ${aboutIncident.length} Slack calls about the incident.`);
    console.log(
      `\nDemo finished. Contract violations seen by the stand-in: ${standin.violations.length === 0 ? 'none' : standin.violations.join('; ')}`,
    );
    console.log('Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README) to run the real bot.');
  } finally {
    unsubscribe();
    await baton.stop();
    await standin.stop();
    await twilio.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
