import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { blockActionBody, slashCommandBody } from '../../devtools/slack/requests.js';
import { ADA } from '../support/config.js';
import { desc } from 'drizzle-orm';
import { rawPayloads } from '../../src/db/schema.js';
import { rowCounts } from '../support/db.js';

const snapshot = (h: Harness) => rowCounts(h.baton.db);

describe('Alertmanager ingest accepts what Alertmanager sends', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(fixtureNames('alertmanager'))('accepts the fixture %s as sent, headers included', async (name) => {
    const captured = fixture(`alertmanager/${name}`);
    const res = await h.postAlertmanager(captured.body, { headers: { 'user-agent': captured.headers['user-agent']! } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string };
    expect(body.status).toBe('ok');
    const [stored] = await h.baton.db.query((q) =>
      q.select({ body: rawPayloads.body }).from(rawPayloads).orderBy(desc(rawPayloads.id)).limit(1),
    );
    if (!stored) throw new Error('nothing stored');
    expect(JSON.parse(stored.body)).toEqual(captured.body);
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  let h: Harness;
  let before: Record<string, number>;
  beforeAll(async () => {
    h = await startHarness();
    // Something already stored, which bad input must not disturb.
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.baton.drain();
    before = await snapshot(h);
  });
  afterAll(async () => {
    expect(await snapshot(h)).toEqual(before);
    await h.stop();
  });

  it('malformed JSON → 400 invalid_json', async () => {
    const res = await h.postAlertmanager(null, { rawBody: '{"groupKey": "x", ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_json', message: expect.stringContaining('not valid JSON') });
  });

  it('wrong shape → 400 naming what is wrong', async () => {
    const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body);
    delete (body.alerts[0] as Record<string, unknown>).fingerprint;
    body.status = 'burning';
    const res = await h.postAlertmanager(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(json.error).toBe('invalid_payload');
    expect(json.issues.map((i) => i.path).sort()).toEqual(['alerts[0].fingerprint', 'status']);
  });

  it('an empty alerts list → 400', async () => {
    const res = await h.postAlertmanager({ ...fixture('alertmanager/v0.25-firing.json').body, alerts: [] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('alerts');
  });

  it('unknown key → 401', async () => {
    const res = await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body, { key: 'not-a-key' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized', message: 'unknown integration key' });
  });

  it('missing key → 401', async () => {
    const res = await fetch(`${h.baton.url}/integrations/alertmanager`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('missing or wrong bearer token → 401', async () => {
    const body = fixture('alertmanager/v0.25-firing.json').body;
    const missing = await h.postAlertmanager(body, { bearer: null });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ message: expect.stringContaining('Bearer') });
    const wrong = await h.postAlertmanager(body, { bearer: 'guess' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: 'wrong bearer token' });
  });

  it('a body over 1 MB → 413', async () => {
    const body = fixture('alertmanager/v0.25-firing.json').body;
    const res = await h.postAlertmanager(null, { rawBody: JSON.stringify({ ...body, padding: 'x'.repeat(1024 * 1024) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('unsigned, wrongly signed and stale Slack requests → 401', async () => {
    const command = slashCommandBody({ userId: ADA, text: 'who', responseUrl: h.slack.standin.newResponseUrl() });
    const action = blockActionBody({
      userId: ADA,
      actionId: 'incident_acknowledge',
      value: '1',
      buttonText: 'Acknowledge',
      responseUrl: h.slack.standin.newResponseUrl(),
      channelId: 'D0ADA',
      messageTs: '1.000100',
    });
    for (const body of [command, action]) {
      expect((await h.slack.signedPost('/slack/events', body, { unsigned: true })).status).toBe(401);
      expect((await h.slack.signedPost('/slack/events', body, { tamper: true })).status).toBe(401);
      const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
      expect((await h.slack.signedPost('/slack/events', body, { timestamp: sixMinutesAgo })).status).toBe(401);
    }
    expect(h.slack.standin.responseUrlPosts).toHaveLength(0);
  });

  it('a key that is not valid percent-encoding → 400, and the server stays up', async () => {
    const res = await fetch(`${h.baton.url}/integrations/alertmanager/%ZZ`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_path' });
    expect((await fetch(`${h.baton.url}/healthz`)).status).toBe(200);
  });

  it('a signed Slack payload that cannot be processed → 400, not 500', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: [] }) }).toString();
    const res = await h.slack.signedPost('/slack/events', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_slack_payload' });
  });

  it('unknown routes → 404 and wrong methods → 405, as JSON', async () => {
    const notFound = await fetch(`${h.baton.url}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'not_found' });
    const wrongMethod = await fetch(`${h.baton.url}/integrations/alertmanager/x`);
    expect(wrongMethod.status).toBe(405);
  });
});
