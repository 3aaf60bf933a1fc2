import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { NormalizedGroup } from '../../domain/alertmanager.js';
import {
  genericEventSchema,
  grafanaWebhookSchema,
  normalizeGeneric,
  normalizeGrafana,
  normalizePagerDuty,
  pagerDutyEventSchema,
} from '../../domain/sources.js';
import { MINUTE } from '../../domain/time-units.js';
import type { HeartbeatService } from '../../services/incidents/heartbeats.js';
import type { IncidentService } from '../../services/incidents/incidents.js';
import type { IngestService } from '../../services/incidents/ingest.js';
import { HttpError, issuePath, jsonNestingExceeds, MAX_JSON_DEPTH, parseJson, readBody, sendJson } from '../io.js';

export interface SourceRouteDeps {
  ingest: IngestService;
  incidents: IncidentService;
  heartbeats: HeartbeatService;
  now: () => number;
}

type Key = Parameters<IngestService['ingest']>[0];

/** Stores and applies a group; 503 when storing failed, so senders that retry 5xx try again. */
async function ingestOr503(deps: SourceRouteDeps, key: Key, raw: string, group: NormalizedGroup, logger: Logger) {
  try {
    return await deps.ingest.ingest(key, raw, group);
  } catch (err) {
    logger.error({ err, source: group.source }, 'could not store an alert payload');
    throw new HttpError(503, 'storage_failed', 'the alert could not be stored; retry later');
  }
}

/** An acknowledge event: stored, then applied to the open incident its dedup key names (if any). */
async function acknowledge(
  deps: SourceRouteDeps,
  key: Key,
  raw: string,
  source: string,
  dedupKey: string,
  logger: Logger,
): Promise<number | null> {
  const incidentId = await deps.ingest.openIncidentId(key.serviceId, dedupKey);
  try {
    await deps.ingest.storePayload(key, source, raw, incidentId);
  } catch (err) {
    logger.error({ err, source }, 'could not store an acknowledge event');
    throw new HttpError(503, 'storage_failed', 'the event could not be stored; retry later');
  }
  if (incidentId !== null) await deps.incidents.act('acknowledge', incidentId, `integration:${source}`);
  return incidentId;
}

function invalid(message: string, issues: { path: PropertyKey[]; message: string }[]): HttpError {
  return new HttpError(400, 'invalid_payload', message, {
    issues: issues.slice(0, 20).map((i) => ({ path: issuePath(i.path), message: i.message })),
  });
}

/** A signed Grafana timestamp may be this far from Baton's clock; older ones could be replays. */
export const GRAFANA_TIMESTAMP_TOLERANCE_MS = 5 * MINUTE;

/**
 * Grafana's contact-point HMAC: lowercase hex HMAC-SHA256 of the body, or of `<timestamp>:<body>` when the
 * contact point names a timestamp header (then the timestamp must also be recent).
 */
function checkGrafanaSignature(key: Key, req: IncomingMessage, raw: string, now: number): void {
  const header = key.hmacHeader ?? 'x-grafana-alerting-signature';
  const given = String(req.headers[header] ?? '');
  let signed = raw;
  if (key.hmacTimestampHeader) {
    const timestamp = String(req.headers[key.hmacTimestampHeader] ?? '');
    if (!/^\d{1,12}$/.test(timestamp))
      throw new HttpError(401, 'invalid_signature', `${key.hmacTimestampHeader} must carry the Unix time the body was signed at`);
    if (Math.abs(now - Number(timestamp) * 1000) > GRAFANA_TIMESTAMP_TOLERANCE_MS) {
      throw new HttpError(401, 'stale_signature', `${key.hmacTimestampHeader} is more than 5 minutes from now; check the sender's clock`);
    }
    signed = `${timestamp}:${raw}`;
  }
  const expected = createHmac('sha256', key.hmacSecret!).update(signed).digest('hex');
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    throw new HttpError(
      401,
      'invalid_signature',
      `${header} does not match the ${key.hmacTimestampHeader ? 'timestamp and body' : 'body'}`,
    );
  }
}

/** POST /integrations/grafana/:key: Grafana unified alerting, with its HMAC checked when a secret is set. */
export function grafanaRoute(deps: SourceRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, logger: Logger) => {
    const auth = await deps.ingest.authenticate('grafana', params.key ?? '', req.headers.authorization);
    if (!auth.ok) throw new HttpError(401, 'unauthorized', auth.message);
    const raw = await readBody(req);
    if (auth.key.hmacSecret) checkGrafanaSignature(auth.key, req, raw, deps.now());
    const parsed = grafanaWebhookSchema.safeParse(parseJson(raw));
    if (!parsed.success) throw invalid('the body is not a Grafana alerting webhook', parsed.error.issues);
    const result = await ingestOr503(deps, auth.key, raw, normalizeGrafana(parsed.data), logger);
    sendJson(res, 200, { status: 'ok', outcome: result.outcome, incident_id: result.incidentId });
  };
}

/**
 * POST /v2/enqueue: PagerDuty Events API v2, so an existing sender moves to Baton by changing one URL.
 * The routing key is a Baton integration key; answers use PagerDuty's status codes and bodies.
 */
export function pagerDutyRoute(deps: SourceRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, _params: Record<string, string>, logger: Logger) => {
    const pdError = (errors: string[]) =>
      new HttpError(400, 'invalid_event', 'Event object is invalid', { status: 'invalid event', errors });
    const raw = await readBody(req, 512 * 1024);
    if (jsonNestingExceeds(raw)) throw pdError([`Request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`]);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw pdError(['Request body is not valid JSON']);
    }
    const parsed = pagerDutyEventSchema.safeParse(body);
    if (!parsed.success) throw pdError(parsed.error.issues.slice(0, 20).map((i) => `${issuePath(i.path)}: ${i.message}`));
    const event = parsed.data;
    const auth = await deps.ingest.authenticate('pagerduty', event.routing_key, undefined);
    if (!auth.ok) throw pdError(['Invalid routing key']);
    const dedupKey = event.dedup_key ?? randomBytes(16).toString('hex');
    if (event.event_action === 'acknowledge') await acknowledge(deps, auth.key, raw, 'pagerduty', dedupKey, logger);
    else await ingestOr503(deps, auth.key, raw, normalizePagerDuty(event, dedupKey, new Date(deps.now()).toISOString()), logger);
    sendJson(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };
}

/** POST /integrations/generic/:key: summary, severity, dedup key, action, links, labels, details. */
export function genericRoute(deps: SourceRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, logger: Logger) => {
    const auth = await deps.ingest.authenticate('generic', params.key ?? '', req.headers.authorization);
    if (!auth.ok) throw new HttpError(401, 'unauthorized', auth.message);
    const raw = await readBody(req);
    const parsed = genericEventSchema.safeParse(parseJson(raw));
    if (!parsed.success) throw invalid('the body is not a Baton generic event', parsed.error.issues);
    const event = parsed.data;
    const dedupKey = event.dedup_key ?? randomBytes(16).toString('hex');
    if (event.action === 'acknowledge') {
      const incidentId = await acknowledge(deps, auth.key, raw, 'generic', dedupKey, logger);
      return sendJson(res, 202, {
        status: 'ok',
        outcome: incidentId === null ? 'unchanged' : 'acknowledged',
        incident_id: incidentId,
        dedup_key: dedupKey,
      });
    }
    const result = await ingestOr503(deps, auth.key, raw, normalizeGeneric(event, dedupKey, new Date(deps.now()).toISOString()), logger);
    sendJson(res, 202, { status: 'ok', outcome: result.outcome, incident_id: result.incidentId, dedup_key: dedupKey });
  };
}

/** POST /heartbeats/:key: a ping. Any body (an Alertmanager Watchdog notification, say) is accepted and ignored. */
export function heartbeatRoute(deps: SourceRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, logger: Logger) => {
    const auth = await deps.ingest.authenticate('heartbeat', params.key ?? '', req.headers.authorization);
    if (!auth.ok) throw new HttpError(401, 'unauthorized', auth.message);
    await readBody(req, 1024 * 1024);
    let outcome: string;
    try {
      outcome = await deps.heartbeats.ping(auth.key);
    } catch (err) {
      logger.error({ err }, 'could not record a heartbeat');
      throw new HttpError(503, 'storage_failed', 'the heartbeat could not be recorded; retry later');
    }
    sendJson(res, 200, { status: 'ok', outcome });
  };
}
