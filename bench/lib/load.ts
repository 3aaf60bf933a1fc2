import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  ok: number;
  statuses: Record<number, number>;
  seconds: number;
  perSecond: number;
}

/**
 * Sends `total` POSTs from `concurrency` senders over keep-alive connections, as fast as the server
 * answers. `body(i)` gives the i-th request body, so every sender can vary its payload.
 */
export async function blast(opts: {
  url: string;
  total: number;
  concurrency: number;
  body: (i: number) => string;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const target = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  const one = (payload: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(opts.headers ?? {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const sender = async () => {
    while (next < opts.total) {
      const i = next++;
      const status = await one(opts.body(i)).catch(() => 0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, sender));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const ok = Object.entries(statuses).filter(([s]) => Number(s) >= 200 && Number(s) < 300).reduce((n, [, c]) => n + c, 0);
  return { requests: opts.total, ok, statuses, seconds, perSecond: opts.total / seconds };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}
