import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postToSlackEndpoint, slackSignature, slashCommandBody } from '../../devtools/slack/requests.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH, parseJson, sendJson } from '../../src/http/io.js';
import { slackEventsRoute } from '../../src/http/routes/slack-events.js';
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS, type Route } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { checkSlackSignature } from '../../src/security/slack-signature.js';

const nested = (depth: number) => `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;

describe('JSON nesting bound', () => {
  it('counts arrays and objects, up to the limit and not past it', () => {
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH + 2))).toBe(true);
    expect(jsonNestingExceeds(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `${'['.repeat(500)}"\\${'{'.repeat(500)}` });
    expect(jsonNestingExceeds(text)).toBe(false);
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('parseJson refuses deep bodies with 400 too_deeply_nested', () => {
    expect(() => parseJson(nested(200))).toThrow(expect.objectContaining({ status: 400, code: 'too_deeply_nested' }));
  });
});

describe('Slack signature check', () => {
  const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const body = 'command=%2Foncall&text=who';
  const now = Date.UTC(2026, 10, 18, 10);
  const check = (timestamp: number, signature = slackSignature(secret, timestamp, body)) =>
    checkSlackSignature({ signingSecret: secret, timestamp: String(timestamp), signature, body: Buffer.from(body), nowMs: now });
  const seconds = now / 1000;

  it('accepts a good signature within ±5 minutes, refuses one outside either way', () => {
    expect(check(seconds)).toEqual({ ok: true });
    expect(check(seconds + 299)).toEqual({ ok: true });
    expect(check(seconds - 299)).toEqual({ ok: true });
    expect(check(seconds + 301)).toMatchObject({ ok: false, code: 'stale_signature' });
    expect(check(seconds - 301)).toMatchObject({ ok: false, code: 'stale_signature' });
  });

  it('refuses wrong, malformed and missing signatures', () => {
    expect(check(seconds, slackSignature('another-secret', seconds, body))).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(check(seconds, 'v0=abc')).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(check(seconds, `v1=${'0'.repeat(64)}`)).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(
      checkSlackSignature({ signingSecret: secret, timestamp: undefined, signature: undefined, body: Buffer.from(body), nowMs: now }),
    ).toMatchObject({ ok: false });
    expect(
      checkSlackSignature({ signingSecret: secret, timestamp: ['1', '2'], signature: 'v0=x', body: Buffer.from(body), nowMs: now }),
    ).toMatchObject({ ok: false });
  });
});

describe('the HTTP server', () => {
  it('has production timeouts by default', () => {
    const server = createHttpServer({ routes: [], logger: createLogger('silent') });
    expect(server.headersTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.headersMs);
    expect(server.requestTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestMs);
    expect(server.keepAliveTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.keepAliveMs);
    expect(server.timeout).toBe(DEFAULT_HTTP_TIMEOUTS.idleSocketMs);
    // Above the 60 s idle timeout of common load balancers, so they never reuse a connection Baton closed.
    expect(DEFAULT_HTTP_TIMEOUTS.keepAliveMs).toBeGreaterThan(60_000);
  });

  async function serve(routes: Route[], use: (base: string, server: Server) => Promise<void>): Promise<void> {
    const server = createHttpServer({ logger: createLogger('silent'), routes });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, server);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
  const ok: Route = { method: 'GET', path: '/ok', handler: (_req, res) => void res.end('ok') };

  it('a route that throws anything, even synchronously, gets a JSON 500 and the server keeps serving', async () => {
    const throwing: Route = {
      method: 'GET',
      path: '/throws',
      handler: () => {
        throw null;
      },
    };
    await serve([throwing, ok], async (base) => {
      const res = await fetch(`${base}/throws`);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'internal_error' });
      expect(await (await fetch(`${base}/ok`)).text()).toBe('ok');
    });
  });

  it('a Slack listener that throws on a signed request gets a JSON 500, and the server keeps serving', async () => {
    const signingSecret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const slack: Route = {
      method: 'POST',
      path: '/slack/events',
      handler: slackEventsRoute({
        signingSecret,
        listener: () => {
          throw new TypeError("Cannot read properties of null (reading 'ssl_check')");
        },
      }),
    };
    await serve([slack, ok], async (base) => {
      const body = slashCommandBody({ userId: 'U0ADA00001', text: 'who', responseUrl: 'http://127.0.0.1:1/r' });
      const res = await postToSlackEndpoint(`${base}/slack/events`, body, { signingSecret });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'internal_error' });
      expect(await (await fetch(`${base}/ok`)).text()).toBe('ok');
    });
  });

  /** Sends `request` on a raw socket and half-closes it at once (end()), as some clients do; the whole answer. */
  async function sendAndHalfClose(base: string, request: string): Promise<string> {
    const client = connect(Number(new URL(base).port), '127.0.0.1');
    await once(client, 'connect');
    let answer = '';
    client.on('data', (d: Buffer) => (answer += d.toString('utf8')));
    const closed = once(client, 'close');
    client.end(request);
    await closed;
    return answer;
  }

  it('a client that half-closes once its request is sent still gets the answer, however late it comes', async () => {
    // The answer waits until the server has seen the client's FIN, as an answer that waits for an fsync on the
    // thread pool or a PostgreSQL round trip may.
    let finSeen = () => {};
    const fin = new Promise<void>((resolve) => (finSeen = resolve));
    const late: Route = {
      method: 'POST',
      path: '/late',
      handler: async (req, res) => {
        req.resume();
        await once(req, 'end');
        await fin;
        sendJson(res, 200, { status: 'ok' });
      },
    };
    await serve([late], async (base, server) => {
      server.once('connection', (socket: Socket) => socket.once('end', () => finSeen()));
      const answer = await sendAndHalfClose(base, 'POST /late HTTP/1.1\r\nhost: baton\r\ncontent-length: 2\r\n\r\n{}');
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(answer.endsWith('{"status":"ok"}')).toBe(true);
    });
  });

  it('a half-closed connection with no whole request in flight is closed, not left open', async () => {
    await serve([ok], async (base) => {
      expect(await sendAndHalfClose(base, '')).toBe('');
      // Headers cut short: a request the FIN leaves unfinished is refused.
      expect((await sendAndHalfClose(base, 'GET /ok HTTP/1.1\r\nhost: baton\r\n')).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    });
  });
});
