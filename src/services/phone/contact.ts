import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DB, Tx } from '../../db/client.js';
import { settings, users } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { DEFAULT_NOTIFICATION_RULES, type NotificationRules } from '../../domain/notification-rules.js';
import { InvalidInput } from '../../domain/errors.js';
import { requireKnown } from '../../domain/permissions.js';
import { MINUTE } from '../../domain/time-units.js';
import { sameDigest, sha256Hex } from '../../security/hash.js';
import { writeAudit } from '../admin/audit.js';
import { enqueueNotice } from '../outbox.js';

const CODE_TTL_MS = 10 * MINUTE;
const MAX_ATTEMPTS = 5;

interface PendingVerification {
  phone: string;
  codeHash: string;
  expiresAt: number;
  attempts: number;
}

export interface MyContact {
  phone: string | null;
  phoneVerified: boolean;
  smsOptedOut: boolean;
  rules: NotificationRules;
  customRules: boolean;
}

/** A person's own contact settings (`/oncall me`): notification rules, and a phone number proven by SMS code. */
export class ContactService {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly wakeOutbox: () => void = () => {},
  ) {}

  private async person(q: Tx, userId: string) {
    const [row] = await q.select().from(users).where(eq(users.id, userId)).limit(1);
    requireKnown(row ? { id: row.id, role: row.role } : null);
    return row!;
  }

  async mine(userId: string): Promise<MyContact> {
    const row = await this.db.query((q) => this.person(q, userId));
    return {
      phone: row.phone,
      phoneVerified: row.phone !== null && row.phoneVerifiedAt !== null,
      smsOptedOut: row.smsOptedOut,
      rules: row.notificationRules ?? DEFAULT_NOTIFICATION_RULES,
      customRules: row.notificationRules !== null,
    };
  }

  async setRules(userId: string, rules: NotificationRules): Promise<void> {
    const row = await this.db.query((q) => this.person(q, userId));
    const now = this.clock.nowMs();
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ notificationRules: rules, updatedAt: now }).where(eq(users.id, userId));
      await writeAudit(tx, {
        at: now,
        actor: userId,
        action: 'notification_rules.update',
        target: `user:${userId}`,
        before: row.notificationRules,
        after: rules,
      });
    });
  }

  /** Texts a 6-digit code to the new number; nothing changes until it is typed back. */
  async startPhoneVerification(userId: string, phone: string): Promise<void> {
    await this.db.query((q) => this.person(q, userId));
    if (!/^\+[1-9]\d{6,14}$/.test(phone))
      throw new InvalidInput({ phone: 'Expected a number in international form, such as +15551234567.' });
    const now = this.clock.nowMs();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const pending: PendingVerification = { phone, codeHash: sha256Hex(`${userId}:${code}`), expiresAt: now + CODE_TTL_MS, attempts: 0 };
    await this.db.transaction(async (tx) => {
      const value = JSON.stringify(pending);
      await tx
        .insert(settings)
        .values({ key: `verify:${userId}`, value })
        .onConflictDoUpdate({ target: settings.key, set: { value } });
      await enqueueNotice(tx, { kind: 'twilio.verify', userId, phone, code }, `verify:${userId}:${now}`, now);
    });
    this.wakeOutbox();
  }

  /** The code typed back: the number becomes the person's, verified. */
  async confirmPhone(userId: string, code: string): Promise<{ phone: string }> {
    const now = this.clock.nowMs();
    const key = `verify:${userId}`;
    const { row, stored } = await this.db.query(async (q) => {
      const row = await this.person(q, userId);
      const [stored] = await q.select().from(settings).where(eq(settings.key, key)).limit(1);
      return { row, stored };
    });
    const pending = stored ? (JSON.parse(stored.value) as PendingVerification) : null;
    if (!pending || pending.expiresAt < now) throw new InvalidInput({ code: 'That code has expired; start again with /oncall me.' });
    if (pending.attempts >= MAX_ATTEMPTS) throw new InvalidInput({ code: 'Too many wrong codes; start again with /oncall me.' });
    if (!sameDigest(sha256Hex(`${userId}:${code.trim()}`), pending.codeHash)) {
      const value = JSON.stringify({ ...pending, attempts: pending.attempts + 1 });
      await this.db.query(async (q) => {
        await q.update(settings).set({ value }).where(eq(settings.key, key));
      });
      throw new InvalidInput({ code: 'That is not the code we sent.' });
    }
    await this.db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ phone: pending.phone, phoneVerifiedAt: now, smsOptedOut: false, updatedAt: now })
        .where(eq(users.id, userId));
      await tx.delete(settings).where(eq(settings.key, key));
      await writeAudit(tx, {
        at: now,
        actor: userId,
        action: 'phone.verify',
        target: `user:${userId}`,
        before: { phone: row.phone },
        after: { phone: pending.phone },
      });
    });
    return { phone: pending.phone };
  }
}
