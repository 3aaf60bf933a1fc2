import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { pageBundleMessage } from '../views/page-bundle.js';

/** "Acknowledge all" on a DM page that listed several incidents: answered with the list as it is now. */
export function pageBundleActionListener(deps: SlackDeps) {
  return async ({ ack, body, respond, action: button }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const pageId = Number(button.value);
    const result = Number.isSafeInteger(pageId) ? await deps.incidents.acknowledgePage(pageId, body.user.id) : null;
    deps.logger.info(
      { pageId, user: body.user.id, acknowledged: result?.acknowledged.length ?? 0, refused: result?.refused.length ?? 0 },
      'page acknowledged as a whole',
    );
    if (!result) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button does not name a page sent to you.' });
      return;
    }
    const message = pageBundleMessage(await deps.incidents.summaries(result.listed), {
      bundleId: pageId,
      acknowledged: result.acknowledged.length,
    });
    await respond({ replace_original: true, text: message.text, blocks: message.blocks });
    // Refusals are the same for every incident of one person: the first says why.
    if (result.refused.length > 0) await respond({ response_type: 'ephemeral', replace_original: false, text: result.refused[0]! });
  };
}
