import { rruleProblem } from '../domain/recurring-maintenance.js';
import { z } from 'zod';
import { DEFAULT_LEVEL_DELAY_MINUTES } from '../domain/escalation.js';
import type { ShiftUnit } from '../domain/rotation.js';
import { isValidTimeZone, parseHHMM, parseISODate } from '../domain/zoned-time.js';

// The config file's schema (zod): every field, its checks, and the references between sections.

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected an id of lowercase letters, digits, "-" or "_" (at most 63)');
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user ID such as U012ABCDEF');
const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel ID such as C012ABCDEF');
const timeZone = z.string().refine(isValidTimeZone, { message: 'expected an IANA time zone such as Europe/Berlin' });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256 digest');

export const shiftSchema = z
  .string()
  .regex(/^(\d+)\s*(h|d|w)$/, 'expected a shift length such as 12h, 1d or 1w')
  .transform((v) => {
    const [, n, u] = /^(\d+)\s*(h|d|w)$/.exec(v)!;
    const unit: ShiftUnit = u === 'h' ? 'hours' : u === 'd' ? 'days' : 'weeks';
    return { length: Number(n), unit };
  })
  .refine((s) => s.length >= 1 && s.length <= (s.unit === 'hours' ? 24 * 28 : 52), {
    message: 'expected a shift of 1h-672h, 1d-52d or 1w-52w',
  });

export const notificationStepSchema = z.strictObject({
  method: z.enum(['slack', 'sms', 'voice'], { message: 'expected slack, sms or voice' }),
  after_minutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(0),
  repeat_every_minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});

const notificationRulesSchema = z.strictObject({
  high: z.array(notificationStepSchema).min(1, 'a high-urgency rule needs at least one step').optional(),
  low: z.array(notificationStepSchema).min(1, 'a low-urgency rule needs at least one step').optional(),
});

const userSchema = z.strictObject({
  notification_rules: notificationRulesSchema.optional(),
  id: slackUserId,
  role: z.enum(['admin', 'member']).default('member'),
  name: z.string().min(1).max(120),
  time_zone: timeZone,
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 phone number such as +15551234567')
    .optional(),
});

const teamSchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(120),
  slack_channel: slackChannelId,
  /** Status updates (`/oncall update`) are also posted here. */
  stakeholders_channel: slackChannelId.optional(),
  /** Low-urgency incidents page only inside these hours; outside them they wait for the next start. */
  working_hours: z
    .strictObject({ time_zone: timeZone, days: z.lazy(() => weekdays), start: z.lazy(() => localTime), end: z.lazy(() => localTime) })
    .optional(),
});

const localTime = z.string().refine((v) => safe(() => parseHHMM(v)), { message: 'expected a local time as HH:MM' });
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** "mon", "sat-sun" or "mon-fri" to ISO weekday numbers (1 = Monday). */
const weekdays = z
  .array(
    z
      .string()
      .regex(
        /^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$/,
        'expected a weekday such as mon, or a range such as mon-fri',
      ),
  )
  .min(1, 'expected at least one weekday')
  .transform((items) => {
    const days = new Set<number>();
    for (const item of items) {
      const [from, to = from] = item.split('-').map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number]) + 1) as [number, number?];
      for (let d = from; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === to) break;
      }
    }
    return [...days].sort((a, b) => a - b);
  });

const restrictionSchema = z.strictObject({ days: weekdays, start: localTime, end: localTime });

const layerFields = {
  shift: shiftSchema,
  handoff_time: localTime,
  start_date: z.string().refine((v) => safe(() => parseISODate(v)), { message: 'expected a date as YYYY-MM-DD' }),
  participants: z.array(slackUserId).min(1, 'a rotation needs at least one participant'),
  restrictions: z.array(restrictionSchema).min(1).optional(),
};

const layerSchema = z.strictObject({ ...layerFields, time_zone: timeZone.optional() });

const rotationSchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(120),
  team: slug,
  time_zone: timeZone,
  ...layerFields,
  layers: z.array(layerSchema).max(10).default([]),
  slack_user_group: z
    .string()
    .regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group ID such as S012ABCDEF')
    .optional(),
  daily_digest_time: localTime.optional(),
});

const targetSchema = z.union([
  z.strictObject({ rotation: slug, role: z.enum(['primary', 'secondary']).default('primary') }),
  z.strictObject({ user: slackUserId }),
  z.strictObject({ channel: slackChannelId }),
  z.strictObject({ user_group: z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group ID such as S012ABCDEF') }),
]);

const policySchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(120),
  repeat: z.number().int().min(0).max(10).default(0),
  levels: z
    .array(
      z.strictObject({
        delay_minutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(DEFAULT_LEVEL_DELAY_MINUTES),
        targets: z.array(targetSchema).min(1, 'a level needs at least one target'),
      }),
    )
    .min(1, 'a policy needs at least one level'),
});

const httpHeaderName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, 'expected an HTTP header name such as X-Grafana-Alerting-Signature')
  .transform((h) => h.toLowerCase());

const integrationSchema = z
  .strictObject({
    type: z.enum(['alertmanager', 'grafana', 'pagerduty', 'generic', 'heartbeat'], {
      message: 'expected alertmanager, grafana, pagerduty, generic or heartbeat',
    }),
    /** Grafana: the contact point's HMAC secret (X-Grafana-Alerting-Signature). */
    hmac_secret: z.string().min(8, 'expected an HMAC secret of at least 8 characters').optional(),
    /** Grafana: the contact point's signature header, when not X-Grafana-Alerting-Signature. */
    hmac_header: httpHeaderName.optional(),
    /** Grafana: the contact point's timestamp header; the signed string is then `<timestamp>:<body>`. */
    hmac_timestamp_header: httpHeaderName.optional(),
    /** Heartbeat: a ping is expected at least this often. */
    interval_minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .optional(),
    key: z.string().min(8, 'expected a key of at least 8 characters').optional(),
    key_sha256: sha256Hex.optional(),
    bearer_token: z.string().min(1).optional(),
    bearer_token_sha256: sha256Hex.optional(),
  })
  .refine((i) => (i.key === undefined) !== (i.key_sha256 === undefined), {
    message: 'expected exactly one of key or key_sha256',
  })
  .refine((i) => i.bearer_token === undefined || i.bearer_token_sha256 === undefined, {
    message: 'expected at most one of bearer_token or bearer_token_sha256',
  })
  .refine((i) => i.hmac_secret === undefined || i.type === 'grafana', { message: 'hmac_secret applies to grafana integrations only' })
  .refine((i) => i.hmac_secret !== undefined || (i.hmac_header === undefined && i.hmac_timestamp_header === undefined), {
    message: 'hmac_header and hmac_timestamp_header need hmac_secret',
  })
  .refine((i) => (i.type === 'heartbeat') === (i.interval_minutes !== undefined), {
    message: 'a heartbeat needs interval_minutes (and only heartbeats take it)',
  });

const routingRuleSchema = z.strictObject({
  match: z
    .record(z.string().min(1), z.string())
    .refine((m) => Object.keys(m).length > 0, { message: 'expected at least one label to match' }),
  urgency: z.enum(['high', 'low', 'info']).optional(),
  service: slug.optional(),
});

/** A maintenance window that comes back on a schedule: which days (RRULE), from when, for how long, where. */
const recurringMaintenanceSchema = z.strictObject({
  rrule: z
    .string()
    .min(1)
    .max(500)
    .superRefine((text, ctx) => {
      const problem = rruleProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  start: localTime,
  duration_minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  time_zone: timeZone,
});

const serviceSchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(120),
  team: slug,
  escalation_policy: slug,
  integrations: z.array(integrationSchema).default([]),
  /** Which incidents get their own Slack channel. */
  incident_channels: z.enum(['high', 'all', 'none']).default('high'),
  /** Hours after resolution before an incident channel is archived (0: right after the summary). */
  incident_channel_archive_after_hours: z
    .number()
    .int()
    .min(0)
    .max(90 * 24)
    .default(24),
  /** Recurring maintenance: paging is suppressed in every occurrence, as with `/oncall maintenance`. */
  maintenance_windows: z.array(recurringMaintenanceSchema).max(20).default([]),
  /** First match wins: the urgency, and optionally another service, for an alert group by its labels. */
  routing: z.array(routingRuleSchema).max(100).default([]),
});

function safe(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

function duplicates(items: { id: string }[]): { index: number; id: string }[] {
  const seen = new Set<string>();
  const found: { index: number; id: string }[] = [];
  items.forEach((item, index) => {
    if (seen.has(item.id)) found.push({ index, id: item.id });
    seen.add(item.id);
  });
  return found;
}

export const configFileSchema = z
  .strictObject({
    users: z.array(userSchema).default([]),
    teams: z.array(teamSchema).default([]),
    rotations: z.array(rotationSchema).default([]),
    escalation_policies: z.array(policySchema).default([]),
    services: z.array(serviceSchema).default([]),
    /** Outbound webhooks on incident opened, acknowledged and resolved (Jira or Linear automation, say). */
    webhooks: z
      .array(
        z.strictObject({
          id: slug,
          url: z
            .string()
            .url()
            .refine((u) => /^https?:\/\//.test(u), { message: 'expected an http(s) URL' }),
          secret: z.string().min(16, 'expected a signing secret of at least 16 characters'),
          events: z
            .array(z.enum(['opened', 'acknowledged', 'resolved']))
            .min(1)
            .default(['opened', 'acknowledged', 'resolved']),
          services: z.array(slug).optional(),
        }),
      )
      .default([]),
    /** Members of this Slack user group are admins, as well as users with `role: admin`. */
    admin_user_group: z
      .string()
      .regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group ID such as S012ABCDEF')
      .optional(),
    /** Inbound calls to the Twilio number leave a voicemail that opens a high-urgency incident here. */
    emergency_line: z
      .strictObject({
        service: slug,
        greeting: z
          .string()
          .min(1)
          .max(500)
          .default(
            'You have reached the on-call emergency line. Describe the problem after the tone; the on-call engineer is paged at once.',
          ),
      })
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    for (const key of ['users', 'teams', 'rotations', 'escalation_policies', 'services'] as const) {
      for (const dup of duplicates(cfg[key])) fail([key, dup.index, 'id'], `duplicate id "${dup.id}"`);
    }
    const userIds = new Set(cfg.users.map((u) => u.id));
    const teamIds = new Set(cfg.teams.map((t) => t.id));
    const rotationIds = new Set(cfg.rotations.map((r) => r.id));
    const policyIds = new Set(cfg.escalation_policies.map((p) => p.id));
    cfg.rotations.forEach((r, i) => {
      if (!teamIds.has(r.team)) fail(['rotations', i, 'team'], `unknown team "${r.team}"`);
      r.participants.forEach((p, j) => {
        if (!userIds.has(p)) fail(['rotations', i, 'participants', j], `unknown user "${p}" (declare it under users)`);
      });
      r.layers.forEach((layer, k) => {
        layer.participants.forEach((p, j) => {
          if (!userIds.has(p)) fail(['rotations', i, 'layers', k, 'participants', j], `unknown user "${p}" (declare it under users)`);
        });
      });
    });
    cfg.escalation_policies.forEach((p, i) => {
      p.levels.forEach((level, j) => {
        level.targets.forEach((t, k) => {
          const path = ['escalation_policies', i, 'levels', j, 'targets', k];
          if ('rotation' in t && !rotationIds.has(t.rotation)) fail([...path, 'rotation'], `unknown rotation "${t.rotation}"`);
          if ('user' in t && !userIds.has(t.user)) fail([...path, 'user'], `unknown user "${t.user}" (declare it under users)`);
        });
      });
    });
    if (cfg.emergency_line && !cfg.services.some((s) => s.id === cfg.emergency_line!.service)) {
      fail(['emergency_line', 'service'], `unknown service "${cfg.emergency_line.service}"`);
    }
    const serviceIds = new Set(cfg.services.map((s) => s.id));
    cfg.services.forEach((s, i) => {
      s.routing.forEach((r, j) => {
        if (r.service && !serviceIds.has(r.service)) fail(['services', i, 'routing', j, 'service'], `unknown service "${r.service}"`);
      });
      if (!teamIds.has(s.team)) fail(['services', i, 'team'], `unknown team "${s.team}"`);
      if (!policyIds.has(s.escalation_policy)) {
        fail(['services', i, 'escalation_policy'], `unknown escalation policy "${s.escalation_policy}"`);
      }
    });
  });

export type ConfigFile = z.infer<typeof configFileSchema>;
