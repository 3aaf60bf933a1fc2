import { describe, expect, it } from 'vitest';
import { ADA, BEARER, KEY, SIGNING_SECRET } from '../support/config.js';
import { fixture } from '../support/fixtures.js';
import { startHarness } from '../support/harness.js';

describe('logs', () => {
  it('are structured, carry a request id, and never contain a secret, even at trace level', async () => {
    const lines: string[] = [];
    const h = await startHarness({ logSink: (line) => lines.push(line) });
    try {
      await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
      await h.postAlertmanager({}, { bearer: 'wrong-bearer-token' });
      const dm = await h.slack.expectDM(ADA);
      await dm.click('Acknowledge', { as: ADA });
      await dm.waitForUpdate(/Acknowledged/);
      h.slack.standin.setDown(true);
      await h.advance(1);
      h.slack.standin.setDown(false);
    } finally {
      await h.stop();
    }
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: '/integrations/alertmanager/[redacted]',
        status: 401,
        requestId: expect.any(String),
      }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ path: '/integrations/alertmanager/[redacted]', status: 200 }));
    for (const secret of ['xoxb-test-token', SIGNING_SECRET, BEARER, KEY, 'wrong-bearer-token']) {
      expect(all).not.toContain(secret);
    }
  });
});
