import { InvalidInput, PermissionDenied } from '../../domain/errors.js';
import type { SlackDeps } from '../deps.js';
import { withNames } from './viewer.js';

export type ViewAnswer =
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update' | 'push'; view: unknown }
  | { response_action: 'clear' };
type Ack = (answer?: never) => Promise<void>;

/**
 * Runs a modal submission and answers Slack: nothing (the modal closes), the next view, or errors on the
 * fields to fix. `fields` are the modal's block ids; an error about anything else goes on the first one.
 */
export async function answerSubmission(
  ack: unknown,
  deps: SlackDeps,
  fields: string[],
  // biome-ignore lint/suspicious/noConfusingVoidType: most handlers answer nothing (close the modal) and are written as void.
  work: () => Promise<ViewAnswer | void>,
): Promise<boolean> {
  const reply = ack as (answer?: ViewAnswer) => ReturnType<Ack>;
  try {
    const answer = await work();
    await reply(answer ?? undefined);
    return true;
  } catch (err) {
    let errors: Record<string, string> | null = null;
    if (err instanceof InvalidInput) {
      errors = {};
      for (const [field, message] of Object.entries(err.fields)) {
        const key = fields.includes(field) ? field : fields[0]!;
        errors[key] = await withNames(deps, errors[key] ? `${errors[key]} ${message}` : message);
      }
    } else if (err instanceof PermissionDenied) {
      errors = { [err.field && fields.includes(err.field) ? err.field : fields[0]!]: await withNames(deps, err.message) };
    }
    if (!errors) throw err;
    await reply({ response_action: 'errors', errors });
    return false;
  }
}
