import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { PermissionDenied } from '../../domain/errors.js';
import type { UpcomingChanges } from '../../services/schedules/overrides.js';
import type { SlackDeps } from '../deps.js';
import { myChangesModal } from '../views/my-changes.js';
import { viewerZone, withNames } from './viewer.js';

const CANCELLED = {
  override: 'Override cancelled.',
  swap: 'Swap cancelled: both halves, and both of you and the team are told.',
  swap_ask: 'Swap request withdrawn: your teammate can no longer accept it.',
  time_off: 'Time off cancelled.',
} as const;

/** What a Cancel button names: an override (or half of a swap), time off, or a swap request to withdraw. */
type Cancellable = 'override' | 'time_off' | 'swap_ask';

/** What a Cancel click cancelled (half of a swap cancels the swap), or null when nothing was left to cancel. */
async function cancel(deps: SlackDeps, kind: Cancellable, actorId: string, id: number): Promise<keyof typeof CANCELLED | null> {
  if (!Number.isSafeInteger(id)) return null;
  if (kind === 'override') return await deps.overrides.cancelOverride(actorId, id);
  if (kind === 'swap_ask') return (await deps.swaps.withdrawSwap(actorId, id)) ? 'swap_ask' : null;
  return (await deps.timeOff.cancelTimeOff(actorId, id)) ? 'time_off' : null;
}

/** Renders "My changes" of `ownerId` (their changes as read for them), with an optional line on what just happened. */
export async function myChangesView(deps: SlackDeps, ownerId: string, changes: UpcomingChanges, notice?: string) {
  const { overrides, swaps, asks, timeOff } = changes;
  return myChangesModal({
    overrides,
    swaps,
    asks,
    timeOff,
    zone: await viewerZone(deps, ownerId),
    viewerId: ownerId,
    ...(notice ? { notice } : {}),
  });
}

/** "Cancel" (or "Withdraw") in the "My changes" modal: cancelled, and the list shown again. */
export function cancelChangeListener(kind: Cancellable, deps: SlackDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const id = Number(action.value);
    let notice: string;
    try {
      const done = await cancel(deps, kind, body.user.id, id);
      notice = done ? `:white_check_mark: ${CANCELLED[done]}` : 'Nothing to cancel: it is already over, answered or cancelled.';
    } catch (err) {
      if (!(err instanceof PermissionDenied)) throw err;
      notice = `:no_entry: ${await withNames(deps, err.message)}`;
    }
    const owner = /^[UW][A-Z0-9]+$/.test(body.view?.private_metadata ?? '') ? body.view!.private_metadata : body.user.id;
    // The list Baton opened the modal with (its owner, in private_metadata), shown again whoever clicked: a
    // click by someone without the right was refused above and changed nothing.
    const view = await myChangesView(deps, owner, await deps.overrides.upcomingChanges(owner), notice);
    if (body.view?.id) await client.views.update({ view_id: body.view.id, ...(body.view.hash ? { hash: body.view.hash } : {}), view });
  };
}
