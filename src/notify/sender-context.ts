import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import type { Clock } from '../domain/clock.js';
import type { SlackPacing } from './pacing.js';
import type { SlackPoster } from './slack-poster.js';
import type { PhoneSender } from './twilio-client.js';

/** What every sender works with; built once by the composition root. */
export interface SenderContext {
  db: DB;
  clock: Clock;
  slack: WebClient;
  logger: Logger;
  pacing: SlackPacing;
  poster: SlackPoster;
  phone: { sender: PhoneSender | null; baseUrl: () => string };
}
