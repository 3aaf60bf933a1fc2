import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODALS } from '../../src/slack/action-ids.js';
import { SUBCOMMANDS } from '../../src/slack/views/help.js';
import { createHmac } from 'node:crypto';
import { ADA, BEARER, GENERIC_KEY, GRAFANA_HMAC, GRAFANA_KEY, HEARTBEAT_KEY, KEY, SOURCES_CONFIG } from '../support/config.js';
import { rowCounts } from '../support/db.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const rowCountsOf = async (h: Harness) => JSON.stringify(await rowCounts(h.baton.db));

/** Sets `value` at a random path inside a copy of `base`. */
function mutate(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(base) ? [...base] : base && typeof base === 'object' ? { ...(base as object) } : {}) as Record<
    string | number,
    unknown
  >;
  const [head, ...rest] = path;
  copy[head!] = mutate(copy[head!], rest, value);
  return copy;
}

const amBody = fixture('alertmanager/v0.25-firing.json').body;
const amPaths: (string | number)[][] = [
  ['status'],
  ['groupKey'],
  ['alerts'],
  ['alerts', 0],
  ['alerts', 0, 'labels'],
  ['alerts', 0, 'fingerprint'],
  ['alerts', 0, 'status'],
  ['alerts', 0, 'annotations'],
  ['alerts', 0, 'startsAt'],
  ['commonLabels'],
  ['commonAnnotations'],
  ['truncatedAlerts'],
  ['version'],
  ['externalURL'],
];

describe('fuzzing every route: only 4xx with a JSON error for bad input, never 5xx, nothing stored', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: SOURCES_CONFIG });
  });
  afterAll(async () => {
    // Still up and healthy after everything below.
    expect((await fetch(`${h.baton.url}/healthz`)).status).toBe(200);
    await h.stop();
  });

  const post = (body: string | Uint8Array, contentType = 'application/json') =>
    fetch(`${h.baton.url}/integrations/alertmanager/${KEY}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${BEARER}` },
      body,
    });

  async function expectRefusedOrAccepted(res: Response, before: string): Promise<boolean> {
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as { error?: string; message?: string };
    if (res.status >= 400) {
      expect(typeof json.error).toBe('string');
      expect(typeof json.message).toBe('string');
      expect(await rowCountsOf(h)).toBe(before);
    } else {
      // Accepted: let its messages go out before the next case compares row counts.
      await h.baton.drain();
    }
    return res.status < 300;
  }

  it('the Alertmanager route with random JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const before = await rowCountsOf(h);
        await expectRefusedOrAccepted(await post(JSON.stringify(value)), before);
      }),
      { numRuns: 200 },
    );
  });

  it('the Alertmanager route with a real payload mutated at random places', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...amPaths),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 300 }), fc.constant(null)),
        async (path, value) => {
          const before = await rowCountsOf(h);
          await expectRefusedOrAccepted(await post(JSON.stringify(mutate(amBody, path, value))), before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the Alertmanager route with random bytes and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (bytes, type) => {
          const before = await rowCountsOf(h);
          const res = await post(bytes, type);
          expect([400, 401, 413]).toContain(res.status);
          expect(await rowCountsOf(h)).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Grafana's bodies are signed, so the fuzzed body reaches the parser rather than stopping at the HMAC.
  const sources: { name: string; send: (body: string | Uint8Array, type?: string) => Promise<Response> }[] = [
    {
      name: 'Grafana',
      send: (body, type = 'application/json') =>
        fetch(`${h.baton.url}/integrations/grafana/${GRAFANA_KEY}`, {
          method: 'POST',
          headers: {
            'content-type': type,
            authorization: `Bearer ${BEARER}`,
            'x-grafana-alerting-signature': createHmac('sha256', GRAFANA_HMAC).update(body).digest('hex'),
          },
          body,
        }),
    },
    {
      name: 'PagerDuty Events v2',
      send: (body, type = 'application/json') =>
        fetch(`${h.baton.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': type }, body }),
    },
    {
      name: 'generic',
      send: (body, type = 'application/json') =>
        fetch(`${h.baton.url}/integrations/generic/${GENERIC_KEY}`, { method: 'POST', headers: { 'content-type': type }, body }),
    },
    {
      name: 'heartbeat',
      send: (body, type = 'application/json') =>
        fetch(`${h.baton.url}/heartbeats/${HEARTBEAT_KEY}`, { method: 'POST', headers: { 'content-type': type }, body }),
    },
  ];

  for (const source of sources) {
    it(`the ${source.name} route with random JSON and random bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
            fc.uint8Array({ maxLength: 2000 }),
            fc.string({ maxLength: 500 }),
          ),
          async (body) => {
            const before = await rowCountsOf(h);
            const res = await source.send(body);
            // The heartbeat takes any body: a ping changes its row; everything else must be refused cleanly.
            if (source.name === 'heartbeat') {
              expect(res.status).toBe(200);
              return;
            }
            await expectRefusedOrAccepted(res, before);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('random methods, paths, keys and headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.oneof(
          fc.webPath(),
          fc.constantFrom(
            '/integrations/alertmanager/',
            '/healthz',
            '/slack/events',
            '/integrations/alertmanager/%ZZ',
            '/integrations/alertmanager/a/b',
          ),
          fc
            .tuple(fc.constantFrom('rotation', 'user', 'x'), fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }))
            .map(([k, id, f]) => `/calendars/${k}/${encodeURIComponent(id)}/${encodeURIComponent(f)}.ics`),
        ),
        fc.option(fc.string({ maxLength: 200 })),
        async (method, path, authorization) => {
          const before = await rowCountsOf(h);
          const headers: Record<string, string> = {};
          if (authorization) headers.authorization = authorization.replace(/[^\x20-\x7e]/g, '');
          const res = await fetch(`${h.baton.url}${path.startsWith('/') ? path : `/${path}`}`, {
            method,
            headers,
            body: ['GET', 'OPTIONS'].includes(method) ? undefined : '{}',
          });
          expect(res.status).toBeLessThan(500);
          expect(await rowCountsOf(h)).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('fuzzing every Slack payload type, signed as Slack signs them', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const text = fc.string({ maxLength: 300, unit: 'grapheme' });
  const actionId = fc.oneof(
    fc.constantFrom('incident_acknowledge', 'incident_escalate', 'incident_resolve', 'swap_accept', 'swap_decline', 'cover_take'),
    fc.string({ maxLength: 300 }),
  );
  const callbackId = fc.oneof(fc.constantFrom(...Object.values(MODALS)), fc.string({ maxLength: 20 }));
  // Modal state as Slack shapes it, with random field names, element types and values.
  const stateValues = fc.dictionary(
    fc.oneof(
      fc.constantFrom('rotation', 'who', 'from', 'to', 'my_shift', 'teammate', 'their_shift', 'participants', 'name', 'shift'),
      fc.string({ maxLength: 10 }),
    ),
    fc.dictionary(
      fc.constantFrom('value', 'x'),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.record(
          {
            type: fc.string({ maxLength: 20 }),
            value: fc.oneof(fc.string(), fc.constant(null)),
            selected_date_time: fc.oneof(fc.integer(), fc.double()),
            selected_option: fc.option(fc.record({ value: fc.string({ maxLength: 40 }) })),
          },
          { requiredKeys: ['type'] },
        ),
      ),
      { maxKeys: 2 },
    ),
    { maxKeys: 6 },
  );
  const value = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.integer().map(String),
    fc.constantFrom('1', '-1', '1e309', '999999999999999999999', ''),
  );
  const interactive = fc.record(
    {
      type: fc.constantFrom(
        'block_actions',
        'view_submission',
        'view_closed',
        'shortcut',
        'message_action',
        'block_suggestion',
        'interactive_message',
        'weird',
      ),
      user: fc.record({ id: fc.oneof(fc.constant(ADA), fc.string({ maxLength: 20 })) }),
      callback_id: fc.string({ maxLength: 50 }),
      trigger_id: fc.string({ maxLength: 20 }),
      actions: fc.array(
        fc.record({
          type: fc.constantFrom('button', 'static_select', 'x'),
          action_id: actionId,
          block_id: fc.string({ maxLength: 20 }),
          value,
        }),
        { maxLength: 3 },
      ),
      view: fc.record({
        id: fc.string({ maxLength: 10 }),
        callback_id: callbackId,
        private_metadata: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
        ),
        state: fc.record({ values: stateValues }),
      }),
      container: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['type'] },
  );
  const command = fc.record({
    command: fc.oneof(fc.constant('/oncall'), fc.string({ maxLength: 30 })),
    text: fc.oneof(
      text,
      fc
        .tuple(fc.constantFrom(...SUBCOMMANDS.map((c) => c.name).filter((n) => n !== 'note' && n !== 'maintenance')), text)
        .map(([name, rest]) => `${name} ${rest}`),
    ),
    user_id: fc.oneof(fc.constant(ADA), fc.string({ maxLength: 20 })),
    team_id: fc.constant('T0BATON'),
    trigger_id: fc.string({ maxLength: 20 }),
  });

  it('interactive payloads, slash commands, events and raw garbage: never 5xx, nothing changed', async () => {
    const before = await rowCountsOf(h);
    const responseUrl = () => h.slack.standin.newResponseUrl();
    const bodies = [
      ...fc
        .sample(interactive, 80)
        .map((p) => new URLSearchParams({ payload: JSON.stringify({ ...p, response_url: responseUrl() }) }).toString()),
      ...fc.sample(command, 80).map((c) => new URLSearchParams({ ...c, response_url: responseUrl() }).toString()),
      ...fc.sample(fc.jsonValue({ maxDepth: 3 }), 30).map((v) => JSON.stringify({ type: 'event_callback', event: v })),
      ...fc.sample(fc.string({ maxLength: 500 }), 30),
      ...fc.sample(fc.string({ maxLength: 200 }), 20).map((s) => `payload=${encodeURIComponent(s)}`),
      // A response URL Baton cannot reach must not break anything either.
      new URLSearchParams({ command: '/oncall', text: 'who', user_id: ADA, response_url: 'http://127.0.0.1:1/nowhere' }).toString(),
    ];
    const statuses = await Promise.all(bodies.map(async (body) => (await h.slack.signedPost('/slack/events', body)).status));
    const fiveHundreds = bodies.filter((_, i) => statuses[i]! >= 500);
    expect(fiveHundreds).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(100);
    await h.baton.drain();
    expect(await rowCountsOf(h)).toBe(before);
    expect((await fetch(`${h.baton.url}/healthz`)).status).toBe(200);
    h.slack.expectNoContractViolations();
  }, 60_000);
});
