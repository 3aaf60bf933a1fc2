import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/permissions.js';
import type { SlackDeps } from '../deps.js';
import { helpMessage } from '../views/help.js';
import { whoIsOnCallMessage } from '../views/oncall-who.js';
import { SCHEDULE_SUBCOMMANDS, type Subcommand } from './schedule-commands.js';
import { viewerZone } from './viewer.js';
import { INCIDENT_SUBCOMMANDS } from './incident-commands.js';

const SUBCOMMANDS: Record<string, Subcommand> = {
  who: async ({ deps, userId }) => whoIsOnCallMessage(deps.oncall.whoIsOnCall({ withEnd: true }), await viewerZone(deps, userId)),
  help: async () => helpMessage(),
  ...SCHEDULE_SUBCOMMANDS,
  ...INCIDENT_SUBCOMMANDS,
};

/** `/oncall <subcommand>`: acknowledged at once, answered privately through the response URL or with a modal. */
export function oncallCommandListener(deps: SlackDeps) {
  return async ({ ack, command, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const [name = 'help', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const handler = SUBCOMMANDS[name.toLowerCase()];
    if (!handler) {
      await respond({ response_type: 'ephemeral', ...helpMessage(`Unknown subcommand \`${name.replace(/`/g, '')}\`.`) });
      return;
    }
    let message;
    try {
      message = await handler({ deps, userId: command.user_id, channelId: command.channel_id, args, triggerId: command.trigger_id, client });
    } catch (err) {
      if (!(err instanceof PermissionDenied)) throw err;
      message = { text: err.message };
    }
    if (message) await respond({ response_type: 'ephemeral', ...message });
  };
}
