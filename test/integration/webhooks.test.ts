import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADA, TEST_CONFIG } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

const SECRET = 'ticketing-secret-0123456789';

/** A stand-in for Jira or Linear automation: records each delivery, answers with a scripted status. */
async function receiver() {
  const got: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    statuses,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('outbound webhooks for ticketing', () => {
  let h: Harness;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    hook = await receiver();
    h = await startHarness({ config: `${TEST_CONFIG}\nwebhooks:\n  - { id: jira, url: "${hook.url}", secret: ${SECRET} }\n` });
  });
  afterEach(async () => {
    await h.stop();
    await hook.stop();
  });

  const events = () => hook.got.map((g) => (JSON.parse(g.body) as { event: string }).event);

  it('signs and sends incident opened, acknowledged and resolved, each once, retrying a failing receiver', async () => {
    hook.statuses.push(500);
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    const dm = await h.slack.expectDM(ADA);
    await h.baton.drain();
    expect(events()).toEqual(['incident.opened']); // answered 500: it will be retried
    h.clock.advanceSeconds(3);
    await h.baton.drain();
    expect(events()).toEqual(['incident.opened', 'incident.opened']);

    await dm.click('Acknowledge', { as: ADA });
    await h.slack.standin.waitFor(() => hook.got.length === 3);
    await h.postAlertmanager(fixture('alertmanager/v0.25-resolved.json').body);
    await h.slack.standin.waitFor(() => hook.got.length === 4, 3000);
    await h.advance(30);
    expect(events()).toEqual(['incident.opened', 'incident.opened', 'incident.acknowledged', 'incident.resolved']);

    for (const delivery of hook.got) {
      const timestamp = String(delivery.headers['x-baton-timestamp']);
      const expected = createHmac('sha256', SECRET).update(`${timestamp}.${delivery.body}`).digest('hex');
      expect(delivery.headers['x-baton-signature']).toBe(`sha256=${expected}`);
    }
    const last = JSON.parse(hook.got.at(-1)!.body) as { incident: Record<string, unknown> };
    expect(last.incident).toMatchObject({
      id: 1,
      service: 'checkout',
      status: 'resolved',
      acknowledged_by: ADA,
      title: '5xx ratio > 5% on checkout',
    });
  });
});
