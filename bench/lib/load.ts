import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  ok: number;
  statuses: Record<number, number>;
  seconds: number;
  perSecond: number;
  /** Each request's time from sending to the end of its answer, sorted, in ms. */
  latenciesMs: number[];
}

export interface Answer {
  status: number;
  body: string;
}

/** One POST over `agent`; status 0 when the connection failed. */
export function post(agent: Agent, url: URL, payload: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(payload);
  });
}

/** One GET; its status, body and time in ms. */
export async function get(url: string): Promise<Answer & { ms: number }> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started };
}

/**
 * Sends `total` POSTs from `concurrency` senders over keep-alive connections, as fast as the server
 * answers (closed loop). `body(i)` gives the i-th request body, so every request can differ.
 */
export async function blast(opts: {
  url: string;
  total: number;
  concurrency: number;
  body: (i: number) => string;
  headers?: Record<string, string>;
  /**
   * A path each sender GETs once before the clock starts, so every sender has its keep-alive connection open:
   * a sender in a storm (Alertmanager) has been sending, and the first answers should not include 64 TCP
   * connections opened at once.
   */
  warmPath?: string;
}): Promise<LoadResult> {
  const target = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  if (opts.warmPath) {
    const warm = new URL(opts.warmPath, target);
    await Promise.all(
      Array.from(
        { length: opts.concurrency },
        () =>
          new Promise<void>((resolve) => {
            const req = request({ agent, host: warm.hostname, port: warm.port, path: warm.pathname, method: 'GET' }, (res) => {
              res.resume();
              res.on('end', () => resolve());
            });
            req.on('error', () => resolve());
            req.end();
          }),
      ),
    );
  }
  const statuses: Record<number, number> = {};
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < opts.total) {
      const i = next++;
      const payload = opts.body(i);
      const sentAt = performance.now();
      const { status } = await post(agent, target, payload, opts.headers);
      latenciesMs.push(performance.now() - sentAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, sender));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latenciesMs.sort((a, b) => a - b);
  const ok = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
    .reduce((n, [, c]) => n + c, 0);
  return { requests: opts.total, ok, statuses, seconds, perSecond: opts.total / seconds, latenciesMs };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A whole-number environment variable, or the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}
