import { statementsOf } from '../../db/statements.js';
import { PAGE_HORIZON_MS } from '../pacing.js';
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

/**
 * Pages first: while a page is waiting to go (due now but not yet claimed, or held for its DM's pace), team
 * posts, card refreshes and channel set-up wait until it is due; while pages queue for DMs in a storm, until a
 * second after the last of them. In a storm of new incidents Slack and the outbox are the bottleneck, and the
 * person being woken matters more than a card showing one more alert. A page already being sent holds nothing
 * back, nor does one that failed and waits to retry. Null when no page is waiting.
 */
export async function yieldToPages(ctx: SenderContext): Promise<SendResult | null> {
  const now = ctx.clock.nowMs();
  // Pages queuing for DMs in a storm (see page.ts): until a moment after the last of them.
  const held = await ctx.pacing.heldForPagesUntil();
  if (held !== null) return deferUntil(held, 'pages go first');
  const at = (await ctx.db.query((q) => statementsOf(q).firstWaitingPage.get({ horizon: now + PAGE_HORIZON_MS })))?.at;
  if (at === null || at === undefined) return null;
  // Due again with the page: claims take pages first, so the page goes out before it.
  return deferUntil(Math.max(now, at), 'pages go first');
}
