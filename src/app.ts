import { UserGroupSync } from './services/admin/admins.js';
import { AuditService } from './services/admin/audit.js';
import { HomeService } from './services/schedules/home.js';
import { PeopleService } from './services/admin/people.js';
import { CatalogAdminService } from './services/admin/catalog-admin.js';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadConfigFile } from './config/file.js';
import { closeDatabase, openDatabase, type DB } from './db/client.js';
import { openPostgres } from './db/postgres.js';
import { incidentsByState, outboxBacklog } from './db/statements.js';
import { systemClock, type Clock } from './domain/clock.js';
import { alertmanagerRoute } from './http/routes/alertmanager.js';
import { DatabaseWriteProbe, healthRoute, livezRoute, readyzRoute, type SlackHealth } from './http/routes/health.js';
import { slackEventsRoute } from './http/routes/slack-events.js';
import { HttpError } from './http/io.js';
import { createHttpServer, type HttpTimeouts, type Route } from './http/server.js';
import { scheduleJobs } from './jobs/cron.js';
import { createLogger } from './logger.js';
import { OutboxLoop } from './notify/outbox-loop.js';
import { SlackPacing } from './notify/pacing.js';
import { createSenders } from './notify/senders/index.js';
import { SlackPoster } from './notify/slack-poster.js';
import { classifySlackError, createSlackClient, rateLimitOf } from './notify/slack-client.js';
import { applyConfig, type ApplySummary } from './services/admin/config-apply.js';
import { readEmergencyLine } from './services/admin/settings.js';
import { ConfigReloader, reportApplied, type ReloadOutcome } from './services/admin/config-reload.js';
import { EscalationService } from './services/incidents/escalation.js';
import { IncidentService } from './services/incidents/incidents.js';
import { IngestService } from './services/incidents/ingest.js';
import { OnCallService } from './services/schedules/oncall.js';
import { CalendarService } from './services/schedules/calendars.js';
import { RotationAdminService } from './services/schedules/rotation-admin.js';
import { CoverService } from './services/schedules/cover.js';
import { OverrideService } from './services/schedules/overrides.js';
import { ShiftPicker } from './services/schedules/shift-picker.js';
import { SwapService } from './services/schedules/swaps.js';
import { TimeOffService } from './services/schedules/time-off.js';
import { UserGroupsAndGaps } from './services/schedules/user-groups-and-gaps.js';
import { HandoverService } from './services/schedules/handover.js';
import { ContactService } from './services/phone/contact.js';
import { MaintenanceService } from './services/schedules/maintenance.js';
import { IncidentChannelService } from './services/incidents/incident-channel.js';
import { IntegrationService } from './services/admin/integrations.js';
import { BatonMetrics } from './observability/metrics.js';
import { StatsService } from './services/incidents/stats.js';
import { calendarRoute } from './http/routes/calendar.js';
import { inboundCallRoute, recordedRoute, smsRoute, voiceKeyRoute, voiceRoute, voiceStatusRoute } from './http/routes/twilio.js';
import { createTwilioSender, type TwilioSettings } from './notify/twilio-client.js';
import { PhonePagingService } from './services/phone/phone.js';
import { HeartbeatService } from './services/incidents/heartbeats.js';
import { RetentionService } from './services/retention.js';
import { genericRoute, grafanaRoute, heartbeatRoute, pagerDutyRoute } from './http/routes/sources.js';
import { createSlackApp } from './slack/app.js';
import { scheduleNoticeViews } from './slack/views/schedule-notices.js';
import { catalogCopy } from './slack/views/catalog.js';
import { incidentChannelCopy } from './slack/views/incident-channel.js';
import { CatalogWatch } from './services/catalog-version.js';
import { rotationsChanged } from './services/directory.js';

export interface BatonOptions {
  port: number;
  host?: string;
  databasePath: string;
  /** PostgreSQL instead of the SQLite file: several nodes may share it (docs/adr/0006-two-engines.md). */
  databaseUrl?: string;
  slack: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  /** Path of the YAML config file, applied at start; a bad file stops start-up with nothing applied. */
  configPath?: string;
  clock?: Clock;
  logger?: Logger;
  /** Run the escalation loop on a timer. Tests turn it off and call tick() on virtual time. */
  cron?: boolean;
  /** The URL people reach Baton at, for links such as calendar feeds; defaults to the local address. */
  publicBaseUrl?: string;
  /** Phone paging; without it, SMS and voice steps are skipped and Slack carries every page. */
  twilio?: TwilioSettings;
  /** Days to keep raw alert bodies, resolved incidents' alerts and sent messages (default 180; 0 keeps all). */
  retentionDays?: number;
  /** HTTP server timeouts; the defaults (DEFAULT_HTTP_TIMEOUTS) suit production. Tests shorten them. */
  httpTimeouts?: Partial<HttpTimeouts>;
}

export interface Baton {
  url: string;
  port: number;
  db: DB;
  clock: Clock;
  logger: Logger;
  slackMode: 'http' | 'socket';
  configSummary: ApplySummary | null;
  ingest: IngestService;
  incidents: IncidentService;
  escalation: EscalationService;
  oncall: OnCallService;
  overrides: OverrideService;
  timeOff: TimeOffService;
  calendars: CalendarService;
  outbox: OutboxLoop;
  /** One pass of the loop: escalate what is due, then send everything due. */
  tick(): Promise<void>;
  /** Waits until the outbox has nothing due. */
  drain(): Promise<void>;
  /** Re-reads and applies the config file, whole or not at all (SIGHUP). */
  reloadConfig(by: string): Promise<ReloadOutcome>;
  /**
   * Stops taking connections, lets requests in flight finish for up to `graceMs` (0: cut them now, as
   * tests and a crash do), lets sends under way finish, then closes the database.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

const SLACK_HEALTH_TTL_MS = 30_000;

/** The composition root: config, database, services, Slack, HTTP and the loop, wired once. */
export async function startBaton(opts: BatonOptions): Promise<Baton> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger('info');
  const config = opts.configPath ? loadConfigFile(opts.configPath) : null;

  const db: DB = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : openDatabase(opts.databasePath);
  const configSummary = config ? await applyConfig(db, config, { actor: `config:${opts.configPath}`, now: clock.nowMs() }) : null;
  if (configSummary) reportApplied(logger, configSummary);

  const slackClient = createSlackClient(opts.slack.botToken, opts.slack.apiUrl);
  let port = 0;
  const baseUrl = () => (opts.publicBaseUrl ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const phoneSender = opts.twilio ? createTwilioSender(opts.twilio) : null;
  // Counted, not loaded: health checks and metrics scrapes read the backlog.
  const backlog = () => outboxBacklog(db);
  const metrics = new BatonMetrics({
    incidentsByState: () => incidentsByState(db),
    outboxDepth: backlog,
  });
  const provider = (kind: string) => kind.split('.')[0]!;
  const outboxLogger = logger.child({ component: 'outbox' });
  const pacing = new SlackPacing(db, clock);
  const senders = createSenders({
    db,
    clock,
    slack: slackClient,
    logger: outboxLogger,
    pacing,
    poster: new SlackPoster(db, slackClient, outboxLogger),
    phone: { sender: phoneSender, baseUrl },
  });
  const outboxLoop = new OutboxLoop(db, clock, senders, outboxLogger, {
    sent: (kind) => metrics.notificationsSent.inc({ kind }),
    failed: (kind, retryable) => metrics.notificationErrors.inc({ provider: provider(kind), retryable: String(retryable) }),
    thrown: async (err) => {
      const limited = rateLimitOf(err);
      if (limited) await pacing.block(limited.method, limited.retryAfterMs, limited.channel);
    },
  });
  const recovered = await outboxLoop.recoverInFlight();
  if (recovered > 0) logger.warn({ recovered }, 'notifications interrupted by a restart will be looked up in Slack, and sent if missing');
  const wakeOutbox = () => outboxLoop.wakeOutbox();

  const paging = { phone: phoneSender !== null };
  const ingest = new IngestService(db, clock, wakeOutbox, paging, (source, outcome) => metrics.alertsReceived.inc({ source, outcome }));
  const incidents = new IncidentService(db, clock, wakeOutbox, paging, (seconds) => metrics.timeToAcknowledge.observe(seconds));
  const escalation = new EscalationService(db, clock, wakeOutbox, paging);
  const oncall = new OnCallService(db, clock);
  const people = new PeopleService(db);
  const shifts = new ShiftPicker(db, clock);
  const swaps = new SwapService(db, clock, wakeOutbox, scheduleNoticeViews, shifts);
  const overrides = new OverrideService(db, clock, wakeOutbox, scheduleNoticeViews, swaps);
  const timeOff = new TimeOffService(db, clock, wakeOutbox, scheduleNoticeViews);
  const cover = new CoverService(db, clock, wakeOutbox, scheduleNoticeViews, shifts);
  const home = new HomeService(db, oncall, shifts);
  const audit = new AuditService(db);
  const userGroupsAndGaps = new UserGroupsAndGaps(db, clock, wakeOutbox);
  const handover = new HandoverService(db, clock, wakeOutbox);
  const contact = new ContactService(db, clock, wakeOutbox);
  const maintenance = new MaintenanceService(db, clock, wakeOutbox);
  const channels = new IncidentChannelService(db, clock, ingest, wakeOutbox, incidentChannelCopy);
  const integrations = new IntegrationService(db, clock, baseUrl, () => ingest.forgetKeys());
  const rotationAdmin = new RotationAdminService(db, clock, opts.configPath ?? null);
  const catalog = new CatalogAdminService(db, clock, opts.configPath ?? null, catalogCopy);
  const stats = new StatsService(db, clock);
  const calendars = new CalendarService(db, clock, baseUrl);
  const phone = new PhonePagingService(db, clock, incidents, wakeOutbox);
  const heartbeats = new HeartbeatService(db, clock, ingest);
  const retention = new RetentionService(db, opts.retentionDays ?? 180);
  const userGroups = new UserGroupSync(
    db,
    clock,
    slackClient,
    logger.child({ component: 'user-groups' }),
    (err) => classifySlackError(err).message,
  );
  const configReloader = new ConfigReloader(db, clock, opts.configPath ?? null, logger.child({ component: 'config' }), () => {
    ingest.forgetKeys();
    void userGroups.refresh({ force: true });
  });
  const sourceDeps = { ingest, incidents, heartbeats, now: () => clock.nowMs() };
  const twilioDeps = {
    phone,
    ingest,
    emergencyLine: () => readEmergencyLine(db),
    now: () => clock.nowMs(),
    authToken: opts.twilio?.authToken ?? null,
    baseUrl,
  };
  await calendars.secret();

  const slackApp = createSlackApp(
    {
      botToken: opts.slack.botToken,
      signingSecret: opts.slack.signingSecret,
      appToken: opts.slack.appToken,
      slackApiUrl: opts.slack.apiUrl,
      logger,
    },
    {
      people,
      incidents,
      oncall,
      home,
      shifts,
      overrides,
      timeOff,
      swaps,
      cover,
      rotationAdmin,
      stats,
      calendars,
      handover,
      contact,
      maintenance,
      channels,
      integrations,
      catalog,
      audit,
      configReloader,
      phonePaging: phoneSender !== null,
      logger,
      slack: slackClient,
    },
  );

  let slackHealthCache: { at: number; value: SlackHealth } | null = null;
  // One auth.test at a time: probes arriving while Slack is slow wait for the same answer.
  let slackHealthInFlight: Promise<SlackHealth> | null = null;
  const askSlack = async (): Promise<SlackHealth> => {
    try {
      await slackClient.auth.test();
      return { ok: true, mode: slackApp.mode };
    } catch (err) {
      return { ok: false, mode: slackApp.mode, error: (err as Error).message };
    }
  };
  const slackHealth = (): Promise<SlackHealth> => {
    const now = clock.nowMs();
    if (slackHealthCache && now - slackHealthCache.at < SLACK_HEALTH_TTL_MS) return Promise.resolve(slackHealthCache.value);
    slackHealthInFlight ??= askSlack().then((value) => {
      slackHealthCache = { at: clock.nowMs(), value };
      slackHealthInFlight = null;
      return value;
    });
    return slackHealthInFlight;
  };
  const databaseProbe = new DatabaseWriteProbe(db);
  await databaseProbe.init();
  const slackEvents: Route[] = slackApp.httpListener
    ? [
        {
          method: 'POST',
          path: '/slack/events',
          handler: slackEventsRoute({ signingSecret: opts.slack.signingSecret!, listener: slackApp.httpListener }),
        },
      ]
    : [];

  const server = createHttpServer({
    logger,
    timeouts: opts.httpTimeouts,
    routes: [
      ...slackEvents,
      { method: 'POST', path: '/integrations/alertmanager/:key', handler: alertmanagerRoute(ingest) },
      {
        method: 'POST',
        path: '/integrations/alertmanager',
        handler: () => {
          throw new HttpError(401, 'unauthorized', 'missing integration key: POST to /integrations/alertmanager/<key>');
        },
      },
      { method: 'POST', path: '/integrations/grafana/:key', handler: grafanaRoute(sourceDeps) },
      { method: 'POST', path: '/integrations/generic/:key', handler: genericRoute(sourceDeps) },
      { method: 'POST', path: '/v2/enqueue', handler: pagerDutyRoute(sourceDeps) },
      { method: 'POST', path: '/heartbeats/:key', handler: heartbeatRoute(sourceDeps) },
      { method: 'GET', path: '/calendars/:kind/:id/:file', handler: calendarRoute(calendars) },
      {
        method: 'GET',
        path: '/metrics',
        handler: async (_req, res) => {
          const body = await metrics.registry.metrics();
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
      },
      { method: 'POST', path: '/twilio/voice', handler: voiceRoute(twilioDeps) },
      { method: 'POST', path: '/twilio/voice/key', handler: voiceKeyRoute(twilioDeps) },
      { method: 'POST', path: '/twilio/voice/status', handler: voiceStatusRoute(twilioDeps) },
      { method: 'POST', path: '/twilio/sms', handler: smsRoute(twilioDeps) },
      { method: 'POST', path: '/twilio/voice/inbound', handler: inboundCallRoute(twilioDeps) },
      { method: 'POST', path: '/twilio/voice/recorded', handler: recordedRoute(twilioDeps) },
      { method: 'GET', path: '/healthz', handler: healthRoute({ database: databaseProbe, slackHealth, outboxBacklog: backlog }) },
      { method: 'GET', path: '/livez', handler: livezRoute() },
      {
        method: 'GET',
        path: '/readyz',
        handler: readyzRoute({
          database: databaseProbe,
          slackHealth,
          slackMode: slackApp.mode,
          outboxBacklog: backlog,
          twilioConfigured: phoneSender !== null,
        }),
      },
    ],
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  await slackApp.start();
  port = (server.address() as AddressInfo).port;

  const escalate = async () => {
    const moved = await escalation.tick();
    metrics.escalations.inc(moved);
    if (moved > 0) outboxLoop.wakeOutbox();
  };
  // Another node's change to rotations or keys: this node forgets its copies within a loop.
  const catalogWatch = new CatalogWatch(db, () => {
    rotationsChanged(db);
    ingest.forgetKeys();
  });
  const periodic = async () => {
    await catalogWatch.poll();
    await escalate();
    // Every node runs the loop; each job runs on one node at a time.
    await db.exclusively('heartbeats', () => heartbeats.check());
    await db.exclusively('user-groups-and-gaps', () => userGroupsAndGaps.run());
    await db.exclusively('handover', () => handover.run());
    await db.exclusively('retention', () => retention.prune(clock.nowMs()));
    await db.exclusively('user-group-members', () => userGroups.refresh());
    await db.exclusively('pacing', () => pacing.forgetOld());
    await outboxLoop.reclaimLapsed();
    outboxLoop.wakeOutbox();
  };
  // Tests run the loop by hand on virtual time and wait for what it sent; production never waits for sends.
  const tick = async () => {
    await periodic();
    await outboxLoop.drain();
  };
  const jobs = opts.cron === false ? null : scheduleJobs({ periodic, escalate, nextEscalationAt: () => escalation.nextDueAt() }, logger);
  outboxLoop.wakeOutbox();
  void userGroups.refresh();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    clock,
    logger,
    slackMode: slackApp.mode,
    configSummary,
    ingest,
    incidents,
    escalation,
    oncall,
    overrides,
    timeOff,
    calendars,
    outbox: outboxLoop,
    tick,
    drain: () => outboxLoop.drain(),
    reloadConfig: async (by) => await configReloader.reload(by),
    stop: async ({ graceMs = 0 } = {}) => {
      await jobs?.stop();
      // No new connections; requests in flight finish (an alert half sent is still read, stored and
      // answered), idle keep-alive sockets close at once, and whatever is left is cut after the grace.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
      await slackApp.stop();
      // A send under way finishes and is recorded; what is not claimed yet stays in the outbox.
      await outboxLoop.close();
      await closeDatabase(db);
    },
  };
}
