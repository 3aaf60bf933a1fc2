import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { findUser } from '../../services/directory.js';
import type { SlackDeps } from '../deps.js';
import { helpMessage } from '../views/help.js';
import { whoIsOnCallMessage } from '../views/oncall-who.js';
import type { RenderedMessage } from '../views/incident-card.js';

type Subcommand = (deps: SlackDeps, userId: string, args: string[]) => Promise<RenderedMessage>;

/** The person's zone: from the config file if Baton knows them, else from their Slack profile, else UTC. */
async function viewerZone(deps: SlackDeps, userId: string): Promise<string> {
  const known = findUser(deps.db, userId)?.timeZone;
  if (known) return known;
  try {
    const info = await deps.slack.users.info({ user: userId });
    return info.user?.tz ?? 'UTC';
  } catch (err) {
    deps.logger.warn({ err, userId }, 'could not read the user time zone from Slack');
    return 'UTC';
  }
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  who: async (deps, userId) => whoIsOnCallMessage(deps.oncall.whoIsOnCall(), await viewerZone(deps, userId)),
  help: async () => helpMessage(),
};

/** `/oncall <subcommand>`: acknowledged at once, answered privately through the response URL. */
export function oncallCommandListener(deps: SlackDeps) {
  return async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const [name = 'help', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const handler = SUBCOMMANDS[name.toLowerCase()];
    const message = handler
      ? await handler(deps, command.user_id, args)
      : helpMessage(`Unknown subcommand \`${name.replace(/`/g, '')}\`.`);
    await respond({ response_type: 'ephemeral', ...message });
  };
}
