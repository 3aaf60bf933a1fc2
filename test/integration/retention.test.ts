import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alerts, incidentEvents, incidents, outbox, rawPayloads } from '../../src/db/schema.js';
import { ADA } from '../support/config.js';
import { alertGroup, fixture } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';

/** A second alert group, so one incident can stay open while the first is resolved. */
const otherGroup = () => alertGroup('DiskFull');

describe('retention', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('prunes the raw bodies, alerts and sent messages of incidents resolved long ago, and keeps open incidents and every timeline', async () => {
    await h.postAlertmanager(fixture('alertmanager/v0.25-firing.json').body);
    await h.slack.expectDM(ADA, '5xx');
    await h.postAlertmanager(fixture('alertmanager/v0.25-resolved.json').body);
    await h.postAlertmanager(otherGroup());
    await h.baton.drain();
    // A day on, everything of the resolved incident has gone out (its channel is archived after 24 h).
    await h.advance(25 * 60);
    const [resolved, open] = await h.baton.db.query((q) => q.select().from(incidents).orderBy(incidents.id));
    expect([resolved!.status, open!.status]).toEqual(['resolved', 'triggered']);
    const rows = (id: number) =>
      h.baton.db.query(async (q) => ({
        raw: (await q.select().from(rawPayloads).where(eq(rawPayloads.incidentId, id))).length,
        alerts: (await q.select().from(alerts).where(eq(alerts.incidentId, id))).length,
        sent: (await q.select().from(outbox).where(eq(outbox.incidentId, id))).filter((r) => r.status !== 'pending').length,
        events: (await q.select().from(incidentEvents).where(eq(incidentEvents.incidentId, id))).length,
      }));
    const before = { resolved: await rows(resolved!.id), open: await rows(open!.id) };
    expect(before.resolved.raw).toBe(2);
    expect(before.resolved.alerts).toBeGreaterThan(0);
    expect(before.resolved.sent).toBeGreaterThan(0);

    // 179 days after it was resolved: nothing is due yet.
    await h.advance(178 * 24 * 60);
    expect(await rows(resolved!.id)).toEqual(before.resolved);
    // Past 180 days: the resolved incident's bulk goes, its timeline and the incident itself stay.
    await h.advance(2 * 24 * 60);
    expect((await h.baton.db.query((q) => q.select().from(outbox))).filter((r) => r.status === 'pending')).toEqual([]);
    const after = await rows(resolved!.id);
    expect(after).toEqual({ raw: 0, alerts: 0, sent: 0, events: before.resolved.events });
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(2);
    // The open incident keeps everything, however old.
    const stillOpen = await rows(open!.id);
    expect([stillOpen.raw, stillOpen.alerts]).toEqual([before.open.raw, before.open.alerts]);
  });
});
