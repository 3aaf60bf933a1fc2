import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import type { IncidentService } from '../services/incidents.js';
import type { OnCallService } from '../services/oncall.js';

/** What Slack listeners may use: services to call, never the database directly except via `db` for reads. */
export interface SlackDeps {
  db: DB;
  incidents: IncidentService;
  oncall: OnCallService;
  logger: Logger;
  /** Looks up a user's IANA zone in Slack when Baton does not know the person. */
  slack: WebClient;
}
