import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpError, sendError, sendJson } from './io.js';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  logger: Logger,
) => Promise<void> | void;

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

/** How long clients may take; values fit Alertmanager and Slack, which send small bodies at once. */
export interface HttpTimeouts {
  /** To send the request headers; a slow-headers client holds a socket until then. */
  headersMs: number;
  /** To send the whole request, headers and body. */
  requestMs: number;
  /** An idle keep-alive connection stays open this long; above the 60 s idle timeout of common load balancers. */
  keepAliveMs: number;
  /** A socket without traffic during a request (a client that stopped sending or reading) is closed after this. */
  idleSocketMs: number;
  /** How often Node looks for requests past headersMs or requestMs. */
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 65_000,
  idleSocketMs: 75_000,
  checkIntervalMs: 2_000,
};

/**
 * One HTTP server for everything: Slack's events (a route like the others, see slack-events.ts) and Baton's
 * own routes. Any unexpected error becomes a JSON 500 and the process stays up.
 */
export function createHttpServer(opts: { routes: Route[]; logger: Logger; timeouts?: Partial<HttpTimeouts> }): Server {
  const routes = opts.routes.map(compile);
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...opts.timeouts };
  const handle = requestHandler(routes, opts.logger);
  const server = createServer(
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    (req, res) => {
      try {
        handle(req, res);
      } catch (err) {
        // Last resort: nothing a request does may end the process.
        opts.logger.error({ err }, 'unhandled error while handling a request');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'unexpected error; see the server log' });
      }
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.idleSocketMs);
  // A client may shut down its sending side once its request is sent (half-close): that ends the request, not
  // its interest in the answer (RFC 9112, 9.6). On that FIN, Node's default ends the socket at once and drops an
  // answer not yet written: any answer that waits past the current turn of the event loop (the WAL's fsync on
  // the thread pool, a PostgreSQL round trip). With this on, the answer is sent and the socket closed after it;
  // a connection half-closed with no request in flight is still closed at once. Node's own switch
  // (lib/_http_server.js), not in @types/node.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}

function requestHandler(routes: CompiledRoute[], rootLogger: Logger): RequestListener {
  const accessLog = rootLogger.isLevelEnabled('debug');
  return (req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    res.setHeader('x-request-id', requestId);
    // The per-request logger is made only when something is logged: ingest is a hot path.
    let child: Logger | null = null;
    const logger = new Proxy(rootLogger, {
      get: (target, prop) => {
        child ??= target.child({ requestId });
        return Reflect.get(child, prop);
      },
    });
    const path = (req.url ?? '/').split('?')[0]!;
    if (accessLog) {
      const started = performance.now();
      res.once('finish', () => {
        // Integration keys travel in the path: they are secrets, so the access log never shows them.
        const shown = path.replace(/^(\/integrations\/[^/]+\/)[^/]+/, '$1[redacted]');
        logger.debug({ method: req.method, path: shown, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
      });
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
        // sendJson closes the connection when the body was not read whole (a 413 stops reading at the limit).
        if (err instanceof HttpError) return sendError(res, err);
        logger.error({ err, path }, 'unhandled error in route');
        sendJson(res, 500, { error: 'internal_error', message: 'unexpected error; see the server log', request_id: requestId });
      });
  };
}
