import { auditMessage } from '../views/audit.js';
import { InvalidInput, PermissionDenied } from '../../domain/errors.js';
import { declareModal, pageModal } from '../views/incident-modals.js';
import { statsMessage } from '../views/stats.js';
import type { RenderedMessage } from '../views/incident-card.js';
import type { Subcommand } from './schedule-commands.js';

const say = (text: string): RenderedMessage => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

/** `<@U123|name>` (Slack escapes mentions in command text) to the user ID. */
function mentioned(arg: string | undefined): string | null {
  return /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(arg ?? '')?.[1] ?? null;
}

function refusal(err: unknown): RenderedMessage {
  if (err instanceof InvalidInput) return say(Object.values(err.fields).join(' '));
  throw err;
}

/** Commands that coordinate an incident; all but `declare` run in the incident's channel. */
export const INCIDENT_SUBCOMMANDS: Record<string, Subcommand> = {
  integration: async (ctx) => {
    const rotate = ctx.args[0] === 'rotate';
    const [serviceRef, kind, interval] = rotate ? ctx.args.slice(1) : ctx.args;
    if (!serviceRef || !kind)
      return say(
        'Usage: `/oncall integration <service> <alertmanager|grafana|pagerduty|generic|heartbeat> [minutes]`, or `/oncall integration rotate <service> <type>`.',
      );
    try {
      const made = rotate
        ? await ctx.deps.integrations.rotate(ctx.userId, serviceRef, kind)
        : await ctx.deps.integrations.create(ctx.userId, serviceRef, kind, interval ? Number(interval) : undefined);
      const rotated = made.expiring > 0 ? `\nThe previous key keeps working for 24 hours: move the sender to the new one before then.` : '';
      return say(
        `:key: New *${made.kind}* key for *${made.serviceName}*. Point the sender at:\n\`${made.url}\`\nThis is the only time Baton shows the key; it keeps only a hash.${rotated}`,
      );
    } catch (err) {
      if (err instanceof PermissionDenied) return say(err.message);
      return refusal(err);
    }
  },

  stats: async (ctx) => {
    const period = ctx.args.find((a) => /^\d+d$/.test(a)) ?? '30d';
    const days = Number(period.slice(0, -1));
    if (![7, 30, 90].includes(days)) return say('Periods: 7d, 30d or 90d.');
    const scope = ctx.args.find((a) => a !== period);
    const result = await ctx.deps.stats.incidents({ scope, days });
    if (!result) return say(`No team or service \`${scope}\`.`);
    return statsMessage(result.scopeName, days, result.stats);
  },

  audit: async (ctx) => {
    const rotationId = ctx.args[0]?.toLowerCase() ?? null;
    return auditMessage(await ctx.deps.audit.recent(ctx.userId, rotationId), rotationId);
  },

  declare: async (ctx) => {
    const list = await ctx.deps.catalog.services();
    if (list.length === 0) return say('Declare a service in the config file first.');
    await ctx.client.views.open({ trigger_id: ctx.triggerId, view: declareModal(list) });
    return null;
  },

  role: async (ctx) => {
    const [role, who] = ctx.args;
    const which = role === 'commander' || role === 'ic' ? 'commander' : role === 'comms' || role === 'communications' ? 'comms' : null;
    if (!which) return say('Usage: `/oncall role commander|comms [@someone]` in the incident channel.');
    const userId = who ? mentioned(who) : ctx.userId;
    if (!userId) return say('Name the person with an @mention.');
    try {
      await ctx.deps.channels.setRole(ctx.userId, ctx.channelId, which, userId);
      return say(`Done: <@${userId}> is the ${which === 'commander' ? 'incident commander' : 'communications lead'}.`);
    } catch (err) {
      return refusal(err);
    }
  },

  update: async (ctx) => {
    try {
      const { stakeholders } = await ctx.deps.channels.statusUpdate(ctx.userId, ctx.channelId, ctx.args.join(' '));
      return say(`Posted${stakeholders ? ` here and in <#${stakeholders}>` : ''}.`);
    } catch (err) {
      return refusal(err);
    }
  },

  page: async (ctx) => {
    const [target, ...message] = ctx.args;
    // Outside an incident channel, paging someone opens an incident for them: the "Page someone" modal.
    if (!(await ctx.deps.channels.inChannel(ctx.channelId))) {
      const services = await ctx.deps.catalog.services();
      if (services.length === 0) return say('Declare a service in the config file first.');
      const rotations = [...(await ctx.deps.oncall.rotations()).values()].map((r) => ({ id: r.id, name: r.name }));
      await ctx.client.views.open({ trigger_id: ctx.triggerId, view: pageModal({ services, rotations, userId: mentioned(target) }) });
      return null;
    }
    if (!target) return say('Usage: `/oncall page @someone|<rotation> <message>` in the incident channel.');
    const userId = mentioned(target);
    try {
      const paged = await ctx.deps.channels.page(ctx.userId, ctx.channelId, userId ? { userId } : { rotation: target }, message.join(' '));
      return say(`Paging ${paged.map((u) => `<@${u}>`).join(', ')}; they are invited here.`);
    } catch (err) {
      return refusal(err);
    }
  },
};
