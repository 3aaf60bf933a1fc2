import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { InvalidInput, PermissionDenied } from '../../domain/errors.js';
import type { IncidentRole } from '../../services/incidents/incident-channel.js';
import type { SlackDeps } from '../deps.js';

const TITLE: Record<IncidentRole, string> = { commander: 'incident commander', comms: 'communications lead' };

/** "I'm incident commander" / "I'll handle comms" in an incident channel: the clicker takes the role. */
export function channelRoleListener(role: IncidentRole, deps: SlackDeps) {
  return async ({ ack, body, respond }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const channelId = body.channel?.id;
    if (!channelId) return void (await say('Use this button in the incident channel.'));
    try {
      await deps.channels.setRole(body.user.id, channelId, role, body.user.id);
    } catch (err) {
      if (err instanceof PermissionDenied) return void (await say(err.message));
      if (err instanceof InvalidInput) return void (await say(Object.values(err.fields).join(' ')));
      throw err;
    }
    // The channel is told through the outbox; the clicker gets a private confirmation.
    await say(`You are the ${TITLE[role]}.`);
  };
}
