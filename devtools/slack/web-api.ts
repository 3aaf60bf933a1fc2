import type { EventEmitter } from 'node:events';

/** What a Web API method answers, as Slack's JSON: `ok`, and `error` when not ok. */
export type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };
export type Args = Record<string, unknown>;
/** One Web API method of a surface: its arguments in, Slack's answer out. */
export type Method = (args: Args) => Answer;

/**
 * What the surfaces share with the server: the contract violations seen (calls Slack would refuse or warn
 * about), and the events `waitFor` listens to ('call' for each Web API call, 'response' for everything else).
 */
export interface Shared {
  violations: string[];
  events: EventEmitter;
}

export function required(args: Args, names: string[]): Answer | null {
  const missing = names.find((n) => args[n] === undefined || args[n] === '');
  return missing
    ? {
        ok: false,
        error: missing === 'channel' ? 'channel_not_found' : 'invalid_arguments',
        response_metadata: { messages: [`[ERROR] missing required field: ${missing}`] },
      }
    : null;
}
