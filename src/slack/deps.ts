import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AuditService } from '../services/admin/audit.js';
import type { CalendarService } from '../services/schedules/calendars.js';
import type { CatalogAdminService } from '../services/admin/catalog-admin.js';
import type { ConfigReloader } from '../services/admin/config-reload.js';
import type { ContactService } from '../services/phone/contact.js';
import type { HandoverService } from '../services/schedules/handover.js';
import type { HomeService } from '../services/schedules/home.js';
import type { IncidentChannelService } from '../services/incidents/incident-channel.js';
import type { IncidentService } from '../services/incidents/incidents.js';
import type { IntegrationService } from '../services/admin/integrations.js';
import type { MaintenanceService } from '../services/schedules/maintenance.js';
import type { OnCallService } from '../services/schedules/oncall.js';
import type { PeopleService } from '../services/admin/people.js';
import type { RotationAdminService } from '../services/schedules/rotation-admin.js';
import type { CoverService } from '../services/schedules/cover.js';
import type { OverrideService } from '../services/schedules/overrides.js';
import type { ShiftPicker } from '../services/schedules/shift-picker.js';
import type { SwapService } from '../services/schedules/swaps.js';
import type { TimeOffService } from '../services/schedules/time-off.js';
import type { StatsService } from '../services/incidents/stats.js';

/** What Slack listeners may use: services to call (never the database), a logger, and Slack itself. */
export interface SlackDeps {
  /** Who someone is: their role, zone and name. */
  people: PeopleService;
  incidents: IncidentService;
  oncall: OnCallService;
  home: HomeService;
  shifts: ShiftPicker;
  overrides: OverrideService;
  timeOff: TimeOffService;
  swaps: SwapService;
  cover: CoverService;
  rotationAdmin: RotationAdminService;
  stats: StatsService;
  calendars: CalendarService;
  handover: HandoverService;
  contact: ContactService;
  maintenance: MaintenanceService;
  channels: IncidentChannelService;
  integrations: IntegrationService;
  catalog: CatalogAdminService;
  audit: AuditService;
  /** `/oncall reload`: the config file applied again, for admins. */
  configReloader: ConfigReloader;
  phonePaging: boolean;
  logger: Logger;
  /** Looks up a user's IANA zone in Slack when Baton does not know the person. */
  slack: WebClient;
}
