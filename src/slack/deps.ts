import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import type { IncidentService } from '../services/incidents.js';
import type { OnCallService } from '../services/oncall.js';
import type { CalendarService } from '../services/calendars.js';
import type { RotationAdminService } from '../services/rotation-admin.js';
import type { ScheduleChangeService } from '../services/schedule-changes.js';
import type { StatsService } from '../services/stats.js';
import type { HandoverService } from '../services/handover.js';
import type { ContactService } from '../services/contact.js';
import type { MaintenanceService } from '../services/maintenance.js';
import type { IncidentRoomService } from '../services/incident-room.js';
import type { IntegrationService } from '../services/integrations.js';
import type { CatalogAdminService } from '../services/catalog-admin.js';

/** What Slack listeners may use: services to call, never the database directly except via `db` for reads. */
export interface SlackDeps {
  db: DB;
  incidents: IncidentService;
  oncall: OnCallService;
  changes: ScheduleChangeService;
  rotationAdmin: RotationAdminService;
  stats: StatsService;
  calendars: CalendarService;
  handover: HandoverService;
  contact: ContactService;
  maintenance: MaintenanceService;
  rooms: IncidentRoomService;
  integrations: IntegrationService;
  catalog: CatalogAdminService;
  phonePaging: boolean;
  logger: Logger;
  /** Looks up a user's IANA zone in Slack when Baton does not know the person. */
  slack: WebClient;
}
