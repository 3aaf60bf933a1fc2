import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts, incidents, outbox } from '../../src/db/schema.js';
import { CHANNEL_POST_PACE } from '../../src/notify/pacing.js';
import { ADA, TEAM_CHANNEL } from '../support/config.js';
import { sqliteOf } from '../support/db.js';
import { fixture } from '../support/fixtures.js';
import { bundleOfPayload, pagedIncidentsOf } from '../support/pages.js';
import { startHarness, type Harness } from '../support/harness.js';

/** 10,000 alerts in 20 groups, sent as fast as 16 senders can: one incident and one page per group. */
describe('an alert storm', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it('opens 20 incidents and pages 20 times, answering every payload 2xx', async () => {
    const template = fixture('alertmanager/v0.25-firing.json').body as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
    const payloads: string[] = [];
    // 500 notifications of 20 alerts each: every group is re-sent 25 times with new alerts joining it.
    for (let round = 0; round < 25; round += 1) {
      for (let group = 0; group < 20; group += 1) {
        const groupAlerts = Array.from({ length: 20 }, (_, i) => ({
          ...template.alerts[0],
          labels: { alertname: `Storm${group}`, severity: 'critical', instance: `host-${round}-${i}` },
          fingerprint: `g${group}-r${round}-a${i}`,
        }));
        payloads.push(
          JSON.stringify({
            ...template,
            groupKey: `{}:{alertname="Storm${group}"}`,
            commonLabels: { alertname: `Storm${group}`, severity: 'critical' },
            alerts: groupAlerts,
          }),
        );
      }
    }
    const statuses: number[] = [];
    let next = 0;
    const sender = async () => {
      while (next < payloads.length) {
        const body = payloads[next++]!;
        const res = await h.postAlertmanager(undefined, { rawBody: body });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(500);
    await h.baton.drain();
    expect(await h.baton.db.query((q) => q.select().from(incidents))).toHaveLength(20);
    expect(await h.baton.db.query((q) => q.select().from(alerts))).toHaveLength(10_000);
    // The team channel gets 20 cards and 20 links to incident channels: paced to a burst of 3, then about
    // one a second (virtual time), rather than 40 at once and a wall of 429s.
    const teamPosts = async () =>
      (await h.baton.db.query((q) => q.select().from(outbox))).filter(
        (r) =>
          (r.kind === 'slack.team_post' || r.kind === 'slack.incident_note') &&
          (r.payload as { channel?: string }).channel === TEAM_CHANNEL,
      );
    // The 20 pages are all Ada's: her DM is paced like any channel, a burst of 3, then one a second (virtual time);
    // the pages that waited for it go together, in one list. (The team channel's posts, checked below, are paced
    // the same way meanwhile.)
    const bundleOf = (outboxId: number) =>
      bundleOfPayload(
        (sqliteOf(h.baton.db).prepare('select payload from outbox where id = ?').get(outboxId) as { payload: string }).payload,
      );
    const paged = () => h.slack.standin.calls.flatMap((c) => pagedIncidentsOf(c, bundleOf));
    const teamPostsSentAtOnce = (await teamPosts()).filter((r) => r.status === 'sent').length;
    expect(h.slack.dmsTo(ADA).length).toBeLessThanOrEqual(CHANNEL_POST_PACE.burst);
    for (let second = 1; second <= 30 && paged().length < 20; second += 1) {
      h.clock.advanceSeconds(1);
      await h.baton.drain();
      expect(h.slack.dmsTo(ADA).length).toBeLessThanOrEqual(CHANNEL_POST_PACE.burst + second);
    }
    // Every incident paged once: three cards, then the rest in as few lists as the pace allows.
    expect(paged().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(h.slack.dmsTo(ADA).length).toBeLessThan(20);
    // Card updates for alert-only changes are throttled per incident, not one per payload.
    expect(h.slack.standin.calls.filter((c) => c.method === 'chat.update').length).toBeLessThan(200);

    expect(teamPostsSentAtOnce).toBeLessThanOrEqual(CHANNEL_POST_PACE.burst + 1);
    // The links come once each incident channel exists, and channels are made at Slack's pace (Tier 2).
    for (
      let second = 0;
      second < 180 && ((await teamPosts()).length < 40 || (await teamPosts()).some((r) => r.status !== 'sent'));
      second += 1
    ) {
      h.clock.advanceSeconds(1);
      await h.baton.drain();
    }
    const sentAt = (await teamPosts()).map((r) => r.sentAt!).sort((a, b) => a - b);
    expect(sentAt).toHaveLength(40);
    for (const start of sentAt) {
      const inTenSeconds = sentAt.filter((t) => t >= start && t < start + 10_000).length;
      expect(inTenSeconds).toBeLessThanOrEqual(CHANNEL_POST_PACE.burst + 10);
    }
    expect(h.slack.standin.messages(TEAM_CHANNEL).filter((m) => !m.threadTs)).toHaveLength(20);
  }, 60_000);
});

describe('card updates in a busy channel', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    h.slack.expectNoContractViolations();
    await h.stop();
  });

  it("are spaced a second apart across incidents, so Slack's per-channel limit is not hit", async () => {
    const group = (name: string) => {
      const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as {
        groupKey: string;
        alerts: { fingerprint: string }[];
        commonAnnotations: Record<string, string>;
      };
      body.groupKey = `{}:{alertname="${name}"}`;
      body.alerts[0]!.fingerprint = name;
      body.commonAnnotations = { ...body.commonAnnotations, summary: `${name} is failing` };
      return body;
    };
    await h.postAlertmanager(group('Alpha'));
    await h.postAlertmanager(group('Beta'));
    const alpha = await h.slack.expectDM(ADA, 'Alpha is failing');
    const beta = await h.slack.expectDM(ADA, 'Beta is failing');
    const betaCard = await h.slack.expectChannelMessage(TEAM_CHANNEL, 'Beta is failing');
    h.clock.advanceSeconds(5);
    await h.baton.drain();

    await alpha.click('Acknowledge', { as: ADA });
    await alpha.waitForUpdate(/Acknowledged/);
    await beta.click('Acknowledge', { as: ADA });
    // The click is acknowledged to Slack before it is acted on: wait for the act, then let the outbox run.
    // Polled here rather than with the stand-in's waitFor, whose check cannot wait for the database.
    const allAcknowledged = async () =>
      (await h.baton.db.query((q) => q.select().from(incidents))).every((i) => i.status === 'acknowledged');
    for (let waited = 0; !(await allAcknowledged()); waited += 25) {
      if (waited >= 3000) throw new Error('the incidents were not all acknowledged within 3000 ms');
      await new Promise((r) => setTimeout(r, 25));
    }
    await h.baton.drain();
    // Alpha's card in the team channel was just updated: Beta's waits its turn (still correct once sent).
    expect(betaCard.text).toContain('Triggered');
    h.clock.advanceSeconds(1);
    await h.baton.drain();
    await betaCard.waitForUpdate(/Acknowledged/);
    await beta.waitForUpdate(/Acknowledged/);
  });
});
