import type { App, BlockButtonAction } from '@slack/bolt';
import { INCIDENT_ACTIONS } from './action-ids.js';
import type { SlackDeps } from './deps.js';
import { ackOnly, unknownCommandListener } from './listeners/fallbacks.js';
import { incidentActionListener } from './listeners/incident-action.js';
import { oncallCommandListener } from './listeners/oncall-command.js';

type ButtonListener = ReturnType<typeof incidentActionListener>;

/** The one table from action_id to handler: every button Baton renders is routed here. */
const ACTION_ROUTES: Record<string, (deps: SlackDeps) => ButtonListener> = {
  [INCIDENT_ACTIONS.acknowledge]: (deps) => incidentActionListener('acknowledge', deps),
  [INCIDENT_ACTIONS.escalate]: (deps) => incidentActionListener('escalate', deps),
  [INCIDENT_ACTIONS.resolve]: (deps) => incidentActionListener('resolve', deps),
};

const COMMANDS = ['/oncall'];

/** Matches every id except the listed ones, so fallbacks never answer what a real route answers. */
function anyExcept(ids: string[]): RegExp {
  const escaped = ids.map((id) => id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^(?!(?:${escaped.join('|')})$)`);
}

export function registerRoutes(app: App, deps: SlackDeps): void {
  app.command('/oncall', oncallCommandListener(deps));
  for (const [actionId, listener] of Object.entries(ACTION_ROUTES)) {
    app.action<BlockButtonAction>(actionId, listener(deps));
  }
  app.command(anyExcept(COMMANDS), unknownCommandListener(deps));
  app.action(anyExcept(Object.keys(ACTION_ROUTES)), ackOnly(deps, 'action'));
  app.view(/.*/, ackOnly(deps, 'view'));
  app.shortcut(/.*/, ackOnly(deps, 'shortcut'));
}
