import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { alertmanagerWebhookSchema, normalizeAlertmanager } from '../../domain/alertmanager.js';
import type { IngestService } from '../../services/incidents/ingest.js';
import { HttpError, issuePath, parseJson, readBody, sendJson } from '../io.js';

/**
 * POST /integrations/alertmanager/:key. Answers 2xx only after the payload is committed, 5xx when it
 * could not be stored (Alertmanager retries 5xx), and 4xx only for requests that can never succeed.
 */
export function alertmanagerRoute(ingest: IngestService) {
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, logger: Logger) => {
    const auth = await ingest.authenticate('alertmanager', params.key ?? '', req.headers.authorization);
    if (!auth.ok) throw new HttpError(401, 'unauthorized', auth.message);
    const raw = await readBody(req);
    const parsed = alertmanagerWebhookSchema.safeParse(parseJson(raw));
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_payload', 'the body is not an Alertmanager webhook (version 4)', {
        issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: issuePath(i.path), message: i.message })),
      });
    }
    let result: Awaited<ReturnType<typeof ingest.ingest>>;
    try {
      result = await ingest.ingest(auth.key, raw, normalizeAlertmanager(parsed.data));
    } catch (err) {
      logger.error({ err }, 'could not store an Alertmanager payload');
      throw new HttpError(503, 'storage_failed', 'the alert could not be stored; retry later');
    }
    sendJson(res, 200, { status: 'ok', outcome: result.outcome, incident_id: result.incidentId });
  };
}
