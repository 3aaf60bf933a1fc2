/**
 * Checks on schedule changes before anything is saved. Each problem names the field a person would fix,
 * so Slack can show it on that field of the modal.
 */

import type { FieldErrors } from './errors.js';
import { DAY } from './time-units.js';

const MAX_WINDOW_MS = 366 * DAY;

/** A window [start, end) that must end after it starts and not lie wholly in the past. */
export function checkWindow(start: number, end: number, now: number, fields = { from: 'from', to: 'to' }): FieldErrors {
  if (!Number.isFinite(start)) return { [fields.from]: 'Pick a start.' };
  if (!Number.isFinite(end)) return { [fields.to]: 'Pick an end.' };
  if (end <= start) return { [fields.to]: 'The end must be after the start.' };
  if (end <= now) return { [fields.to]: 'That window is wholly in the past.' };
  if (end - start > MAX_WINDOW_MS) return { [fields.to]: 'That is longer than a year; split it up.' };
  return {};
}

export function overlapping<T extends { start: number; end: number }>(existing: readonly T[], start: number, end: number): T | undefined {
  return existing.find((e) => e.start < end && start < e.end);
}
