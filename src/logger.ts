import pino, { type Logger } from 'pino';

/** Paths that could ever hold a secret; pino replaces them before anything is written. */
const REDACT = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers["x-slack-signature"]',
  'botToken',
  'signingSecret',
  'appToken',
  'authToken',
  'key',
  '*.key',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'baton' } }, destination);
}

export type { Logger };
