import { and, eq } from 'drizzle-orm';
import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import { incidentMessages } from '../db/schema.js';
import { classifySlackError } from './slack-client.js';
import type { OutboxRow } from './send-result.js';

/** The metadata event type that marks Baton's own posts with their outbox id. */
const OUTBOX_EVENT = 'baton_outbox';
/** How far back (pages of 200) a message interrupted by a restart is looked for. */
const FIND_POSTED_PAGES = 5;

export interface Posted {
  channel: string;
  ts: string;
}

/**
 * Posts to Slack so that a crash never doubles a message, and remembers where each incident's messages
 * are (to update them later). Every post carries its outbox id in Slack's message metadata; a row that
 * was in flight when the process died is looked for in the channel (or thread) before it is posted again.
 */
export class SlackPoster {
  constructor(
    private readonly db: DB,
    private readonly slack: WebClient,
    private readonly logger: Logger,
  ) {}

  async postOnce(row: OutboxRow, args: ChatPostMessageArguments): Promise<Posted> {
    if (row.interrupted) {
      const found = await this.findPosted(row.id, args.channel, 'thread_ts' in args ? args.thread_ts : undefined);
      if (found) {
        this.logger.info({ outboxId: row.id, kind: row.kind }, 'message interrupted by a restart was already in Slack: not sent again');
        return found;
      }
    }
    const res = await this.slack.chat.postMessage({
      ...args,
      metadata: { event_type: OUTBOX_EVENT, event_payload: { outbox_id: row.id } },
    } as ChatPostMessageArguments);
    return { channel: res.channel!, ts: res.ts! };
  }

  /** Where a copy of the incident's card is, so every copy can be updated. */
  async remember(incidentId: number, posted: Posted, audience: 'dm' | 'team', userId: string | null): Promise<void> {
    await this.db.query(async (q) => {
      await q
        .insert(incidentMessages)
        .values({ incidentId, channel: posted.channel, ts: posted.ts, audience, userId })
        .onConflictDoNothing();
    });
  }

  /** The incident's card in a shared channel, if it was posted there. */
  teamMessage(incidentId: number, channel: string): Promise<Posted | undefined> {
    return this.db.query(async (q) => {
      const [posted] = await q
        .select({ channel: incidentMessages.channel, ts: incidentMessages.ts })
        .from(incidentMessages)
        .where(
          and(eq(incidentMessages.incidentId, incidentId), eq(incidentMessages.audience, 'team'), eq(incidentMessages.channel, channel)),
        )
        .limit(1);
      return posted;
    });
  }

  /** Every copy of the incident's card. */
  messagesOf(incidentId: number): Promise<Posted[]> {
    return this.db.query(async (q) =>
      q
        .select({ channel: incidentMessages.channel, ts: incidentMessages.ts })
        .from(incidentMessages)
        .where(eq(incidentMessages.incidentId, incidentId)),
    );
  }

  /**
   * The message posted for outbox row `id`, looked up by its metadata among the newest messages of the
   * channel (a person's DM is opened first) or of the thread. Null when it is not there, or when Slack will
   * not let Baton look (an install without the history scopes): then it is posted again, as before.
   */
  private async findPosted(id: number, channel: string, threadTs: string | undefined): Promise<Posted | null> {
    const ours = (m: { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }) =>
      m.metadata?.event_type === OUTBOX_EVENT && Number(m.metadata.event_payload?.outbox_id) === id;
    try {
      const conversation = /^[UW]/.test(channel) ? (await this.slack.conversations.open({ users: channel })).channel!.id! : channel;
      if (threadTs) {
        const thread = await this.slack.conversations.replies({
          channel: conversation,
          ts: threadTs,
          include_all_metadata: true,
          limit: 1000,
        });
        const hit = thread.messages?.find(ours);
        return hit?.ts ? { channel: conversation, ts: hit.ts } : null;
      }
      let latest: string | undefined;
      for (let page = 0; page < FIND_POSTED_PAGES; page += 1) {
        const history = await this.slack.conversations.history({
          channel: conversation,
          include_all_metadata: true,
          limit: 200,
          ...(latest ? { latest } : {}),
        });
        const messages = history.messages ?? [];
        const hit = messages.find(ours);
        if (hit?.ts) return { channel: conversation, ts: hit.ts };
        if (!history.has_more || messages.length === 0) return null;
        latest = messages[messages.length - 1]!.ts;
      }
      return null;
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.retryable) throw err;
      this.logger.warn({ outboxId: id, err: failure.message }, 'could not look for a message interrupted by a restart: sending it again');
      return null;
    }
  }
}
