import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

/** A :pushpin: on a message in an incident channel puts that message on the incident's timeline. */
export function pinReactionListener(deps: SlackDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs) => {
    if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
    if (await deps.channels.pinned(event.item.channel, event.user, event.item.ts)) {
      deps.logger.info({ channel: event.item.channel }, 'message pinned to an incident timeline');
    }
  };
}
