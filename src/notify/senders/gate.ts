import { deferUntil, type OutboxRow, type SendResult } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';

/**
 * Before a Slack call: null when it may go now, else the row is deferred to its slot (Slack's pace per
 * channel and per method, or a method's Retry-After after a 429).
 */
export async function paced(
  ctx: SenderContext,
  row: OutboxRow,
  method: string,
  opts: { channel?: string; calls?: number } = {},
): Promise<SendResult | null> {
  const until = await ctx.pacing.gate(row.id, method, opts);
  return until === null ? null : deferUntil(until, `pacing ${method}${opts.channel ? ` in ${opts.channel}` : ''}`);
}
