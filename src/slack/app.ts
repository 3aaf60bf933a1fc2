import type { RequestListener, ServerResponse } from 'node:http';
import { App, ErrorCode, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackDeps } from './deps.js';
import { registerRoutes } from './routes.js';

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  /** Set: Socket Mode. Unset: HTTP mode on Baton's own port at /slack/events. */
  appToken?: string;
  slackApiUrl?: string;
  logger: Logger;
}

export interface SlackApp {
  mode: 'http' | 'socket';
  /** HTTP mode only: Bolt's handler for POST /slack/events, behind the gate in http/routes/slack-events.ts. */
  httpListener: RequestListener | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  return {
    debug: (...m) => child.debug(m.map(String).join(' ')),
    info: (...m) => child.info(m.map(String).join(' ')),
    warn: (...m) => child.warn(m.map(String).join(' ')),
    error: (...m) => child.error(m.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/** Bolt answers 500 for any error before ack; a signed payload it cannot process is bad input (400). */
function answerUnprocessable(error: unknown, response: ServerResponse, logger: Logger): void {
  const authFailed = (error as { code?: string }).code === ErrorCode.AuthorizationError;
  logger.warn({ err: error }, authFailed ? 'Slack request not authorized' : 'Slack request could not be processed');
  if (response.headersSent) return;
  const body = JSON.stringify({ error: authFailed ? 'unauthorized' : 'invalid_slack_payload', message: (error as Error).message });
  response.writeHead(authFailed ? 401 : 400, { 'content-type': 'application/json' });
  response.end(body);
}

export function createSlackApp(opts: SlackAppOptions, deps: SlackDeps): SlackApp {
  const logger = boltLogger(opts.logger);
  const clientOptions = opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {};
  if (opts.appToken) {
    // The Socket Mode client takes its Web API options (apps.connections.open) from installerOptions.
    const receiver = new SocketModeReceiver({ appToken: opts.appToken, logger, installerOptions: { clientOptions } });
    const app = new App({ token: opts.botToken, receiver, logger, clientOptions });
    registerRoutes(app, deps);
    return {
      mode: 'socket',
      httpListener: null,
      start: async () => {
        await app.start();
      },
      stop: async () => {
        await app.stop();
      },
    };
  }
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret!,
    endpoints: '/slack/events',
    logger,
    // Listeners ack() first and do slow work after; Slack gets its answer without waiting for it.
    processBeforeResponse: false,
    processEventErrorHandler: async ({ error, response }) => {
      // Bolt calls this outside any handler of Baton's: a throw here would end the process.
      try {
        answerUnprocessable(error, response, opts.logger);
      } catch (err) {
        opts.logger.error({ err }, 'could not answer a Slack request that failed');
      }
      return false;
    },
  });
  const app = new App({ token: opts.botToken, receiver, logger, clientOptions });
  registerRoutes(app, deps);
  return { mode: 'http', httpListener: receiver.requestListener, start: async () => {}, stop: async () => {} };
}
