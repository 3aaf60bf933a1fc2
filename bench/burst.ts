import Database from 'better-sqlite3';
import { Agent } from 'node:http';
import type { SlackCall } from '../devtools/slack/server.js';
import { CHECKOUT_BEARER, startBatonMain } from './lib/baton-main.js';
import { groupOf, isPage, pagedGroups, refusals } from './lib/calls.js';
import { benchConfig } from './lib/config.js';
import { blast, percentile, post, sleep } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';

const OLDER_GROUP = 900_000;
const BURST_GROUP = 1_000_000;

/**
 * `groups` new alert groups at once (64 senders, as fast as Baton answers), each opening an incident that
 * pages the on-call person, while `older` incidents opened before the burst keep getting new alerts (so
 * their cards are due for refreshes). Reads the stand-in's call log for the order: were all the burst's pages
 * sent before any card refresh (chat.update) of an older incident? Watches for up to `watchSeconds` after the
 * burst; it stops sooner once the answer is known.
 */
export async function benchBurst(groups = 1000, watchSeconds = 60, older = 5) {
  const config = benchConfig();
  const baton = await startBatonMain({ configYaml: config.yaml, channels: config.channels });
  const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };
  const url = new URL(baton.ingestUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const calls = baton.standin.calls;

  // The older incidents, paged and posted before the burst begins.
  for (let k = 0; k < older; k += 1) await post(agent, url, alertmanagerPayload(OLDER_GROUP + k, 0), headers);
  const olderGroups = new Set(Array.from({ length: older }, (_, k) => OLDER_GROUP + k));
  await baton.standin.waitFor(() => new Set(calls.filter(isPage).map(groupOf)).size >= older, 30_000).catch(() => {});
  await sleep(5000);

  // New alerts in the older groups, four a second, from the burst to the end of the watch.
  let trickle = 0;
  const trickleTimer = setInterval(() => {
    trickle += 1;
    void post(agent, url, alertmanagerPayload(OLDER_GROUP + (trickle % older), trickle), headers);
  }, 250);

  const firstCall = calls.length;
  const burstStartedAt = Date.now();
  const run = await blast({
    url: baton.ingestUrl,
    total: groups,
    concurrency: 64,
    body: (i) => alertmanagerPayload(BURST_GROUP + i, 0),
    headers,
    warmPath: '/healthz',
  });
  const burstEndedAt = Date.now();

  // Which group each posted message (channel, ts) belongs to, so a chat.update names its incident's group.
  const messageGroup = new Map<string, number>();
  const isBurstGroup = (g: number | null) => g !== null && g >= BURST_GROUP && g < BURST_GROUP + groups;
  let scanned = 0;
  const paged = new Set<number>();
  let lastPage: SlackCall | null = null;
  let firstOlderRefresh: SlackCall | null = null;
  let pagesBeforeFirstOlderRefresh = 0;
  let refreshesBeforeLastPage = 0;
  let pageMessages = 0;
  // Baton's database, read beside it: the incidents a page listing several named.
  const reader = new Database(baton.dbPath, { readonly: true });
  const scan = () => {
    for (; scanned < calls.length; scanned += 1) {
      const c = calls[scanned]!;
      if (c.method === 'chat.postMessage' && c.status === 200) {
        const r = c.response as { channel?: string; ts?: string };
        const g = groupOf(c);
        if (r.ts && g !== null) messageGroup.set(`${r.channel}|${r.ts}`, g);
      }
      if (scanned < firstCall) continue;
      if (isPage(c)) {
        const burstGroups = pagedGroups(c, reader).filter(isBurstGroup);
        for (const g of burstGroups) paged.add(g);
        if (burstGroups.length > 0) {
          lastPage = c;
          pageMessages += 1;
        }
      }
      if (c.method === 'chat.update' && c.status === 200) {
        const g = messageGroup.get(`${String(c.args.channel)}|${String(c.args.ts)}`);
        if (g !== undefined && olderGroups.has(g) && firstOlderRefresh === null && paged.size < groups) {
          firstOlderRefresh = c;
          pagesBeforeFirstOlderRefresh = paged.size;
        }
        if (paged.size < groups) refreshesBeforeLastPage += 1;
      }
    }
  };
  const watchUntil = burstEndedAt + watchSeconds * 1000;
  while (Date.now() < watchUntil) {
    scan();
    if (paged.size >= groups) break;
    // The answer is known (a refresh went before a page): watch a little longer for the pages' pace, then stop.
    if (firstOlderRefresh && Date.now() - burstEndedAt > 15_000) break;
    await sleep(200);
  }
  scan();
  reader.close();
  const watchedSeconds = (Date.now() - burstEndedAt) / 1000;
  clearInterval(trickleTimer);
  const peakRssMb = baton.peakRssMb();
  const log = baton.logSummary();
  const db = new Database(baton.dbPath, { readonly: true });
  const opened = (db.prepare('select count(*) as n from incidents where id > ?').get(older) as { n: number }).n;
  db.close();
  const limited = refusals(baton.standin);
  const total429 = calls.filter((c) => c.status === 429).length;
  agent.destroy();
  await baton.close();

  const refresh = firstOlderRefresh as SlackCall | null;
  const last = lastPage as SlackCall | null;
  const allPaged = paged.size >= groups;
  // true: every page before any older refresh; false: a refresh came first; null: not known within the watch.
  const pagesFirst = refresh !== null ? false : allPaged ? true : null;
  return {
    groups,
    alertsPerSecond: Math.round(run.perSecond),
    answerP50Ms: percentile(run.latenciesMs, 50),
    answerP90Ms: percentile(run.latenciesMs, 90),
    answerP99Ms: percentile(run.latenciesMs, 99),
    answerMaxMs: run.latenciesMs.at(-1) ?? NaN,
    non2xx: groups - run.ok,
    incidentsOpened: opened,
    burstSeconds: (burstEndedAt - burstStartedAt) / 1000,
    watchedSeconds,
    pagesSent: paged.size,
    /** DMs the pages went in: pages that waited for the person's DM pace went together, several in one. */
    pageMessages,
    lastPageAfterSeconds: last ? (last.at - burstStartedAt) / 1000 : null,
    firstOlderRefreshAfterSeconds: refresh ? (refresh.at - burstStartedAt) / 1000 : null,
    pagesBeforeFirstOlderRefresh: refresh ? pagesBeforeFirstOlderRefresh : null,
    cardRefreshesBeforeLastPage: refreshesBeforeLastPage,
    pagesFirst,
    slack429: total429,
    slack429ByLimit: limited.byLimit,
    slack429BeyondJitter: limited.beyondJitter,
    slack429First: limited.first,
    peakRssMb: Math.round(peakRssMb),
    log,
  };
}
