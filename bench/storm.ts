import Database from 'better-sqlite3';
import { Agent } from 'node:http';
import { CHECKOUT_BEARER, startBatonMain } from './lib/baton-main.js';
import { channelPace, countByMethod, isPage, methodPace, pagedGroups, refusals } from './lib/calls.js';
import { benchConfig } from './lib/config.js';
import { percentile, post, sleep } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';

const STORM_GROUP = 200_000;

/**
 * `alerts` alerts spread evenly over `seconds` (open loop, 100 ms steps), across `groups` alert groups,
 * every alert distinct, into Baton against a stand-in that enforces Slack's limits. Then waits up to
 * `drainSeconds` for the outbox to empty, and reads the call log: 429s, posts per channel, chat.update per
 * minute, pages per group.
 */
export async function benchStorm(alerts = 10_000, seconds = 60, groups = 20, drainSeconds = 60) {
  const config = benchConfig();
  const baton = await startBatonMain({ configYaml: config.yaml, channels: config.channels });
  const url = new URL(baton.ingestUrl);
  const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const send = async (i: number) => {
    const sentAt = performance.now();
    const { status } = await post(agent, url, alertmanagerPayload(STORM_GROUP + (i % groups), i), headers);
    latencies.push(performance.now() - sentAt);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };
  const stepMs = 100;
  const steps = Math.max(1, Math.round((seconds * 1000) / stepMs));
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const startedAt = Date.now();
  let next = 0;
  for (let step = 1; step <= steps; step += 1) {
    const target = Math.round((alerts * step) / steps);
    while (next < target) inFlight.push(send(next++));
    const wait = started + step * stepMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  const sentSeconds = (performance.now() - started) / 1000;

  // After the storm: wait for what it queued to go out (at Slack's pace), as it would after a real storm.
  const db = new Database(baton.dbPath, { readonly: true });
  const pending = () => (db.prepare("select count(*) as n from outbox where status in ('pending', 'sending')").get() as { n: number }).n;
  const drainStarted = Date.now();
  while (pending() > 0 && Date.now() - drainStarted < drainSeconds * 1000) await sleep(250);
  const drainedAfterSeconds = (Date.now() - drainStarted) / 1000;
  const stillPending = pending();
  const pendingByKind = Object.fromEntries(
    (
      db
        .prepare(
          "select kind, count(*) as n, min(next_attempt_at) as due, max(last_error) as why from outbox where status in ('pending', 'sending') group by kind",
        )
        .all() as { kind: string; n: number; due: number; why: string | null }[]
    ).map((r) => [r.kind, { n: r.n, dueInSeconds: Math.round((r.due - Date.now()) / 1000), lastError: r.why }]),
  );
  // Pages per group, a page listing several counting once for each incident it listed.
  const pagesPerGroup = new Map<number, number>();
  for (const c of baton.standin.calls.filter(isPage)) {
    for (const g of pagedGroups(c, db)) pagesPerGroup.set(g, (pagesPerGroup.get(g) ?? 0) + 1);
  }
  const incidents = (db.prepare('select count(*) as n from incidents').get() as { n: number }).n;
  const stored = (db.prepare('select count(*) as n from alerts').get() as { n: number }).n;
  const payloads = (db.prepare('select count(*) as n from raw_payloads').get() as { n: number }).n;
  db.close();
  const peakRssMb = baton.peakRssMb();
  const log = baton.logSummary();
  agent.destroy();

  const calls = baton.standin.calls;
  const pace = channelPace(baton.standin, calls);
  const update = methodPace(calls, 'chat.update');
  const create = methodPace(calls, 'conversations.create');
  const limited = refusals(baton.standin);
  const spanMinutes = Math.max(1 / 60, ((calls.at(-1)?.at ?? startedAt) - startedAt) / 60_000);
  await baton.close();

  const perGroup = [...pagesPerGroup.values()];
  latencies.sort((a, b) => a - b);
  return {
    alertsSent: alerts,
    seconds,
    sentSeconds,
    groups,
    answered2xx: [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0),
    answerP99Ms: percentile(latencies, 99),
    incidentsOpened: incidents,
    alertsStored: stored,
    payloadsStored: payloads,
    groupsPaged: pagesPerGroup.size,
    pagesPerGroupMin: perGroup.length ? Math.min(...perGroup) : 0,
    pagesPerGroupMax: perGroup.length ? Math.max(...perGroup) : 0,
    pages: perGroup.reduce((a, b) => a + b, 0),
    slack429: calls.filter((c) => c.status === 429).length,
    slack429ByLimit: limited.byLimit,
    slack429BeyondJitter: limited.beyondJitter,
    slack429First: limited.first,
    slack429MaxEarlyMs: limited.maxEarlyMs,
    slack429MedianEarlyMs: limited.medianEarlyMs,
    channelPace: pace,
    chatUpdate: { ...update, perMinuteOverall: update.total / spanMinutes },
    conversationsCreate: create,
    slackCalls: countByMethod(calls),
    outboxDrainedAfterSeconds: stillPending === 0 ? drainedAfterSeconds : null,
    outboxStillPending: stillPending,
    outboxPendingByKind: pendingByKind,
    peakRssMb: Math.round(peakRssMb),
    log,
  };
}
