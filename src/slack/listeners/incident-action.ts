import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/errors.js';
import type { ActionOutcome, IncidentAction } from '../../services/incidents/incidents.js';
import { refusalText } from '../views/notices/incident.js';
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
    // A card in a channel: where it was clicked counts for a channel the escalation policy paged.
    const from = !fromHome && body.channel?.id ? { channelId: body.channel.id } : {};
    let result: ActionOutcome | null = null;
    let denied: string | null = null;
    try {
      result = Number.isSafeInteger(incidentId) ? await deps.incidents.respond(action, incidentId, body.user.id, from) : null;
    } catch (err) {
      // Not a responder: told why, privately, like any other click that changes nothing.
      if (!(err instanceof PermissionDenied)) throw err;
      denied = err.message;
    }
    deps.logger.info(
      {
        incidentId,
        action,
        user: body.user.id,
        outcome: denied ? 'refused' : (result?.outcome ?? 'invalid'),
        ...(fromHome ? { from: 'home' } : {}),
      },
      'incident action',
    );
    // On success every copy of the card is updated through the outbox; only a refusal needs an answer.
    const refusal = denied ?? unchangedText(action, incidentId, result);
    if (fromHome) {
      // The App Home has no message to answer in: a private notice, then the Home as it is now.
      if (refusal) await tellPrivately(deps, client, body.trigger_id, body.user.id, { text: refusal });
      await publishHome(deps, client, body.user.id);
    } else if (refusal) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: refusal });
    }
  };
}

function unchangedText(action: IncidentAction, incidentId: number, result: ActionOutcome | null): string | null {
  if (result === null) return 'That button does not name an incident.';
  if (result.outcome === 'not_found') return `Incident #${incidentId} does not exist.`;
  if (result.outcome === 'unchanged')
    return `Nothing to do: incident #${incidentId} was not ${DONE[action]} again. ${refusalText(result.reason)}`;
  return null;
}
