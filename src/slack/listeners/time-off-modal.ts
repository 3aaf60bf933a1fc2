import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { InvalidInput, PermissionDenied } from '../../domain/errors.js';
import { addDays, localTimeToUtc, parseISODate } from '../../domain/zoned-time.js';
import type { SlackDeps } from '../deps.js';
import { readModal, text } from '../modal-values.js';
import { timeOffConfirmModal, timeOffRefusedModal } from '../views/schedule-modals.js';
import { answerSubmission } from './submission.js';
import { viewerZone } from './viewer.js';

const pending = z.object({
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  start: z.number().int(),
  end: z.number().int(),
  reason: z.string().nullable(),
});

function startOfDay(date: string | null, zone: string, field: string, plusDays = 0): number {
  if (!date) throw new InvalidInput({ [field]: 'Pick a date.' });
  return localTimeToUtc(addDays(parseISODate(date), plusDays), { hour: 0, minute: 0 }, zone);
}

/** Step one: the dates. Answers with the confirmation view, which shows who covers which shifts. */
export function timeOffSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const v = readModal(view.state.values);
    const userId = text(v.who) ?? body.user.id;
    const viewer = await viewerZone(deps, body.user.id);
    const zone = userId === body.user.id ? viewer : await viewerZone(deps, userId);
    await answerSubmission(ack, deps, ['who', 'from', 'to', 'reason'], async () => {
      // Whole days in the away person's zone: from the first day's midnight to the midnight after the last.
      const start = startOfDay(text(v.from), zone, 'from');
      const end = startOfDay(text(v.to), zone, 'to', 1);
      const preview = await deps.timeOff.previewTimeOff(body.user.id, { userId, start, end });
      const metadata = JSON.stringify({ userId, start, end, reason: text(v.reason) });
      return { response_action: 'update', view: timeOffConfirmModal({ ...preview, actorId: body.user.id }, viewer, metadata) };
    });
  };
}

/**
 * Step two: confirmed; saved only now, and re-checked, since time may have passed (another confirmation
 * may have booked the same days). The confirmation has no fields to put an error on, so a refusal
 * replaces it with the reason.
 */
export function timeOffConfirmSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const parsed = pending.safeParse(safeJson(view.private_metadata));
    if (!parsed.success) {
      await ack({ response_action: 'update', view: timeOffRefusedModal('This form is out of date; start again with /oncall timeoff.') });
      return;
    }
    try {
      await deps.timeOff.createTimeOff(body.user.id, parsed.data);
    } catch (err) {
      const reason = refusalOf(err);
      if (reason === null) throw err;
      await ack({ response_action: 'update', view: timeOffRefusedModal(reason) });
      return;
    }
    await ack({ response_action: 'clear' });
  };
}

/** Why a change was refused, in words; null for an error that is not a refusal. */
function refusalOf(err: unknown): string | null {
  if (err instanceof InvalidInput) return Object.values(err.fields).join(' ');
  if (err instanceof PermissionDenied) return err.message;
  return null;
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return null;
  }
}
