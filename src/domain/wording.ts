/**
 * A count with its noun, in the singular for exactly one: `plural(1, 'alert')` is "1 alert", `plural(2,
 * 'alert')` "2 alerts". Pure wording, so the domain and services may use it as well as the views.
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
