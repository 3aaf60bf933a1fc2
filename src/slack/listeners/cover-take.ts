import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/errors.js';
import type { SlackDeps } from '../deps.js';

/** "Take it" on a cover request: the first taker gets the override; later clicks are told it is taken. */
export function coverTakeListener(deps: SlackDeps) {
  return async ({ ack, body, respond, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const id = Number(action.value);
    let result: Awaited<ReturnType<typeof deps.cover.takeCover>> | { outcome: 'not_found' };
    try {
      result = Number.isSafeInteger(id) ? await deps.cover.takeCover(body.user.id, id) : { outcome: 'not_found' as const };
    } catch (err) {
      if (err instanceof PermissionDenied) return void (await say(err.message));
      throw err;
    }
    switch (result.outcome) {
      case 'taken':
        return void (await say(':white_check_mark: It is yours: you hold the pager for that shift.'));
      case 'already_taken':
        return void (await say(result.takenBy ? `Already taken by <@${result.takenBy}>, thanks anyway.` : 'This request is closed.'));
      case 'own_request':
        return void (await say('That is your own request; wait for a teammate to take it.'));
      case 'expired':
        return void (await say('That shift is already over.'));
      case 'not_found':
        return void (await say('That cover request no longer exists.'));
    }
  };
}
