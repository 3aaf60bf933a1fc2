import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../deps.js';
import { homeView } from '../views/home.js';
import { INCIDENT_SUBCOMMANDS } from './incident-commands.js';
import { runSubcommand } from './oncall-command.js';
import { SCHEDULE_SUBCOMMANDS } from './schedule-commands.js';
import { tellPrivately } from './tell-privately.js';
import { viewerZone } from './viewer.js';

/** What the person's Home shows, read fresh each time it opens. */
export async function publishHome(deps: SlackDeps, client: WebClient, userId: string): Promise<void> {
  const zone = await viewerZone(deps, userId);
  await client.views.publish({ user_id: userId, view: homeView({ ...(await deps.home.forUser(userId)), zone }) });
}

export function appHomeOpenedListener(deps: SlackDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await publishHome(deps, client, event.user);
  };
}

const QUICK: Record<string, (typeof SCHEDULE_SUBCOMMANDS)[string]> = {
  home_override: SCHEDULE_SUBCOMMANDS.override!,
  home_cover: SCHEDULE_SUBCOMMANDS.cover!,
  home_time_off: SCHEDULE_SUBCOMMANDS.timeoff!,
  home_declare: INCIDENT_SUBCOMMANDS.declare!,
  home_page: INCIDENT_SUBCOMMANDS.page!,
  home_my_changes: SCHEDULE_SUBCOMMANDS.changes!,
};

/** Quick actions open the same modals as the commands; a refusal is shown privately (the Home has no reply URL). */
export function homeQuickActionListener(deps: SlackDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const handler = QUICK[action.action_id];
    if (!handler) return;
    const message = await runSubcommand(handler, {
      deps,
      userId: body.user.id,
      channelId: '',
      args: [],
      triggerId: body.trigger_id,
      client,
    });
    if (message) await tellPrivately(deps, client, body.trigger_id, body.user.id, message);
  };
}
