import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
import { sendJson } from '../io.js';

export interface SlackHealth {
  ok: boolean;
  mode: string;
  error?: string;
}

/** GET /healthz: 200 when the database answers and Slack is usable, 503 otherwise, with the reason. */
export function healthRoute(deps: { db: DB; slackHealth: () => Promise<SlackHealth>; outboxBacklog: () => { pending: number; failed: number } }) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    let database: { ok: boolean; error?: string };
    try {
      deps.db.get(sql`select 1`);
      database = { ok: true };
    } catch (err) {
      database = { ok: false, error: (err as Error).message };
    }
    const slack = await deps.slackHealth();
    const outbox = database.ok ? deps.outboxBacklog() : null;
    const ok = database.ok && slack.ok;
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unhealthy', database, slack, outbox });
  };
}
