import type { ActionRefusal } from './notices.js';

/**
 * A count with its noun, in the singular for exactly one: `plural(1, 'alert')` is "1 alert", `plural(2,
 * 'alert')` "2 alerts". Pure wording, so the domain and services may use it as well as the views.
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** Text cut to at most `max` characters, with an ellipsis when it was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Why an incident action changed nothing, as a sentence. Slack and SMS both say it, each naming people its
 * own way (`who`: a mention in Slack, a name in an SMS).
 */
export function refusalSentence(refusal: ActionRefusal, who: (id: string) => string): string {
  switch (refusal.type) {
    case 'already_resolved':
      return `It was already resolved${refusal.by ? ` by ${who(refusal.by)}` : ' by its source'}.`;
    case 'already_acknowledged':
      return `It was already acknowledged by ${who(String(refusal.by))}.`;
    case 'last_level':
      return `It is already at the last level (${refusal.levels}) of ${refusal.policyName}.`;
  }
}
