import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { changedRows, type DB, type Tx } from '../../db/client.js';
import { statementsOf } from '../../db/statements.js';
import { incidents, outbox, users } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { refusalSentence } from '../../domain/wording.js';
import type { IncidentAction, IncidentService } from '../incidents/incidents.js';
import type { Incident } from '../incidents/paging.js';
import { recordEvent } from '../incidents/timeline.js';
import { incidentsOfPage } from '../outbox.js';

const KEYS: Record<string, IncidentAction> = { '1': 'acknowledge', '2': 'escalate', '3': 'resolve' };
const CODES: Record<string, IncidentAction> = { A: 'acknowledge', E: 'escalate', R: 'resolve' };
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const START_WORDS = new Set(['START', 'YES', 'UNSTOP', 'OPTIN']);
/** Call outcomes that mean nobody listened: the person's next step goes out now. */
const UNANSWERED = new Set(['no-answer', 'busy', 'failed', 'canceled']);

export interface CallTarget {
  outboxId: number;
  userId: string;
  incidents: Incident[];
}

/**
 * Makes a person's next pending page steps for an incident due now, instead of at their delay: the earliest
 * of each of `kinds`, or the earliest of any kind. Used when a call went unanswered and when Slack could
 * not deliver a page. Returns how many steps moved.
 */
export async function bringStepsForward(
  db: Tx,
  step: { incidentId: number; userId: string; now: number; kinds?: string[] },
): Promise<number> {
  let moved = 0;
  for (const kind of step.kinds ?? [null]) {
    const [next] = await db
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.incidentId, step.incidentId),
          eq(outbox.status, 'pending'),
          gt(outbox.nextAttemptAt, step.now),
          ...(kind ? [eq(outbox.kind, kind)] : []),
          eq(outbox.userId, step.userId),
        ),
      )
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(1);
    if (next) moved += changedRows(await db.update(outbox).set({ nextAttemptAt: step.now }).where(eq(outbox.id, next.id)));
  }
  return moved;
}

/** What phone calls and SMS replies do to incidents. Twilio routes only parse, verify and render. */
export class PhonePagingService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly incidents: IncidentService,
    private readonly wakeOutbox: () => void = () => {},
  ) {}

  /** Who a page call (identified by its outbox row) is for, and which incidents it reads out. */
  callTarget(outboxId: number): Promise<CallTarget | null> {
    return this.db.query(async (q) => {
      const [row] = await q
        .select()
        .from(outbox)
        .where(and(eq(outbox.id, outboxId), eq(outbox.kind, 'twilio.voice')))
        .limit(1);
      if (!row || row.incidentId === null) return null;
      const payload = row.payload as { userId: string };
      const ids = incidentsOfPage(row.payload, row.incidentId);
      const list = await q.select().from(incidents).where(inArray(incidents.id, ids));
      return { outboxId, userId: payload.userId, incidents: ids.map((id) => list.find((i) => i.id === id)!).filter(Boolean) };
    });
  }

  /** A key pressed during a page call: 1 acknowledge, 2 escalate, 3 resolve; null for any other key. */
  async pressKey(target: CallTarget, digits: string): Promise<string | null> {
    const action = KEYS[digits.trim()];
    if (!action || (action === 'resolve' && target.incidents.length > 1)) return null;
    // One after another, in the order the call read them out.
    const results: { id: number; result: Awaited<ReturnType<IncidentService['act']>> }[] = [];
    for (const i of target.incidents) results.push({ id: i.id, result: await this.incidents.act(action, i.id, target.userId) });
    const done = results.filter((r) => r.result.outcome === 'done').map((r) => r.id);
    const verb = { acknowledge: 'acknowledged', escalate: 'escalated', resolve: 'resolved' }[action];
    if (done.length === 0) return `Nothing changed: ${results.length === 1 ? 'the incident was' : 'they were'} already handled. Goodbye.`;
    return `${done.length === 1 ? `Incident ${done[0]}` : `${done.length} incidents`} ${verb}. Goodbye.`;
  }

  /** A page call ended. Unanswered, busy or failed: the person's next pending step goes out now. */
  async callEnded(target: CallTarget, status: string): Promise<void> {
    if (!UNANSWERED.has(status)) return;
    const now = this.clock.nowMs();
    await this.db.transaction(async (tx) => {
      for (const incident of target.incidents) {
        await recordEvent(tx, incident.id, now, 'call_unanswered', null, { user: target.userId, status });
        if (incident.status !== 'triggered') continue;
        await bringStepsForward(tx, { incidentId: incident.id, userId: target.userId, now });
      }
    });
    this.wakeOutbox();
  }

  /** An SMS to Baton's number: "12A" style codes, STOP and START. Returns the reply, or null for none. */
  async inboundSms(from: string, body: string): Promise<string | null> {
    const [person] = await this.db.query(async (q) => await q.select().from(users).where(eq(users.phone, from)).limit(1));
    const text = body.trim().toUpperCase();
    if (STOP_WORDS.has(text) || START_WORDS.has(text)) {
      if (person)
        await this.db.query(async (q) => {
          await q
            .update(users)
            .set({ smsOptedOut: STOP_WORDS.has(text) })
            .where(eq(users.id, person.id));
        });
      // The carrier and Twilio answer STOP and START themselves; a second reply would be noise.
      return null;
    }
    if (!person) return 'Baton does not know this number. Ask an admin to add it to your user in the config file.';
    // "A" alone answers the last SMS page: every incident it listed (a bundle sent when pages were held back).
    if (text === 'A') return this.acknowledgeLastSms(person.id);
    const code = /^#?(\d{1,12})\s*([AER])$/.exec(text);
    if (!code) return 'Reply with the incident number and a letter: 12A acknowledges incident 12, 12E escalates, 12R resolves.';
    const incidentId = Number(code[1]);
    const action = CODES[code[2]!]!;
    const result = await this.incidents.act(action, incidentId, person.id);
    if (result.outcome === 'not_found') return `There is no incident ${incidentId}.`;
    if (result.outcome === 'unchanged') {
      // The sentence is written synchronously: the one person it can name (who handled it) is looked up first.
      const by = 'by' in result.reason ? String(result.reason.by) : null;
      const name = by === null ? null : await this.nameOf(by);
      return `Incident ${incidentId}: nothing changed. ${refusalSentence(result.reason, (id) => (id === by && name !== null ? name : id))}`;
    }
    return `Incident ${incidentId} ${{ acknowledge: 'acknowledged', escalate: 'escalated', resolve: 'resolved' }[action]}.`;
  }

  private async acknowledgeLastSms(userId: string): Promise<string> {
    const last = await this.db.query((q) => statementsOf(q).lastSmsPage.get({ userId }));
    if (!last) return 'There is no page to answer. Reply with the incident number and a letter: 12A acknowledges incident 12.';
    const ids = incidentsOfPage(last.payload, last.incidentId);
    const done: number[] = [];
    for (const id of ids) if ((await this.incidents.act('acknowledge', id, userId)).outcome === 'done') done.push(id);
    if (done.length === 0) return `Nothing changed: ${ids.length === 1 ? `incident ${ids[0]} was` : 'they were'} already handled.`;
    return `${done.length === 1 ? 'Incident' : 'Incidents'} ${done.join(', ')} acknowledged.`;
  }

  private nameOf(userId: string): Promise<string> {
    return this.db.query(
      async (q) => (await q.select({ name: users.name }).from(users).where(eq(users.id, userId)).limit(1))[0]?.name ?? userId,
    );
  }
}
