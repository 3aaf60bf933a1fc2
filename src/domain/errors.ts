/**
 * The two refusals services throw and listeners answer: input Baton cannot accept (InvalidInput), and an
 * action the person may not take (PermissionDenied). Each can name the form field it is about, so Slack
 * shows it on that field of the modal.
 */

/** Problems with what a person entered, each under the name of the field they would fix. */
export type FieldErrors = Record<string, string>;

/** Input that cannot be accepted, for any form or command: schedules, the catalog, contacts, incidents. */
export class InvalidInput extends Error {
  constructor(readonly fields: FieldErrors) {
    super(Object.values(fields).join(' '));
  }
}

export function throwIfAny(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
}

export class PermissionDenied extends Error {
  constructor(
    message: string,
    /** The form field the refusal is about, when there is one (shown there in a modal). */
    readonly field?: string,
  ) {
    super(message);
  }
}
