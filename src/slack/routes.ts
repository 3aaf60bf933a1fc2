import type { App, BlockButtonAction, BlockStaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import { HOME_ACTIONS, INCIDENT_ACTIONS, MODALS, CHANNEL_ACTIONS, PAGE_ACTIONS, SCHEDULE_ACTIONS } from './action-ids.js';
import { channelRoleListener } from './listeners/channel-role.js';
import { cancelChangeListener } from './listeners/cancel-change.js';
import { appHomeOpenedListener, homeQuickActionListener } from './listeners/app-home.js';
import { coverSubmission } from './listeners/cover-modal.js';
import { meSubmission, phoneCodeSubmission } from './listeners/me-modal.js';
import { declareSubmission } from './listeners/declare-modal.js';
import { pageSubmission } from './listeners/page-modal.js';
import { pageBundleActionListener } from './listeners/page-bundle-action.js';
import { policySubmission, serviceSubmission } from './listeners/catalog-modals.js';
import { selectSearchListener } from './listeners/select-search.js';
import { pinReactionListener } from './listeners/pin-reaction.js';
import { coverTakeListener } from './listeners/cover-take.js';
import { overrideSubmission } from './listeners/override-modal.js';
import { rotationSubmission } from './listeners/rotation-modal.js';
import { swapDecisionListener } from './listeners/swap-decision.js';
import { swapSubmission, swapTeammateListener } from './listeners/swap-modal.js';
import { timeOffConfirmSubmission, timeOffSubmission } from './listeners/time-off-modal.js';
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
  [PAGE_ACTIONS.acknowledgeAll]: pageBundleActionListener,
  [CHANNEL_ACTIONS.commander]: (deps) => channelRoleListener('commander', deps),
  [CHANNEL_ACTIONS.comms]: (deps) => channelRoleListener('comms', deps),
  [SCHEDULE_ACTIONS.swapAccept]: (deps) => swapDecisionListener(true, deps),
  [SCHEDULE_ACTIONS.swapDecline]: (deps) => swapDecisionListener(false, deps),
  [SCHEDULE_ACTIONS.coverTake]: (deps) => coverTakeListener(deps),
  [SCHEDULE_ACTIONS.cancelOverride]: (deps) => cancelChangeListener('override', deps),
  [SCHEDULE_ACTIONS.cancelTimeOff]: (deps) => cancelChangeListener('time_off', deps),
  [SCHEDULE_ACTIONS.withdrawSwap]: (deps) => cancelChangeListener('swap_ask', deps),
  ...Object.fromEntries(Object.values(HOME_ACTIONS).map((id) => [id, (deps: SlackDeps) => homeQuickActionListener(deps)])),
};

type SelectListener = ReturnType<typeof swapTeammateListener>;

/** Picks in selects that dispatch them at once, so a form follows what the person picks. */
const SELECT_ROUTES: Record<string, (deps: SlackDeps) => SelectListener> = {
  [SCHEDULE_ACTIONS.swapTeammate]: swapTeammateListener,
};

type ViewListener = ReturnType<typeof overrideSubmission>;

/** The one table from modal callback_id to submission handler. */
const VIEW_ROUTES: Record<string, (deps: SlackDeps) => ViewListener> = {
  [MODALS.override]: overrideSubmission,
  [MODALS.timeOff]: timeOffSubmission,
  [MODALS.timeOffConfirm]: timeOffConfirmSubmission,
  [MODALS.swap]: swapSubmission,
  [MODALS.cover]: coverSubmission,
  [MODALS.rotation]: rotationSubmission,
  [MODALS.me]: meSubmission,
  [MODALS.phoneCode]: phoneCodeSubmission,
  [MODALS.declare]: declareSubmission,
  [MODALS.page]: pageSubmission,
  [MODALS.policy]: policySubmission,
  [MODALS.service]: serviceSubmission,
};

const COMMANDS = ['/oncall'];

/** Matches every id except the listed ones, so fallbacks never answer what a real route answers. */
function anyExcept(ids: string[]): RegExp {
  const escaped = ids.map((id) => id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^(?!(?:${escaped.join('|')})$)`);
}

export function registerRoutes(app: App, deps: SlackDeps): void {
  app.command('/oncall', oncallCommandListener(deps));
  app.event('reaction_added', pinReactionListener(deps));
  app.event('app_home_opened', appHomeOpenedListener(deps));
  for (const [actionId, listener] of Object.entries(ACTION_ROUTES)) {
    app.action<BlockButtonAction>(actionId, listener(deps));
  }
  for (const [actionId, listener] of Object.entries(SELECT_ROUTES)) {
    app.action<BlockStaticSelectAction>(actionId, listener(deps));
  }
  for (const [callbackId, listener] of Object.entries(VIEW_ROUTES)) {
    app.view<ViewSubmitAction>({ callback_id: callbackId, type: 'view_submission' }, listener(deps));
  }
  app.options({ type: 'block_suggestion' }, selectSearchListener(deps));
  app.command(anyExcept(COMMANDS), unknownCommandListener(deps));
  app.action(anyExcept([...Object.keys(ACTION_ROUTES), ...Object.keys(SELECT_ROUTES)]), ackOnly(deps, 'action'));
  app.view({ callback_id: anyExcept(Object.keys(VIEW_ROUTES)) }, ackOnly(deps, 'view'));
  // Closing a modal sends view_closed only when notify_on_close is set; Baton never sets it, but answer anyway.
  app.view({ callback_id: /.*/, type: 'view_closed' }, ackOnly(deps, 'view'));
  app.shortcut(/.*/, ackOnly(deps, 'shortcut'));
}
