import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidents, integrationKeys, rawPayloads } from '../../src/db/schema.js';
import {
  ADA,
  BEARER,
  BOB,
  GENERIC_KEY,
  GRAFANA_HMAC,
  GRAFANA_KEY,
  HEARTBEAT_KEY,
  PD_ROUTING_KEY,
  SOURCES_CONFIG,
} from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('every alert source', () => {
  let h: Harness;
  beforeEach(async () => {
    expect(SOURCES_CONFIG).toContain(PD_ROUTING_KEY);
    h = await startHarness({ config: SOURCES_CONFIG });
  });
  afterEach(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${h.baton.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const incident = async (id: number) =>
    (await h.baton.db.query((q) => q.select().from(incidents).where(eq(incidents.id, id)).limit(1)))[0]!;
  const sign = (body: string) => createHmac('sha256', GRAFANA_HMAC).update(body).digest('hex');

  it('Grafana: the fixtures open and resolve an incident; the HMAC is checked', async () => {
    const firing = JSON.stringify(fixture('grafana/unified-firing.json').body);
    const auth = { authorization: `Bearer ${BEARER}` };
    const unsigned = await post(`/integrations/grafana/${GRAFANA_KEY}`, firing, auth);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'invalid_signature' });
    expect(
      (await post(`/integrations/grafana/${GRAFANA_KEY}`, firing, { ...auth, 'x-grafana-alerting-signature': sign(`${firing} `) })).status,
    ).toBe(401);
    expect(await h.baton.db.query((q) => q.select().from(rawPayloads))).toEqual([]);

    const res = await post(`/integrations/grafana/${GRAFANA_KEY}`, firing, { ...auth, 'x-grafana-alerting-signature': sign(firing) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'opened', incident_id: 1 });
    expect(await incident(1)).toMatchObject({ source: 'grafana', title: 'Disk 95% full on db-1', severity: 'critical', urgency: 'high' });
    expect((await incident(1)).links).toMatchObject({
      runbook: 'https://runbooks.example.com/disk',
      source: 'https://grafana.example.com/alerting/grafana/abc123/view',
    });
    await h.slack.expectDM(ADA, 'Disk 95% full on db-1');

    const resolved = JSON.stringify(fixture('grafana/unified-resolved.json').body);
    expect(
      await (
        await post(`/integrations/grafana/${GRAFANA_KEY}`, resolved, { ...auth, 'x-grafana-alerting-signature': sign(resolved) })
      ).json(),
    ).toMatchObject({ outcome: 'resolved' });
    expect((await incident(1)).status).toBe('resolved');
  });

  it('Grafana with a timestamp header and a custom signature header: `<timestamp>:<body>` is signed, and must be recent', async () => {
    const TS_KEY = 'GRAFANA-key-timestamped';
    const config = SOURCES_CONFIG.replace(
      `      - { type: pagerduty, key: ${PD_ROUTING_KEY} }`,
      `      - { type: pagerduty, key: ${PD_ROUTING_KEY} }
      - { type: grafana, key: ${TS_KEY}, hmac_secret: ${GRAFANA_HMAC}, hmac_header: X-Signature, hmac_timestamp_header: X-Signature-Timestamp }`,
    );
    await h.stop();
    h = await startHarness({ config });
    const firing = JSON.stringify(fixture('grafana/unified-firing.json').body);
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const signed = (ts: number, body = firing) => ({ 'x-signature-timestamp': String(ts), 'x-signature': sign(`${ts}:${body}`) });

    // The body alone signed (the untimestamped variant) is not enough once a timestamp header is configured.
    const bodyOnly = await post(`/integrations/grafana/${TS_KEY}`, firing, {
      'x-signature-timestamp': String(now),
      'x-signature': sign(firing),
    });
    expect(bodyOnly.status).toBe(401);
    expect(await bodyOnly.json()).toMatchObject({ error: 'invalid_signature', message: expect.stringContaining('x-signature') });
    // A correctly signed but old timestamp could be a replay.
    const stale = await post(`/integrations/grafana/${TS_KEY}`, firing, signed(now - 6 * 60));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: 'stale_signature' });
    const missing = await post(`/integrations/grafana/${TS_KEY}`, firing, { 'x-signature': sign(`${now}:${firing}`) });
    expect(missing.status).toBe(401);
    // The signature in Grafana's default header is ignored when the contact point names another.
    expect(
      (
        await post(`/integrations/grafana/${TS_KEY}`, firing, {
          'x-grafana-alerting-signature': sign(`${now}:${firing}`),
          'x-signature-timestamp': String(now),
        })
      ).status,
    ).toBe(401);
    expect(await h.baton.db.query((q) => q.select().from(rawPayloads))).toEqual([]);

    const ok = await post(`/integrations/grafana/${TS_KEY}`, firing, signed(now - 60));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ outcome: 'opened' });
    await h.slack.expectDM(ADA, 'Disk 95% full on db-1');
  });

  it("PagerDuty Events v2: trigger, acknowledge and resolve with PagerDuty's answers", async () => {
    const trigger = await post('/v2/enqueue', fixture('pagerduty/events-v2-trigger.json').body);
    expect(trigger.status).toBe(202);
    expect(await trigger.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'checkout/5xx' });
    expect(await incident(1)).toMatchObject({
      source: 'pagerduty',
      title: '5xx ratio > 5% on checkout',
      dedupKey: 'checkout/5xx',
      status: 'triggered',
    });
    expect((await incident(1)).links.runbook).toBe('https://runbooks.example.com/checkout-5xx');
    await h.slack.expectDM(ADA, '5xx ratio &gt; 5% on checkout');

    // The same trigger again changes nothing and pages nobody again.
    expect((await post('/v2/enqueue', fixture('pagerduty/events-v2-trigger.json').body)).status).toBe(202);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(1);

    const ack = await post('/v2/enqueue', fixture('pagerduty/events-v2-acknowledge.json').body);
    expect(ack.status).toBe(202);
    expect(await ack.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'checkout/5xx' });
    expect(await incident(1)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'integration:pagerduty' });
    expect((await post('/v2/enqueue', fixture('pagerduty/events-v2-resolve.json').body)).status).toBe(202);
    expect((await incident(1)).status).toBe('resolved');

    // A trigger after resolve opens a new incident; one without dedup_key gets a generated key.
    expect((await post('/v2/enqueue', fixture('pagerduty/events-v2-trigger.json').body)).status).toBe(202);
    const noKey = structuredClone(fixture('pagerduty/events-v2-trigger.json').body) as Record<string, unknown>;
    delete noKey.dedup_key;
    const generated = (await (await post('/v2/enqueue', noKey)).json()) as { dedup_key: string };
    expect(generated.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(3);
  });

  it("PagerDuty Events v2: bad events get PagerDuty's 400 and store nothing", async () => {
    const before = (await h.baton.db.query((q) => q.select().from(rawPayloads))).length;
    const cases: [unknown, string][] = [
      ['{not json', 'Request body is not valid JSON'],
      [{ ...fixture('pagerduty/events-v2-trigger.json').body, routing_key: 'nope' }, 'Invalid routing key'],
      [{ routing_key: PD_ROUTING_KEY, event_action: 'trigger' }, 'payload: payload is required for trigger events'],
      [{ routing_key: PD_ROUTING_KEY, event_action: 'resolve' }, 'dedup_key: dedup_key is required for resolve events'],
      [
        { ...fixture('pagerduty/events-v2-trigger.json').body, event_action: 'explode' },
        'event_action: event_action must be trigger, acknowledge or resolve',
      ],
    ];
    for (const [body, error] of cases) {
      const res = await post('/v2/enqueue', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 'invalid event', message: 'Event object is invalid', errors: [error] });
    }
    expect(await h.baton.db.query((q) => q.select().from(rawPayloads))).toHaveLength(before);
  });

  it('generic webhook: trigger, acknowledge, resolve; bad input says what is wrong', async () => {
    const path = `/integrations/generic/${GENERIC_KEY}`;
    const res = await post(path, {
      summary: 'Queue depth over 10k',
      severity: 'error',
      dedup_key: 'queue',
      links: { runbook: 'https://runbooks.example.com/queue' },
      details: { depth: 12001 },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ outcome: 'opened', incident_id: 1, dedup_key: 'queue' });
    expect(await incident(1)).toMatchObject({ source: 'generic', severity: 'error', urgency: 'high' });
    expect(await (await post(path, { summary: 'x', action: 'acknowledge', dedup_key: 'queue' })).json()).toMatchObject({
      outcome: 'acknowledged',
    });
    expect(await (await post(path, { summary: 'x', action: 'resolve', dedup_key: 'queue' })).json()).toMatchObject({ outcome: 'resolved' });
    const bad = await post(path, { severity: 'loud' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'invalid_payload',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'summary' })]),
    });
    expect((await post('/integrations/generic/wrong-key', { summary: 'x' })).status).toBe(401);
  });

  it('heartbeat: a missed ping opens an incident that pages; the next ping resolves it', async () => {
    const ping = () => post(`/heartbeats/${HEARTBEAT_KEY}`, {});
    // Nothing is watched before the first ping.
    await h.advance(30);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toEqual([]);
    expect(await (await ping()).json()).toEqual({ status: 'ok', outcome: 'recorded' });
    await h.advance(4);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toEqual([]);
    await h.advance(2);
    expect(await incident(1)).toMatchObject({
      title: expect.stringMatching(/^Heartbeat missed: Checkout has not pinged for 6 minutes/),
      status: 'triggered',
      urgency: 'high',
    });
    await h.slack.expectDM(ADA, 'Heartbeat missed');
    await h.advance(1);
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(1);
    expect(await (await ping()).json()).toEqual({ status: 'ok', outcome: 'recovered' });
    expect((await incident(1)).status).toBe('resolved');
    expect((await post('/heartbeats/nope', {})).status).toBe(401);
  });

  it('admins make integration keys in Slack, shown once and stored hashed; rotation keeps the old key a day', async () => {
    await h.stop();
    h = await startHarness({ config: SOURCES_CONFIG.replace('name: Ada Lovelace,', 'name: Ada Lovelace, role: admin,') });
    expect((await h.slack.command(BOB, 'integration checkout generic')).text).toContain('Only an admin');
    const made = await h.slack.command(ADA, 'integration checkout generic');
    const url = /`(http[^`]+)`/.exec(made.text)![1]!;
    const key = url.split('/').pop()!;
    expect(JSON.stringify(await h.baton.db.query((q) => q.select().from(integrationKeys)))).not.toContain(key);
    expect(JSON.stringify(await h.baton.db.query((q) => q.select().from(auditLog)))).not.toContain(key);
    const send = (u: string) =>
      fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ summary: 'From a Slack-made key' }),
      });
    expect((await send(url)).status).toBe(202);

    const rotated = await h.slack.command(ADA, 'integration rotate checkout generic');
    expect(rotated.text).toContain('keeps working for 24 hours');
    const newUrl = /`(http[^`]+)`/.exec(rotated.text)![1]!;
    expect((await send(url)).status).toBe(202);
    expect((await send(newUrl)).status).toBe(202);
    h.clock.advanceMinutes(24 * 60 + 1);
    expect((await send(url)).status).toBe(401);
    expect((await send(newUrl)).status).toBe(202);
    // A restart re-applies the config file, which leaves keys made in Slack alone.
    await h.restart();
    expect((await send(newUrl.replace(/127\.0\.0\.1:\d+/, new URL(h.baton.url).host))).status).toBe(202);
    expect((await h.slack.command(ADA, 'integration checkout heartbeat')).text).toContain('needs its interval');
  });
});
