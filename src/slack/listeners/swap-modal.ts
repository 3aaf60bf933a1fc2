import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { InvalidChange } from '../../domain/schedule-rules.js';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { answerSubmission } from './submission.js';

/** "rotation|start|end" or "rotation|user|start|end", as the modal's options encode shifts. */
export function parseShiftValue(value: string | null, field: string): { rotationId: string; userId?: string; start: number; end: number } {
  const parts = (value ?? '').split('|');
  const nums = parts.slice(-2).map(Number);
  if ((parts.length !== 3 && parts.length !== 4) || !nums.every(Number.isSafeInteger)) throw new InvalidChange({ [field]: 'Pick a shift.' });
  return { rotationId: parts[0]!, ...(parts.length === 4 ? { userId: parts[1]! } : {}), start: nums[0]!, end: nums[1]! };
}

/** Submission of "Swap a shift": the teammate is asked by DM. */
export function swapSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    await answerSubmission(ack, deps, ['my_shift', 'teammate', 'their_shift'], async () => {
      const give = parseShiftValue(text(v.my_shift), 'my_shift');
      const teammateId = text(v.teammate);
      if (!teammateId) throw new InvalidChange({ teammate: 'Pick a teammate.' });
      const theirs = text(v.their_shift) ? parseShiftValue(text(v.their_shift), 'their_shift') : null;
      if (theirs && theirs.userId !== teammateId) throw new InvalidChange({ their_shift: 'Pick one of the chosen teammate’s shifts, or leave it empty.' });
      if (theirs && theirs.rotationId !== give.rotationId) throw new InvalidChange({ their_shift: 'Pick a shift in the same rotation as yours.' });
      deps.changes.requestSwap(body.user.id, { rotationId: give.rotationId, teammateId, give, take: theirs });
    });
  };
}
