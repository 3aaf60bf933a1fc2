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

/** Acknowledge / Escalate / Resolve buttons, on any copy of the incident card. */
export function incidentActionListener(action: IncidentAction, deps: SlackDeps) {
  return async ({ ack, body, respond, client, action: button }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const incidentId = Number(button.value);
    // From the App Home there is no message to answer in: act, say why not if nothing happened, then show
    // the Home as it is now.
    if ((body.container as { type?: string } | undefined)?.type === 'view') {
      const result = Number.isSafeInteger(incidentId) ? deps.incidents.act(action, incidentId, body.user.id) : { outcome: 'not_found' as const };
      deps.logger.info({ incidentId, action, user: body.user.id, outcome: result.outcome, from: 'home' }, 'incident action');
      const refusal =
        result.outcome === 'not_found'
          ? `Incident #${incidentId} does not exist.`
          : result.outcome === 'unchanged'
            ? `Nothing to do: incident #${incidentId} was not ${DONE[action]} again. ${result.reason}`
            : null;
      if (refusal) await tellPrivately(deps, client, body.trigger_id, body.user.id, { text: refusal });
      await publishHome(deps, client, body.user.id);
      return;
    }
    if (!Number.isSafeInteger(incidentId)) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button does not name an incident.' });
      return;
    }
    const result = deps.incidents.act(action, incidentId, body.user.id);
    deps.logger.info({ incidentId, action, user: body.user.id, outcome: result.outcome }, 'incident action');
    if (result.outcome === 'not_found') {
      await respond({ response_type: 'ephemeral', replace_original: false, text: `Incident #${incidentId} does not exist.` });
    } else if (result.outcome === 'unchanged') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `Nothing to do: incident #${incidentId} was not ${DONE[action]} again. ${result.reason}`,
      });
    }
    // On success every copy of the card is updated through the outbox; no extra reply is needed.
  };
}
