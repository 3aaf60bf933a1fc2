import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/errors.js';
import type { SlackDeps } from '../deps.js';
import { helpMessage } from '../views/help.js';
import { whoIsOnCallMessage } from '../views/oncall-who.js';
import { SCHEDULE_SUBCOMMANDS, type CommandContext, type Reply, type Subcommand } from './schedule-commands.js';
import { viewerZone } from './viewer.js';
import { summaryMessage } from '../views/home.js';
import { INCIDENT_SUBCOMMANDS } from './incident-commands.js';
import { reloadSubcommand } from './reload-command.js';

const SUBCOMMANDS: Record<string, Subcommand> = {
  who: async ({ deps, userId }) => whoIsOnCallMessage(await deps.oncall.whoIsOnCall({ withEnd: true }), await viewerZone(deps, userId)),
  help: async ({ args }) => helpMessage(undefined, args[0]),
  summary: async ({ deps, userId }) => {
    const zone = await viewerZone(deps, userId);
    const who = whoIsOnCallMessage(await deps.oncall.whoIsOnCall({ withEnd: true }), zone);
    const next = (await deps.people.actor(userId)) ? (await deps.shifts.upcomingShifts(userId))[0] : undefined;
    return summaryMessage(who, next, await deps.oncall.now(), zone);
  },
  ...SCHEDULE_SUBCOMMANDS,
  ...INCIDENT_SUBCOMMANDS,
  reload: reloadSubcommand,
};

/** Every word `/oncall` accepts first; the manifest's usage hint and the help table are checked against it. */
export const ONCALL_SUBCOMMAND_NAMES: readonly string[] = Object.keys(SUBCOMMANDS);

/**
 * Runs a subcommand; a refusal (PermissionDenied, from the permission rules the services apply) becomes
 * the answer. The one place refusals of `/oncall` and of the App Home's quick actions are put in words.
 */
export async function runSubcommand(handler: Subcommand, ctx: CommandContext): Promise<Reply | null> {
  try {
    return await handler(ctx);
  } catch (err) {
    if (!(err instanceof PermissionDenied)) throw err;
    return { text: err.message, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: err.message } }] };
  }
}

/** `/oncall <subcommand>`: acknowledged at once, answered privately through the response URL or with a modal. */
export function oncallCommandListener(deps: SlackDeps) {
  return async ({ ack, command, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const [name = 'summary', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const handler = SUBCOMMANDS[name.toLowerCase()];
    if (!handler) {
      const guess = closest(name.toLowerCase(), Object.keys(SUBCOMMANDS));
      const hint = guess ? ` Did you mean \`/oncall ${guess}\`?` : '';
      await respond({ response_type: 'ephemeral', ...helpMessage(`Unknown subcommand \`${name.replace(/`/g, '')}\`.${hint}`) });
      return;
    }
    const message = await runSubcommand(handler, {
      deps,
      userId: command.user_id,
      channelId: command.channel_id,
      args,
      triggerId: command.trigger_id,
      client,
    });
    if (!message) return;
    const { more = [], ...first } = message;
    await respond({ response_type: 'ephemeral', ...first });
    // A long answer goes on in further private messages: five on the response URL, as Slack allows, then by DM.
    for (const [i, next] of more.entries()) {
      if (i < 4) await respond({ response_type: 'ephemeral', ...next });
      else await client.chat.postMessage({ channel: command.user_id, ...next });
    }
  };
}

/** The subcommand a typo most likely meant: edit distance at most 2 (or a unique prefix). */
function closest(typed: string, names: string[]): string | null {
  const prefixed = names.filter((n) => n.startsWith(typed) && typed.length >= 2);
  if (prefixed.length === 1) return prefixed[0]!;
  let best: { name: string; d: number } | null = null;
  for (const name of names) {
    const d = distance(typed, name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name ?? null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
