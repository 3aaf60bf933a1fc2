import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { IncidentAction } from '../../services/incidents.js';
import type { SlackDeps } from '../deps.js';
import { publishHome } from './app-home.js';
import { tellPrivately } from './tell-privately.js';

const DONE: Record<IncidentAction, string> = {
  acknowledge: 'acknowledged',
  escalate: 'escalated',
  resolve: 'resolved',
};

/** Acknowledge / Escalate / Resolve buttons, on any copy of the incident card and on the App Home. */
export function incidentActionListener(action: IncidentAction, deps: SlackDeps) {
  return async ({ ack, body, respond, client, action: button }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const incidentId = Number(button.value);
    const fromHome = (body.container as { type?: string } | undefined)?.type === 'view';
    const result = Number.isSafeInteger(incidentId) ? deps.incidents.act(action, incidentId, body.user.id) : null;
    deps.logger.info({ incidentId, action, user: body.user.id, outcome: result?.outcome ?? 'invalid', ...(fromHome ? { from: 'home' } : {}) }, 'incident action');
    // On success every copy of the card is updated through the outbox; only a refusal needs an answer.
    const refusal =
      result === null
        ? 'That button does not name an incident.'
        : result.outcome === 'not_found'
          ? `Incident #${incidentId} does not exist.`
          : result.outcome === 'unchanged'
            ? `Nothing to do: incident #${incidentId} was not ${DONE[action]} again. ${result.reason}`
            : null;
    if (fromHome) {
      // The App Home has no message to answer in: a private notice, then the Home as it is now.
      if (refusal) await tellPrivately(deps, client, body.trigger_id, body.user.id, { text: refusal });
      await publishHome(deps, client, body.user.id);
    } else if (refusal) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: refusal });
    }
  };
}
