import type {
  AllMiddlewareArgs,
  BlockStaticSelectAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { InvalidInput } from '../../domain/errors.js';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { swapModal } from '../views/schedule-modals.js';
import { answerSubmission } from './submission.js';
import { viewerZone } from './viewer.js';

/**
 * "rotation|scheduledStart" (my shift) or "rotation|user|scheduledStart" (a teammate's), as the modals'
 * options name shifts: by what does not move as time passes.
 */
export function parseShiftValue(value: string | null, field: string): { rotationId: string; userId?: string; scheduledStart: number } {
  const parts = (value ?? '').split('|');
  const scheduledStart = Number(parts[parts.length - 1]);
  if ((parts.length !== 2 && parts.length !== 3) || !Number.isSafeInteger(scheduledStart))
    throw new InvalidInput({ [field]: 'Pick a shift.' });
  return { rotationId: parts[0]!, ...(parts.length === 3 ? { userId: parts[1]! } : {}), scheduledStart };
}

/**
 * The swap form for a person: their shifts, the other participants of those shifts' rotations, and, once a
 * teammate is picked, the teammate's shifts in those rotations. A string when there is nothing to swap.
 */
export async function swapView(
  deps: SlackDeps,
  userId: string,
  picked: { myShift?: string | null; teammateId?: string | null } = {},
): Promise<ModalView | string> {
  const mine = await deps.shifts.upcomingShifts(userId);
  if (mine.length === 0) return 'You have no shifts in the next 4 weeks to swap.';
  const teammates = await Promise.all(
    (await deps.shifts.swapTeammates(userId)).map(async (id) => ({ id, name: (await deps.people.name(id)) ?? id })),
  );
  if (teammates.length === 0) return 'Nobody else takes part in your rotations, so there is nobody to swap with.';
  // With one teammate there is nothing to pick: their shifts are shown at once.
  const teammateId = teammates.find((t) => t.id === picked.teammateId)?.id ?? (teammates.length === 1 ? teammates[0]!.id : null);
  const theirs = teammateId ? await deps.shifts.teammateShifts(userId, teammateId) : [];
  return swapModal({ mine, myShift: picked.myShift ?? null, teammates, teammateId, theirs, zone: await viewerZone(deps, userId) });
}

/** A teammate picked in the swap form: the form is shown again with that teammate's shifts. */
export function swapTeammateListener(deps: SlackDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockStaticSelectAction> & AllMiddlewareArgs) => {
    await ack();
    if (!body.view) return;
    const v = readModal(body.view.state.values);
    const view = await swapView(deps, body.user.id, { myShift: text(v.my_shift), teammateId: text(v.teammate) });
    if (typeof view === 'string') return;
    try {
      await client.views.update({ view_id: body.view.id, hash: body.view.hash, view });
    } catch (err) {
      // A second pick made before the update of the first reached the person's client carries the older hash,
      // and Slack refuses it. This pick came later and reads the form as the person left it: it goes anyway.
      if ((err as { data?: { error?: string } }).data?.error !== 'hash_conflict') throw err;
      await client.views.update({ view_id: body.view.id, view });
    }
  };
}

/** Submission of "Swap a shift": the teammate is asked by DM. */
export function swapSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['my_shift', 'teammate', 'their_shift'], async () => {
      const give = parseShiftValue(text(v.my_shift), 'my_shift');
      const teammateId = text(v.teammate);
      if (!teammateId) throw new InvalidInput({ teammate: 'Pick a teammate.' });
      const theirs = text(v.their_shift) ? parseShiftValue(text(v.their_shift), 'their_shift') : null;
      if (theirs && theirs.userId !== teammateId)
        throw new InvalidInput({ their_shift: 'Pick one of the chosen teammate’s shifts, or leave it empty.' });
      if (theirs && theirs.rotationId !== give.rotationId)
        throw new InvalidInput({ their_shift: 'Pick a shift in the same rotation as yours.' });
      await deps.swaps.requestSwap(body.user.id, { rotationId: give.rotationId, teammateId, give, take: theirs });
    });
  };
}
