import { FORM_LEVELS } from '../../services/admin/catalog-admin.js';
import { myChangesView } from './cancel-change.js';
import type { WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import { localDateOf } from '../../domain/zoned-time.js';
import type { SlackDeps } from '../deps.js';
import type { RenderedMessage } from '../views/incident-card.js';
import { scheduleMessage } from '../views/schedule.js';
import { policyModal, rotationModal, serviceModal } from '../views/catalog-forms.js';
import { meModal } from '../views/me-modals.js';
import { coverModal, overrideModal, timeOffModal } from '../views/schedule-modals.js';
import { swapView } from './swap-modal.js';
import { formatRuleLines } from '../../domain/notification-rules.js';
import { fairnessMessage } from '../views/fairness.js';
import { calendarMessages } from '../views/calendar.js';
import { viewerZone } from './viewer.js';
import { slackDate } from '../views/format.js';
import { InvalidInput } from '../../domain/errors.js';
import { DAY } from '../../domain/time-units.js';

export interface CommandContext {
  deps: SlackDeps;
  userId: string;
  /** Where the command was typed: incident commands act on the incident of this channel. */
  channelId: string;
  args: string[];
  triggerId: string;
  client: WebClient;
}

/** A private answer; one too long for a message goes on in `more`. */
export type Reply = RenderedMessage & { more?: RenderedMessage[] };

/** A subcommand answers privately, or returns null when it opened a modal instead. */
export type Subcommand = (ctx: CommandContext) => Promise<Reply | null>;

const say = (text: string): RenderedMessage => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

async function open(ctx: CommandContext, view: ModalView): Promise<null> {
  await ctx.client.views.open({ trigger_id: ctx.triggerId, view });
  return null;
}

function isoDate(d: { year: number; month: number; day: number }): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

async function findRotation(ctx: CommandContext, arg: string | undefined) {
  if (!arg) return { rotation: undefined, error: null };
  const rotations = [...(await ctx.deps.oncall.rotations()).values()];
  const rotation = rotations.find((r) => r.id === arg.toLowerCase()) ?? rotations.find((r) => r.name.toLowerCase() === arg.toLowerCase());
  return rotation
    ? { rotation, error: null }
    : {
        rotation: undefined,
        error: say(`No rotation \`${arg.replace(/`/g, '')}\`. Rotations: ${rotations.map((r) => `\`${r.id}\``).join(', ') || 'none yet'}.`),
      };
}

export const SCHEDULE_SUBCOMMANDS: Record<string, Subcommand> = {
  schedule: async (ctx) => {
    const { rotation, error } = await findRotation(ctx, ctx.args[0]);
    if (error) return error;
    const now = await ctx.deps.oncall.now();
    const days = 14;
    return scheduleMessage(
      await ctx.deps.oncall.schedules(now, now + days * DAY, rotation?.id),
      await viewerZone(ctx.deps, ctx.userId),
      days,
    );
  },

  override: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    const { rotation, error } = await findRotation(ctx, ctx.args[0]);
    if (error) return error;
    const rotations = [...(await ctx.deps.oncall.rotations()).values()].map((r) => ({ id: r.id, name: r.name }));
    if (rotations.length === 0) return say('There are no rotations yet.');
    return open(ctx, overrideModal({ rotations, rotationId: rotation?.id, userId: ctx.userId, now: await ctx.deps.oncall.now() }));
  },

  timeoff: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    const zone = await viewerZone(ctx.deps, ctx.userId);
    return open(ctx, timeOffModal({ today: isoDate(localDateOf(await ctx.deps.oncall.now(), zone)), zone, userId: ctx.userId }));
  },

  changes: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    // Admins may open someone else's list: `/oncall changes @someone`.
    const other = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(ctx.args[0] ?? '')?.[1];
    if (ctx.args[0] && !other) return say('Usage: `/oncall changes` for yours, or `/oncall changes @someone` (admins).');
    const owner = other ?? ctx.userId;
    return open(ctx, await myChangesView(ctx.deps, owner, await ctx.deps.overrides.changesFor(ctx.userId, owner)));
  },

  swap: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    const view = await swapView(ctx.deps, ctx.userId);
    return typeof view === 'string' ? say(view) : open(ctx, view);
  },

  cover: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    const mine = await ctx.deps.shifts.upcomingShifts(ctx.userId);
    if (mine.length === 0) return say('You have no shifts in the next 4 weeks that need cover.');
    return open(ctx, coverModal({ mine, zone: await viewerZone(ctx.deps, ctx.userId) }));
  },

  rotation: async (ctx) => {
    const { rotation, error } = await findRotation(ctx, ctx.args[0]);
    if (error) return error;
    if (rotation) {
      const readOnly = await ctx.deps.rotationAdmin.readOnlyReason(rotation);
      if (readOnly) return say(readOnly);
    }
    await ctx.deps.rotationAdmin.requireEditor(ctx.userId);
    const teamList = await ctx.deps.catalog.teams();
    if (teamList.length === 0) return say('Declare a team (with its Slack channel) in the config file first.');
    const zone = await viewerZone(ctx.deps, ctx.userId);
    const values = rotation
      ? {
          name: rotation.name,
          teamId: rotation.teamId,
          participants: rotation.participants,
          timeZone: rotation.timeZone,
          shift: `${rotation.shiftLength}${rotation.shiftUnit[0]}`,
          handoffTime: rotation.handoffTime,
          startDate: rotation.startDate,
        }
      : { timeZone: zone, startDate: isoDate(localDateOf(await ctx.deps.oncall.now(), zone)) };
    return open(ctx, rotationModal({ teams: teamList, values, rotationId: rotation?.id }));
  },

  policy: async (ctx) => {
    const ref = ctx.args[0]?.toLowerCase();
    const policy = ref ? await ctx.deps.catalog.policy(ref) : undefined;
    if (ref && !policy) return say(`No escalation policy \`${ref}\`.`);
    const readOnly = policy && (await ctx.deps.catalog.policyReadOnlyReason(policy));
    if (readOnly) return say(readOnly);
    await ctx.deps.catalog.requireEditor(ctx.userId, 'policy');
    const rotations = [...(await ctx.deps.oncall.rotations()).values()].map((r) => ({ id: r.id, name: r.name }));
    const values = policy ? await ctx.deps.catalog.policyFormValues(policy) : {};
    return open(ctx, policyModal({ rotations, values, levels: FORM_LEVELS, ...(policy ? { policyId: policy.id } : {}) }));
  },

  service: async (ctx) => {
    const ref = ctx.args[0]?.toLowerCase();
    const service = ref ? await ctx.deps.catalog.service(ref) : undefined;
    if (ref && !service) return say(`No service \`${ref}\`.`);
    const readOnly = service && (await ctx.deps.catalog.serviceReadOnlyReason(service));
    if (readOnly) return say(readOnly);
    await ctx.deps.catalog.requireEditor(ctx.userId, 'service');
    const teamList = await ctx.deps.catalog.teams();
    const policies = await ctx.deps.catalog.policies();
    if (teamList.length === 0) return say('Declare a team (with its Slack channel) in the config file first.');
    if (policies.length === 0) return say('Create an escalation policy first: `/oncall policy`.');
    const values = service
      ? { name: service.name, teamId: service.teamId, policyId: service.escalationPolicyId, incidentChannels: service.incidentChannels }
      : {};
    return open(ctx, serviceModal({ teams: teamList, policies, values, ...(service ? { serviceId: service.id } : {}) }));
  },

  fairness: async (ctx) => {
    const first = ctx.args[0];
    const weeksArg = ctx.args.find((a) => /^\d+$/.test(a));
    const { rotation, error } = await findRotation(ctx, first && !/^\d+$/.test(first) ? first : undefined);
    if (error) return error;
    const weeks = Math.min(26, Math.max(1, Number(weeksArg ?? 4)));
    return fairnessMessage(await ctx.deps.stats.fairness({ rotationId: rotation?.id, weeks }), weeks);
  },

  maintenance: async (ctx) => {
    const [serviceRef, duration] = ctx.args;
    if (!serviceRef) {
      const lines = (await ctx.deps.maintenance.overview()).map((s) => {
        const now = s.runningUntil ? `:construction: in maintenance until ${slackDate(s.runningUntil)}` : 'paging normally';
        const every = s.recurring.length > 0 ? `\n    recurring: ${s.recurring.join('; ')}` : '';
        return `• *${s.serviceName}* (\`${s.serviceId}\`): ${now}${every}`;
      });
      return say(
        `*Maintenance*\n${lines.join('\n') || 'No services yet.'}\nStart one with \`/oncall maintenance <service> <duration>\` (30m, 2h, 1d); end it with \`/oncall maintenance <service> end\`.`,
      );
    }
    if (!duration) return say('Usage: `/oncall maintenance <service> <duration>` (30m, 2h, 1d), or `/oncall maintenance <service> end`.');
    const actor = await ctx.deps.people.actor(ctx.userId);
    try {
      if (duration.toLowerCase() === 'end') {
        const r = await ctx.deps.maintenance.end(actor, serviceRef);
        return say(
          r.ended > 0
            ? `:white_check_mark: Maintenance on *${r.serviceName}* ended; it pages again.`
            : `*${r.serviceName}* was not in maintenance.`,
        );
      }
      const r = await ctx.deps.maintenance.start(actor, serviceRef, duration);
      return say(
        `:construction: *${r.serviceName}* is in maintenance until ${slackDate(r.until)}: alerts are recorded and shown as suppressed, and page nobody.`,
      );
    } catch (err) {
      if (err instanceof InvalidInput) return say(Object.values(err.fields).join(' '));
      throw err;
    }
  },

  me: async (ctx) => {
    await ctx.deps.people.requireKnown(ctx.userId);
    const mine = await ctx.deps.contact.mine(ctx.userId);
    return open(
      ctx,
      meModal({
        phone: mine.phone,
        phoneVerified: mine.phoneVerified,
        high: formatRuleLines(mine.rules.high),
        low: formatRuleLines(mine.rules.low),
        phonePaging: ctx.deps.phonePaging,
      }),
    );
  },

  note: async (ctx) => {
    try {
      const { rotationName } = await ctx.deps.handover.addNote(ctx.userId, ctx.args.join(' '));
      return say(`:memo: Noted for the *${rotationName}* handover.`);
    } catch (err) {
      if (err instanceof InvalidInput) return say(Object.values(err.fields).join(' '));
      throw err;
    }
  },

  calendar: async (ctx) => {
    const rotations = [...(await ctx.deps.oncall.rotations()).values()];
    const [first, ...more] = calendarMessages(await ctx.deps.calendars.feedsFor(ctx.userId, rotations));
    return { ...first!, more };
  },
};
