import Database from 'better-sqlite3';
import { Agent } from 'node:http';
import { CHECKOUT_BEARER, startBatonMain } from './lib/baton-main.js';
import { incidentOf, isPage, pagedGroups, refusals } from './lib/calls.js';
import { benchConfig } from './lib/config.js';
import { percentile, post, sleep } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';

const BACKGROUND_GROUP = 100_000;
const SAMPLE_GROUP = 300_000;
const ESCALATION_GROUP = 400_000;

/**
 * Two timings on one Baton, both with `backgroundPerSecond` new alerts a second going into 20 open
 * incidents of another service the whole time:
 * - page latency: from Baton's answer to an alert that opens an incident to the DM's arrival at the Slack
 *   stand-in. `samples` new incidents, `samplesPerSecond`, spread over `people` services each paging its own
 *   person (Slack takes one message a second per DM, so the samples measure Baton, not Slack's pace);
 * - escalation lateness: `escalations` incidents (one every `escalationSpacingMs`) on the example service,
 *   whose policy here escalates after 1 minute; from the incident's next_escalation_at to the arrival of
 *   the second level's DM at the stand-in.
 */
export async function benchLatency(
  opts: {
    samples?: number;
    samplesPerSecond?: number;
    people?: number;
    backgroundPerSecond?: number;
    escalations?: number;
    escalationSpacingMs?: number;
  } = {},
) {
  const samples = opts.samples ?? 200;
  const samplesPerSecond = opts.samplesPerSecond ?? 4;
  const people = opts.people ?? 6;
  const backgroundPerSecond = opts.backgroundPerSecond ?? 200;
  const escalations = opts.escalations ?? 20;
  const escalationSpacingMs = opts.escalationSpacingMs ?? 2500;
  const config = benchConfig({ escalationMinutes: 1, extraServices: 1 + people });
  const baton = await startBatonMain({ configYaml: config.yaml, channels: config.channels });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const keyUrl = (key: string) => new URL(`${baton.url}/integrations/alertmanager/${key}`);
  const backgroundUrl = keyUrl(config.extra[0]!.key);
  const sampleUrls = config.extra.slice(1).map((s) => keyUrl(s.key));
  const checkout = new URL(baton.ingestUrl);
  const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };

  const answeredAt = new Map<number, number>();
  const pageLatencies: number[] = [];
  // Baton's database, read beside it: the incidents a page listing several named.
  const reader = new Database(baton.dbPath, { readonly: true });
  const stopListening = baton.standin.onCall((call) => {
    if (!isPage(call)) return;
    for (const group of pagedGroups(call, reader)) {
      const answered = answeredAt.get(group);
      if (answered !== undefined && group >= SAMPLE_GROUP && group < SAMPLE_GROUP + samples) {
        pageLatencies.push(performance.now() - answered);
        answeredAt.delete(group);
      }
    }
  });

  // Background: new alerts into 20 incidents of their own service, opened first.
  for (let g = 0; g < 20; g += 1) await post(agent, backgroundUrl, alertmanagerPayload(BACKGROUND_GROUP + g, 0));
  let backgroundSent = 0;
  const backgroundFailed: Record<number, number> = {};
  const backgroundInFlight = new Set<Promise<void>>();
  const backgroundStarted = performance.now();
  const background = setInterval(() => {
    const due = Math.floor(((performance.now() - backgroundStarted) / 1000) * backgroundPerSecond);
    while (backgroundSent < due) {
      backgroundSent += 1;
      const n = backgroundSent;
      const sending = post(agent, backgroundUrl, alertmanagerPayload(BACKGROUND_GROUP + (n % 20), n)).then((a) => {
        if (a.status !== 200) backgroundFailed[a.status] = (backgroundFailed[a.status] ?? 0) + 1;
        backgroundInFlight.delete(sending);
      });
      backgroundInFlight.add(sending);
    }
  }, 10);
  await sleep(2000);

  // Escalations: opened one by one; each one's due time is read from the database.
  const db = new Database(baton.dbPath, { readonly: true });
  const dueAt = new Map<number, number>();
  const escalationsOpened = (async () => {
    for (let e = 0; e < escalations; e += 1) {
      const answer = await post(agent, checkout, alertmanagerPayload(ESCALATION_GROUP + e, 0), headers);
      const id = answer.status === 200 ? (JSON.parse(answer.body) as { incident_id: number | null }).incident_id : null;
      const row =
        id === null
          ? undefined
          : (db.prepare('select next_escalation_at as at from incidents where id = ?').get(id) as { at: number | null } | undefined);
      if (id !== null && row?.at) dueAt.set(id, row.at);
      await sleep(escalationSpacingMs);
    }
  })();

  // Page samples, round robin over the people.
  const started = performance.now();
  for (let i = 0; i < samples; i += 1) {
    const answer = await post(agent, sampleUrls[i % sampleUrls.length]!, alertmanagerPayload(SAMPLE_GROUP + i, 0));
    if (answer.status === 200) answeredAt.set(SAMPLE_GROUP + i, performance.now());
    const wait = started + ((i + 1) * 1000) / samplesPerSecond - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await escalationsOpened;
  const lastDue = Math.max(0, ...dueAt.values());
  const escalationDm = (id: number, due: number) =>
    baton.standin.calls.find((c) => isPage(c) && incidentOf(c) === id && c.at >= due - 30_000);
  // Wait for the last escalation's DM (up to 30 s past its due time) and the last page samples.
  await baton.standin
    .waitFor(
      () => [...dueAt].every(([id, due]) => escalationDm(id, due)) && answeredAt.size === 0,
      Math.max(10_000, lastDue + 30_000 - Date.now()),
    )
    .catch(() => {});
  const seconds = (performance.now() - backgroundStarted) / 1000;
  clearInterval(background);
  await Promise.all(backgroundInFlight);
  stopListening();
  reader.close();
  const lateness: number[] = [];
  let escalationsMissing = 0;
  for (const [id, due] of dueAt) {
    const dm = escalationDm(id, due);
    if (dm) lateness.push(dm.at - due);
    else escalationsMissing += 1;
  }
  db.close();
  const peakRssMb = baton.peakRssMb();
  const log = baton.logSummary();
  const limited = refusals(baton.standin);
  const total429 = baton.standin.calls.filter((c) => c.status === 429).length;
  agent.destroy();
  await baton.close();
  pageLatencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  return {
    samples: pageLatencies.length,
    samplesSent: samples,
    people,
    medianMs: percentile(pageLatencies, 50),
    p99Ms: percentile(pageLatencies, 99),
    maxMs: pageLatencies.at(-1) ?? NaN,
    backgroundAlertsPerSecond: Math.round(backgroundSent / seconds),
    backgroundFailed,
    escalations: lateness.length,
    escalationsMissing,
    escalationLateMedianMs: percentile(lateness, 50),
    escalationLateP99Ms: percentile(lateness, 99),
    escalationLateMaxMs: lateness.at(-1) ?? NaN,
    slack429: total429,
    slack429ByLimit: limited.byLimit,
    slack429BeyondJitter: limited.beyondJitter,
    slack429First: limited.first,
    peakRssMb: Math.round(peakRssMb),
    log,
  };
}
