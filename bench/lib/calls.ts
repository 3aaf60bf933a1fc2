import type Database from 'better-sqlite3';
import type { SlackCall, SlackStandIn } from '../../devtools/slack/server.js';

/** What the bench reads from the stand-in's call log. */

const ok = (c: SlackCall) => c.status === 200 && (c.response as { ok?: boolean }).ok === true;

/** A page is a card DMed to a person: chat.postMessage to a user ID. */
export const isPage = (c: SlackCall) => c.method === 'chat.postMessage' && /^[UW]/.test(String(c.args.channel)) && ok(c);

/** The incident a card names (`[CRITICAL] #12 title ...`), or null. */
export function incidentOf(c: SlackCall): number | null {
  const m = /\] #(\d+) /.exec(String(c.args.text ?? ''));
  return m ? Number(m[1]) : null;
}

/** The alert group a card names (`Bench alert group N`), or null. */
export function groupOf(c: SlackCall): number | null {
  const m = /Bench alert group (\d+)/.exec(String(c.args.text ?? ''));
  return m ? Number(m[1]) : null;
}

/** A page that lists several incidents: pages that waited for the person's DM, sent together. */
const isBundle = (c: SlackCall) => /^You are paged for \d+ incidents/.test(String(c.args.text ?? ''));

/**
 * The alert groups a page pages for: its card's group, or for a page listing several, every incident it listed
 * (the message shows the first 25; the full list is its outbox row's, read from Baton's database by the outbox
 * id Baton puts in every post's metadata).
 */
export function pagedGroups(c: SlackCall, db: Database.Database): number[] {
  if (!isBundle(c)) {
    const g = groupOf(c);
    return g === null ? [] : [g];
  }
  const metadata = c.args.metadata as { event_payload?: { outbox_id?: number } } | undefined;
  const row = db.prepare('select payload from outbox where id = ?').get(metadata?.event_payload?.outbox_id) as
    | { payload: string }
    | undefined;
  const ids = row ? ((JSON.parse(row.payload) as { bundle?: number[] }).bundle ?? []) : [];
  const title = db.prepare('select title from incidents where id = ?');
  return ids.flatMap((id) => {
    const m = /Bench alert group (\d+)/.exec((title.get(id) as { title: string } | undefined)?.title ?? '');
    return m ? [Number(m[1])] : [];
  });
}

/** The most of `times` (ms, any order) that fall in any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j += 1) {
    while (t[j]! - t[i]! >= windowMs) i += 1;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export interface ChannelPace {
  /** The channel (or DM) with the most posts in any window of the size, and that count. */
  max1s: { channel: string; posts: number };
  max10s: { channel: string; posts: number };
  max60s: { channel: string; posts: number };
  /** Within Slack's posting limit as the stand-in models it: at most burst + (T - 1) posts in any T seconds. */
  withinOnePerSecond: boolean;
}

/** Posts (chat.postMessage that Slack accepted) per channel, DMs keyed by the DM channel they land in. */
export function channelPace(standin: SlackStandIn, calls: SlackCall[], burst = 3): ChannelPace {
  const byChannel = new Map<string, number[]>();
  for (const c of calls) {
    if (c.method !== 'chat.postMessage' || !ok(c)) continue;
    const raw = String(c.args.channel);
    const channel = /^[UW]/.test(raw) ? standin.dmChannelOf(raw) : raw;
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), c.at]);
  }
  const worst = (windowMs: number) => {
    let best = { channel: '-', posts: 0 };
    for (const [channel, times] of byChannel) {
      const posts = maxInWindow(times, windowMs);
      if (posts > best.posts) best = { channel, posts };
    }
    return best;
  };
  const max1s = worst(1000);
  const max10s = worst(10_000);
  const max60s = worst(60_000);
  return { max1s, max10s, max60s, withinOnePerSecond: max1s.posts <= burst && max10s.posts <= burst + 9 && max60s.posts <= burst + 59 };
}

/** Calls of `method` that Slack accepted: the most in any minute, and the count. */
export function methodPace(calls: SlackCall[], method: string): { total: number; maxPerMinute: number } {
  const times = calls.filter((c) => c.method === method && c.status === 200).map((c) => c.at);
  return { total: times.length, maxPerMinute: maxInWindow(times, 60_000) };
}

export function countByMethod(calls: SlackCall[], filter: (c: SlackCall) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) if (filter(c)) out[c.method] = (out[c.method] ?? 0) + 1;
  return out;
}

/** Calls refused at most this much before the limit allowed them could be network jitter. */
export const JITTER_MS = 250;

/**
 * 429s the stand-in answered, by method, with how early they came: a call that came less than JITTER_MS
 * early was timed right by a client that counts from when it decides to call rather than when the call
 * arrives; one a whole interval early was a call too many.
 */
export function refusals(standin: SlackStandIn): {
  total: number;
  beyondJitter: number;
  byLimit: Record<string, number>;
  maxEarlyMs: number;
  medianEarlyMs: number;
  first: Array<{ limit: string; earlyMs: number }>;
} {
  const list = standin.rateLimits?.refusals ?? [];
  const byLimit: Record<string, number> = {};
  for (const r of list) {
    const key = r.limit.startsWith('channel:') ? `${r.method} per channel` : r.method;
    byLimit[key] = (byLimit[key] ?? 0) + 1;
  }
  const early = list.map((r) => r.earlyMs).sort((a, b) => a - b);
  return {
    total: list.length,
    beyondJitter: list.filter((r) => r.earlyMs >= JITTER_MS).length,
    byLimit,
    maxEarlyMs: Math.round(early.at(-1) ?? 0),
    medianEarlyMs: Math.round(early[Math.floor(early.length / 2)] ?? 0),
    first: list.slice(0, 20).map((r) => ({ limit: r.limit, earlyMs: Math.round(r.earlyMs) })),
  };
}
