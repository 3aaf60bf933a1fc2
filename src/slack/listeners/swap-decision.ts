import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { swapAskMessage } from '../views/schedule-notices.js';
import { viewerZone } from './viewer.js';

/** Accept / Decline on a swap request DM; only the asked teammate can answer, once. */
export function swapDecisionListener(accept: boolean, deps: SlackDeps) {
  return async ({ ack, body, respond, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const swapId = Number(action.value);
    const result = Number.isSafeInteger(swapId)
      ? await deps.swaps.decideSwap(body.user.id, swapId, accept)
      : { outcome: 'not_found' as const };
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    switch (result.outcome) {
      case 'accepted':
      case 'declined': {
        const swap = (await deps.swaps.swapRequest(swapId))!;
        const name = (await deps.oncall.rotations()).get(swap.rotationId)?.name ?? swap.rotationId;
        await respond({ replace_original: true, ...swapAskMessage(swap, name, await viewerZone(deps, body.user.id)) });
        return;
      }
      case 'already_decided':
        return void (await say(`Nothing to do: this swap was already ${result.status}.`));
      case 'not_yours':
        return void (await say('Only the teammate who was asked can answer this swap.'));
      case 'stale':
        return void (await say(`Too late: ${result.reason}`));
      case 'not_found':
        return void (await say('That swap request no longer exists.'));
    }
  };
}
