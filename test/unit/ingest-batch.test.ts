import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/file.js';
import { incidents, integrationKeys, rawPayloads } from '../../src/db/schema.js';
import { normalizeAlertmanager } from '../../src/domain/alertmanager.js';
import { ManualClock } from '../../src/domain/clock.js';
import { applyConfig } from '../../src/services/admin/config-apply.js';
import { IngestService } from '../../src/services/incidents/ingest.js';
import { TEST_CONFIG } from '../support/config.js';
import { freshDb } from '../support/db.js';
import { alertGroup } from '../support/fixtures.js';

describe('ingest group commit', () => {
  it('requests that arrive together commit together; one that fails is refused alone and the others are stored', async () => {
    const db = freshDb();
    const clock = new ManualClock('2026-11-18T10:00:00Z');
    await applyConfig(db, parseConfigText(TEST_CONFIG, 'baton.yml'), { actor: 'config:test', now: clock.nowMs() });
    const ingest = new IngestService(db, clock, () => {}, { phone: false });
    const key = (await db.query((q) => q.select().from(integrationKeys).limit(1)))[0]!;
    // A key whose service is gone (removed meanwhile): storing its incident breaks a foreign key.
    const orphan = { ...key, id: 999, serviceId: 'no-such-service' };
    const request = (name: string, k = key) => {
      const body = alertGroup(name);
      return ingest.ingest(k, JSON.stringify(body), normalizeAlertmanager(body as never));
    };

    // All in the same turn of the event loop: one batch.
    const results = await Promise.allSettled([request('One'), request('Two'), request('Broken', orphan), request('Three')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await db.query((q) => q.select().from(incidents))).toHaveLength(3);
    expect(await db.query((q) => q.select().from(rawPayloads))).toHaveLength(3);

    // A batch with nothing wrong takes the fast path and stores everything.
    const again = await Promise.allSettled([request('Four'), request('Five')]);
    expect(again.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await db.query((q) => q.select().from(incidents))).toHaveLength(5);
  });
});
