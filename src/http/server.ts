import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpError, MAX_BODY_BYTES, sendError, sendJson } from './io.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, logger: Logger) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  /** A path with :named segments, such as /integrations/alertmanager/:key. */
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

/**
 * One HTTP server for everything: Slack's events (handed to Bolt, which checks signatures) and Baton's
 * own routes. Any unexpected error becomes a JSON 500 and the process stays up.
 */
export function createHttpServer(opts: { routes: Route[]; slackListener: RequestListener | null; logger: Logger }): Server {
  const routes = opts.routes.map(compile);
  const accessLog = opts.logger.isLevelEnabled('debug');
  return createServer((req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    res.setHeader('x-request-id', requestId);
    // The per-request logger is made only when something is logged: ingest is a hot path.
    let child: Logger | null = null;
    const logger = new Proxy(opts.logger, { get: (target, prop) => Reflect.get((child ??= target.child({ requestId })), prop) });
    const path = (req.url ?? '/').split('?')[0]!;
    if (accessLog) {
      const started = performance.now();
      res.once('finish', () => {
        // Integration keys travel in the path: they are secrets, so the access log never shows them.
        const shown = path.replace(/^(\/integrations\/[^/]+\/)[^/]+/, '$1[redacted]');
        logger.debug({ method: req.method, path: shown, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
      });
    }

    if (path === '/slack/events' && opts.slackListener) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed', message: 'use POST' });
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
        return sendJson(res, 413, { error: 'payload_too_large', message: `the limit is ${MAX_BODY_BYTES} bytes` });
      }
      return opts.slackListener(req, res);
    }

    const candidates = routes.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      return candidates.length > 0
        ? sendJson(res, 405, { error: 'method_not_allowed', message: `use ${candidates.map((c) => c.method).join(' or ')}` })
        : sendJson(res, 404, { error: 'not_found', message: `no route for ${req.method} ${path}` });
    }
    const match = route.pattern.exec(path)!;
    Promise.resolve()
      .then(() => {
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(match[i + 1]!);
          } catch {
            throw new HttpError(400, 'invalid_path', `the path segment for ${name} is not valid percent-encoding`);
          }
        });
        return route.handler(req, res, params, logger);
      })
      .catch((err: unknown) => {
        if (res.headersSent) return void res.end();
        if (err instanceof HttpError) {
          if (err.status === 413) res.setHeader('connection', 'close');
          return sendError(res, err);
        }
        logger.error({ err, path }, 'unhandled error in route');
        sendJson(res, 500, { error: 'internal_error', message: 'unexpected error; see the server log', request_id: requestId });
      });
  });
}
