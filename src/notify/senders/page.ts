import { lockKey } from '../../db/client.js';
import { statementsOf } from '../../db/statements.js';
import { loadIncidentSummaries } from '../../services/incidents/incident-view.js';
import { incidentsOfPage, recordPageList, type OutboxMessage } from '../../services/outbox.js';
import { bringStepsForward } from '../../services/phone/phone.js';
import { incidentCard } from '../../slack/views/incident-card.js';
import { pageBundleMessage } from '../../slack/views/page-bundle.js';
import { pageReasonText } from '../../slack/views/notices/incident.js';
import { CHANNEL_POST_PACE, PAGE_HORIZON_MS } from '../pacing.js';
import { deferUntil, SENT, skipped, type OutboxRow, type SendResult, type SenderTable } from '../send-result.js';
import type { SenderContext } from '../sender-context.js';
import { paced, yieldToPages } from './gate.js';
import { withIncident } from './incident.js';

type Page = Extract<OutboxMessage, { kind: 'slack.page' }>;

/**
 * While pages queue for people's DMs, lesser Slack work waits, and for this long after the last of them: in a
 * storm of new incidents more pages follow, and a refresh slipped in between two would go before them.
 */
const PAGES_QUIET_MS = CHANNEL_POST_PACE.intervalMs;

/** The start of the last error of a page told to wait for its person's DM (Slack's pace, or a 429's wait). */
const WAITED_FOR_DM = 'pacing chat.postMessage in';

/**
 * The page DM. Slack lets Baton post to one DM about once a second, so in a storm pages to one person would
 * reach them one a second for as long as the storm lasts (a thousand incidents, a quarter of an hour). Instead
 * a page that finds the person's DM busy waits for its next free moment without holding a slot of its own, and
 * whichever page gets that moment takes every other page waiting for the person with it: one message listing
 * them, with "Acknowledge all", as the phone does with its calls and SMS.
 */
export function pageSenders(ctx: SenderContext): Pick<SenderTable, 'slack.page' | 'slack.page_list_refresh'> {
  return {
    'slack.page': {
      send: (message, row) => sendPage(ctx, message, row),
      // Slack could not deliver a page of a high-urgency incident: the person's phone steps go out now.
      afterFailure: async (row) => {
        const { incidentId, userId } = row.payload as { incidentId: number; userId: string };
        const moved = await ctx.db.query(async (q) => {
          const incident = await statementsOf(q).urgencyAndStatus.get({ id: incidentId });
          if (incident?.urgency !== 'high' || incident.status !== 'triggered') return 0;
          return bringStepsForward(q, { incidentId, userId, now: ctx.clock.nowMs(), kinds: ['twilio.sms', 'twilio.voice'] });
        });
        if (moved > 0) ctx.logger.warn({ incidentId }, 'Slack page failed: phone steps brought forward');
      },
    },
    // A list shows where each of its incidents stands: updated when one is acknowledged or resolved.
    'slack.page_list_refresh': {
      send: async (message, row) => {
        const pages = await yieldToPages(ctx);
        if (pages) return pages;
        const items = await ctx.db.query((q) => statementsOf(q).pageListItems.all({ listId: message.listId }));
        const where = items[0];
        if (!where) return skipped('the list is gone: its incidents were pruned');
        const wait = await paced(ctx, row, 'chat.update');
        if (wait) return wait;
        const summaries = await loadIncidentSummaries(
          ctx.db,
          items.map((i) => i.incidentId),
        );
        const list = pageBundleMessage(summaries, { bundleId: message.listId });
        await ctx.slack.chat.update({ channel: where.channel, ts: where.ts, text: list.text, blocks: list.blocks });
        return SENT;
      },
    },
  };
}

async function sendPage(ctx: SenderContext, message: Page, row: OutboxRow): Promise<SendResult> {
  // Checked before anything else: in a storm most attempts are only told to wait or that they were covered.
  // A page held up by an outage is pointless once someone acknowledged or it resolved.
  const status = (await ctx.db.query((q) => statementsOf(q).urgencyAndStatus.get({ id: message.incidentId })))?.status;
  if (status && status !== 'triggered') return skipped(`incident already ${status}`);
  const decided = await takeWaitingPages(ctx, message, row);
  if (!Array.isArray(decided)) return decided;
  if (decided.length === 1) {
    return withIncident(ctx, message.incidentId, async (view) => {
      const card = incidentCard(view, { reason: pageReasonText(message.reason) });
      const posted = await ctx.poster.postOnce(row, { channel: message.userId, text: card.text, blocks: card.blocks, unfurl_links: false });
      await ctx.poster.remember(message.incidentId, posted, 'dm', message.userId);
      return SENT;
    });
  }
  // A list is not a copy of any one card: it is updated on its own as its incidents change (page_list_refresh).
  const summaries = await loadIncidentSummaries(ctx.db, decided);
  const bundle = pageBundleMessage(summaries, { bundleId: row.id });
  const posted = await ctx.poster.postOnce(row, { channel: message.userId, text: bundle.text, blocks: bundle.blocks, unfurl_links: false });
  await ctx.pacing.posted(message.userId);
  const shown = summaries.map((s) => ({ id: s.incident.id, status: s.incident.status }));
  await recordPageList(ctx.db, { id: row.id, ...posted }, shown, ctx.clock.nowMs());
  return SENT;
}

/**
 * Decides, one page at a time per person: covered already by another page's bundle (skipped), the DM not free
 * yet (deferred to when it is), or free: then this page goes, with every other page waiting for the person whose
 * incident is still open. Returns the incidents it lists, oldest first.
 */
async function takeWaitingPages(ctx: SenderContext, message: Page, row: OutboxRow): Promise<number[] | SendResult> {
  const now = ctx.clock.nowMs();
  return ctx.db.transaction(async (tx) => {
    await lockKey(tx, `page:${message.userId}`);
    const statements = statementsOf(tx);
    // Claimed together with a page whose bundle has since taken it: it is on its way in that message.
    const own = await statements.outboxStatusById.get({ id: row.id });
    if (own?.status === 'skipped') return skipped(own.lastError?.replace(/^skipped: /, '') ?? 'covered by another page');
    const until = await ctx.pacing.postWhenFree(message.userId);
    if (until !== null) {
      // Held for Slack's pace, lesser work waits for it. Held by a 429 (its Retry-After may be long, and it is
      // about this DM alone), it does not: the rest of the workspace goes on.
      if (until - now <= PAGE_HORIZON_MS) await ctx.pacing.holdForPages(until + PAGES_QUIET_MS);
      return deferUntil(until, `${WAITED_FOR_DM} ${message.userId}`);
    }
    // A page interrupted by a restart after it decided keeps the list it decided on.
    const incidentIds = new Set(message.bundle ?? [message.incidentId]);
    const others = (await statements.heldPages.all({ userId: message.userId, id: row.id, horizon: now + PAGE_HORIZON_MS })).map((p) => ({
      id: p.id,
      lastError: p.lastError,
      lists: incidentsOfPage(p.payload, p.incidentId),
    }));
    // While the DM has room, each page is a card of its own, with its own buttons. Only once pages have had to
    // wait for it (or one already lists several) do they go together, every page due by then with them.
    const waited = (p: { lastError: string | null; lists: number[] }) =>
      p.lastError?.startsWith(WAITED_FOR_DM) === true || p.lists.length > 1;
    const backlog = waited({ lastError: row.lastError, lists: [...incidentIds] }) || others.some(waited);
    const held = backlog ? others : [];
    if (held.length > 0) await ctx.pacing.holdForPages(now + PAGES_QUIET_MS);
    for (const page of held) {
      // A held page may itself list others (its send failed and waits to retry): they all come along. A second
      // page of one incident (another level, a repeat) is covered too: the incident is listed once.
      for (const id of page.lists) {
        if (incidentIds.has(id)) continue;
        if ((await statements.urgencyAndStatus.get({ id }))?.status === 'triggered') incidentIds.add(id);
      }
      await statements.coverPage.run({ id: page.id, reason: `skipped: covered by outbox ${row.id}`, now });
    }
    const listed = [...incidentIds].sort((a, b) => a - b);
    const payload = listed.length > 1 ? { ...row.payload, bundle: listed } : row.payload;
    // From here the page counts as on its way: another person's page deciding next will not take it.
    await statements.startPage.run({ id: row.id, payloadJson: JSON.stringify(payload), now });
    return listed;
  });
}
