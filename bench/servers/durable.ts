import Database from 'better-sqlite3';
import { createServer, type ServerResponse } from 'node:http';

/**
 * The durable baseline: the least a server can do and still answer 2xx only for what is on disk. node:http
 * and better-sqlite3 (WAL, synchronous=FULL: as durable as Baton's WalSync, ADR 3); each request's body is parsed as
 * JSON and stored as one row; every request that arrived within the same BENCH_COMMIT_WINDOW_MS (default 2)
 * is committed in one transaction, and each is answered after that commit.
 */
const db = new Database(process.env.BENCH_DB!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('create table if not exists payloads (id integer primary key, received_at integer not null, fingerprint text, body text not null)');
const insert = db.prepare('insert into payloads (received_at, fingerprint, body) values (?, ?, ?)');
const windowMs = Number(process.env.BENCH_COMMIT_WINDOW_MS ?? 2);

let queue: Array<{ body: string; fingerprint: string | null; res: ServerResponse }> = [];
let scheduled = false;
const commit = db.transaction((batch: typeof queue, now: number) => {
  for (const item of batch) insert.run(now, item.fingerprint, item.body);
});
const flush = () => {
  scheduled = false;
  const batch = queue;
  queue = [];
  try {
    commit(batch, Date.now());
    for (const { res } of batch) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } catch {
    for (const { res } of batch) res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"error"}');
  }
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let fingerprint: string | null = null;
    try {
      fingerprint = (JSON.parse(body) as { alerts?: { fingerprint?: string }[] }).alerts?.[0]?.fingerprint ?? null;
    } catch {
      res.writeHead(400).end();
      return;
    }
    queue.push({ body, fingerprint, res });
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, windowMs);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port });
});
process.on('message', (m) => {
  if (m === 'stop')
    server.close(() => {
      db.close();
      process.exit(0);
    });
});
