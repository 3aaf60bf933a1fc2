import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/permissions.js';
import type { SlackDeps } from '../deps.js';
import { myChangesModal } from '../views/my-changes.js';
import { viewerZone, withNames } from './viewer.js';

/** Renders "My changes" for a person, with an optional line on what just happened. */
export async function myChangesView(deps: SlackDeps, userId: string, notice?: string) {
  const { overrides, timeOff } = deps.changes.upcomingChanges(userId);
  return myChangesModal({ overrides, timeOff, zone: await viewerZone(deps, userId), viewerId: userId, ...(notice ? { notice } : {}) });
}

/** "Cancel" on an override or time off in the "My changes" modal: cancelled, and the list shown again. */
export function cancelChangeListener(kind: 'override' | 'time_off', deps: SlackDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const id = Number(action.value);
    let notice: string;
    try {
      const done = Number.isSafeInteger(id) && (kind === 'override' ? deps.changes.cancelOverride(body.user.id, id) : deps.changes.cancelTimeOff(body.user.id, id));
      notice = done ? `:white_check_mark: ${kind === 'override' ? 'Override' : 'Time off'} cancelled.` : 'Nothing to cancel: it is already over or cancelled.';
    } catch (err) {
      if (!(err instanceof PermissionDenied)) throw err;
      notice = `:no_entry: ${withNames(deps, err.message)}`;
    }
    const owner = /^[UW][A-Z0-9]+$/.test(body.view?.private_metadata ?? '') ? body.view!.private_metadata : body.user.id;
    const view = await myChangesView(deps, owner, notice);
    if (body.view?.id) await client.views.update({ view_id: body.view.id, ...(body.view.hash ? { hash: body.view.hash } : {}), view });
  };
}
