import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DB } from '../../db/client.js';
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

  private person(userId: string) {
    const row = this.db.select().from(users).where(eq(users.id, userId)).get();
    requireKnown(row ? { id: row.id, role: row.role } : null);
    return row!;
  }

  mine(userId: string): MyContact {
    const row = this.person(userId);
    return {
      phone: row.phone,
      phoneVerified: row.phone !== null && row.phoneVerifiedAt !== null,
      smsOptedOut: row.smsOptedOut,
      rules: row.notificationRules ?? DEFAULT_NOTIFICATION_RULES,
      customRules: row.notificationRules !== null,
    };
  }

  setRules(userId: string, rules: NotificationRules): void {
    const row = this.person(userId);
    const now = this.clock.nowMs();
    this.db.transaction(() => {
      this.db.update(users).set({ notificationRules: rules, updatedAt: now }).where(eq(users.id, userId)).run();
      writeAudit(this.db, {
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
  startPhoneVerification(userId: string, phone: string): void {
    this.person(userId);
    if (!/^\+[1-9]\d{6,14}$/.test(phone))
      throw new InvalidInput({ phone: 'Expected a number in international form, such as +15551234567.' });
    const now = this.clock.nowMs();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const pending: PendingVerification = { phone, codeHash: sha256Hex(`${userId}:${code}`), expiresAt: now + CODE_TTL_MS, attempts: 0 };
    this.db.transaction(() => {
      const value = JSON.stringify(pending);
      this.db
        .insert(settings)
        .values({ key: `verify:${userId}`, value })
        .onConflictDoUpdate({ target: settings.key, set: { value } })
        .run();
      enqueueNotice(this.db, { kind: 'twilio.verify', userId, phone, code }, `verify:${userId}:${now}`, now);
    });
    this.wakeOutbox();
  }

  /** The code typed back: the number becomes the person's, verified. */
  confirmPhone(userId: string, code: string): { phone: string } {
    const row = this.person(userId);
    const now = this.clock.nowMs();
    const key = `verify:${userId}`;
    const stored = this.db.select().from(settings).where(eq(settings.key, key)).get();
    const pending = stored ? (JSON.parse(stored.value) as PendingVerification) : null;
    if (!pending || pending.expiresAt < now) throw new InvalidInput({ code: 'That code has expired; start again with /oncall me.' });
    if (pending.attempts >= MAX_ATTEMPTS) throw new InvalidInput({ code: 'Too many wrong codes; start again with /oncall me.' });
    if (!sameDigest(sha256Hex(`${userId}:${code.trim()}`), pending.codeHash)) {
      const value = JSON.stringify({ ...pending, attempts: pending.attempts + 1 });
      this.db.update(settings).set({ value }).where(eq(settings.key, key)).run();
      throw new InvalidInput({ code: 'That is not the code we sent.' });
    }
    this.db.transaction(() => {
      this.db
        .update(users)
        .set({ phone: pending.phone, phoneVerifiedAt: now, smsOptedOut: false, updatedAt: now })
        .where(eq(users.id, userId))
        .run();
      this.db.delete(settings).where(eq(settings.key, key)).run();
      writeAudit(this.db, {
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
