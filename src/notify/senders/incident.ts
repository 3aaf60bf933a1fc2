import { loadIncidentView, type IncidentView } from '../../services/incidents/incident-view.js';
import { failed, type SendResult } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';

/**
 * Messages about an incident render it as it is when they are sent (render at send time): a page held up
 * by an outage shows the incident as it is now, not as it was when the page was queued.
 */
export async function withIncident(
  ctx: SenderContext,
  incidentId: number,
  send: (view: IncidentView) => Promise<SendResult>,
): Promise<SendResult> {
  // Loaded in a unit of its own: the send (Slack, Twilio) happens after it, outside any unit.
  const view = await loadIncidentView(ctx.db, incidentId);
  if (!view) return failed(`incident ${incidentId} no longer exists`);
  return send(view);
}
