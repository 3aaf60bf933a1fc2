import type { SlackCall } from '../../devtools/slack/server.js';

/** A page DM that lists several incidents: pages that waited for the person's DM, sent together. */
const LIST = /^You are paged for \d+ incidents/;

/** A page: a DM (chat.postMessage to a person) that Slack accepted. */
export function isPageDM(c: SlackCall): boolean {
  return c.method === 'chat.postMessage' && /^[UW]/.test(String(c.args.channel)) && c.status === 200;
}

/** The outbox row a list of pages was sent for (Baton puts it in every post's metadata), or null for a card. */
export function listRowOf(c: SlackCall): number | null {
  if (!LIST.test(String(c.args.text ?? ''))) return null;
  const id = Number((c.args.metadata as { event_payload?: { outbox_id?: unknown } } | undefined)?.event_payload?.outbox_id);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * The incidents a page DM pages for: its card's, or every one a list names. A list shows only its first 25, so
 * its incidents are read from its outbox row (`bundleOf`: the row's `bundle`, from the test's database).
 */
export function pagedIncidentsOf(c: SlackCall, bundleOf: (outboxId: number) => number[] | undefined): number[] {
  if (!isPageDM(c)) return [];
  const row = listRowOf(c);
  if (row !== null) return bundleOf(row) ?? [];
  const card = /\] #(\d+) /.exec(String(c.args.text ?? ''));
  return card ? [Number(card[1])] : [];
}

/** The `bundle` of an outbox row's payload (JSON text or parsed), or undefined. */
export function bundleOfPayload(payload: unknown): number[] | undefined {
  const parsed = typeof payload === 'string' ? (JSON.parse(payload) as unknown) : payload;
  return (parsed as { bundle?: number[] } | null)?.bundle;
}
