import type { IncomingMessage, ServerResponse } from 'node:http';
import { settings } from '../../db/schema.js';
import type { DB } from '../../db/client.js';
import { sendJson } from '../io.js';

export interface SlackHealth {
  ok: boolean;
  mode: string;
  error?: string;
}

export interface DatabaseHealth {
  ok: boolean;
  error?: string;
}

/** The settings row the write probe rewrites; created at start, so probes never add rows. */
const PROBE_KEY = 'write_probe';

/**
 * Proves the database takes writes: a committed upsert of one settings row. A read (`select 1`) answers
 * while the file is read-only or the disk is full and every alert gets 503; a real commit fails then.
 * A success is reused for a second, so a flood of probes cannot become a flood of fsyncs that delays ingest;
 * a failure is not reused, so recovery shows at once.
 */
export class DatabaseWriteProbe {
  private lastSuccessAtMs = -Infinity;

  constructor(
    private readonly db: DB,
    private readonly reuseSuccessMs = 1000,
  ) {}

  /** Creates the probe's row; call once at start, before serving. */
  async init(): Promise<void> {
    try {
      await this.write();
    } catch {
      // A database that cannot be written at start is reported by check(); Baton still starts and serves reads.
    }
  }

  async check(): Promise<DatabaseHealth> {
    const now = performance.now();
    if (now - this.lastSuccessAtMs < this.reuseSuccessMs) return { ok: true };
    try {
      await this.write();
      this.lastSuccessAtMs = now;
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  private async write(): Promise<void> {
    // Wall time, so the row changes on every probe and the commit has a page to write.
    const value = String(Date.now());
    // A unit of its own: the upsert commits by itself.
    await this.db.query(async (q) => {
      await q.insert(settings).values({ key: PROBE_KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
    });
  }
}

/** GET /livez: the process is up and its event loop answers. Restart it only when this fails. */
export function livezRoute() {
  return (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' });
}

export interface ReadinessDeps {
  database: DatabaseWriteProbe;
  slackHealth: () => Promise<SlackHealth>;
  slackMode: string;
  outboxBacklog: () => Promise<{ pending: number; failed: number }>;
  twilioConfigured: boolean;
}

/** Slack is asked (auth.test) at most this long per readiness probe; probes time out after a second. */
const SLACK_ANSWER_WAIT_MS = 500;

/**
 * GET /readyz: 200 while alerts can be accepted, that is while the database takes writes. Slack and Twilio
 * are reported but do not fail readiness: during their outages pages wait in the outbox, and taking Baton
 * out of the load balancer would lose the alerts instead.
 */
export function readyzRoute(deps: ReadinessDeps) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const database = await deps.database.check();
    const slack = await slackHealthWithin(deps.slackHealth, deps.slackMode, SLACK_ANSWER_WAIT_MS);
    const outbox = database.ok ? await deps.outboxBacklog() : null;
    sendJson(res, database.ok ? 200 : 503, {
      status: database.ok ? 'ready' : 'not_ready',
      database,
      slack,
      twilio: { configured: deps.twilioConfigured },
      outbox,
    });
  };
}

async function slackHealthWithin(slackHealth: () => Promise<SlackHealth>, mode: string, ms: number): Promise<SlackHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<SlackHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, mode, error: `Slack did not answer within ${ms} ms; still checking` }), ms);
  });
  try {
    return await Promise.race([slackHealth(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /healthz, kept for existing monitors: 200 when the database takes writes and Slack is usable, 503
 * otherwise, with the reason. Prefer /livez and /readyz for orchestrators.
 */
export function healthRoute(deps: {
  database: DatabaseWriteProbe;
  slackHealth: () => Promise<SlackHealth>;
  outboxBacklog: () => Promise<{ pending: number; failed: number }>;
}) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const database = await deps.database.check();
    const slack = await deps.slackHealth();
    const outbox = database.ok ? await deps.outboxBacklog() : null;
    const ok = database.ok && slack.ok;
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unhealthy', database, slack, outbox });
  };
}
