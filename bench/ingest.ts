import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKOUT_BEARER, startBatonMain } from './lib/baton-main.js';
import { refusals } from './lib/calls.js';
import { benchConfig } from './lib/config.js';
import { blast, percentile, type LoadResult } from './lib/load.js';
import { alertmanagerPayload } from './lib/payloads.js';
import { forkServer } from './lib/processes.js';

/**
 * Ingest throughput, closed loop from 64 keep-alive senders, one alert per Alertmanager notification.
 * Every alert is new by default: a new fingerprint in one of `groups` alert groups whose incidents the
 * warm-up opened (so each request stores an alert and its payload, and marks the incident's cards for a
 * refresh). The same bodies go to a bare node:http server that answers 200 and to the group-commit
 * durable server (bench/servers/durable.ts). The three run side by side for `rounds` rounds of `total`
 * alerts, one server after the other in each round, so a burst of load from elsewhere on the machine hits
 * one round of all three rather than one server; the medians are reported. Then the first round's alerts
 * are sent to Baton again: unchanged re-sends, the cheapest path, measured separately.
 */
export async function benchIngest(total = 20_000, rounds = 3, groups = 100) {
  const warm = Math.max(groups, Math.round(total / 10));
  // Warm-up alerts are 0..warm-1, round r's alerts follow: every one distinct.
  const warmBody = (i: number) => alertmanagerPayload(i % groups, i);
  const roundBody = (r: number) => (i: number) => alertmanagerPayload(i % groups, warm + r * total + i);
  const concurrency = 64;
  const headers = { authorization: `Bearer ${CHECKOUT_BEARER}` };

  const durableDir = mkdtempSync(join(tmpdir(), 'baton-bench-durable-'));
  const bare = await forkServer('bare.ts');
  const durable = await forkServer('durable.ts', { BENCH_DB: join(durableDir, 'durable.sqlite') });
  const config = benchConfig();
  const baton = await startBatonMain({ configYaml: config.yaml, channels: config.channels });
  await blast({ url: `${bare.url}/`, total: warm, concurrency, body: warmBody });
  await blast({ url: `${durable.url}/`, total: warm, concurrency, body: warmBody });
  await blast({ url: baton.ingestUrl, total: warm, concurrency, body: warmBody, headers });

  const runs: Array<{ bare: LoadResult; durable: LoadResult; baton: LoadResult }> = [];
  for (let r = 0; r < rounds; r += 1) {
    const body = roundBody(r);
    runs.push({
      bare: await blast({ url: `${bare.url}/`, total, concurrency, body }),
      durable: await blast({ url: `${durable.url}/`, total, concurrency, body }),
      baton: await blast({ url: baton.ingestUrl, total, concurrency, body, headers }),
    });
  }
  const resendRun = await blast({ url: baton.ingestUrl, total, concurrency, body: roundBody(0), headers });
  const peakRssMb = baton.peakRssMb();
  const log = baton.logSummary();
  const limited = refusals(baton.standin);
  await baton.close();
  await bare.stop();
  await durable.stop();
  rmSync(durableDir, { recursive: true, force: true });

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const perSecond = (pick: (run: (typeof runs)[number]) => LoadResult) => Math.round(median(runs.map((run) => pick(run).perSecond)));
  return {
    alerts: total,
    rounds,
    groups,
    concurrency,
    alertsPerSecond: perSecond((run) => run.baton),
    answerP99Ms: median(runs.map((run) => percentile(run.baton.latenciesMs, 99))),
    non2xx: runs.reduce((n, run) => n + total - run.baton.ok, 0),
    resendAlertsPerSecond: Math.round(resendRun.perSecond),
    resendNon2xx: total - resendRun.ok,
    durableRequestsPerSecond: perSecond((run) => run.durable),
    durableNon2xx: runs.reduce((n, run) => n + total - run.durable.ok, 0),
    bareRequestsPerSecond: perSecond((run) => run.bare),
    ratioToDurable: median(runs.map((run) => run.baton.perSecond / run.durable.perSecond)),
    ratioToBare: median(runs.map((run) => run.baton.perSecond / run.bare.perSecond)),
    byRound: runs.map((run) => ({
      baton: Math.round(run.baton.perSecond),
      durable: Math.round(run.durable.perSecond),
      bare: Math.round(run.bare.perSecond),
    })),
    peakRssMb: Math.round(peakRssMb),
    log,
    slack429: limited.total,
  };
}
