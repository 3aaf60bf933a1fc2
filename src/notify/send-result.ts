import type { outbox } from '../db/schema.js';
import type { OutboxMessage } from '../services/outbox.js';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxKind = OutboxMessage['kind'];

/**
 * What became of one attempt to send an outbox row. Senders return it; the outbox loop records it.
 * A provider's own error (Slack, Twilio, fetch) may also be thrown: the loop sorts it into retry or failed.
 */
export type SendResult =
  | { outcome: 'sent' }
  /** Nothing left to send (the incident was acknowledged meanwhile, say): recorded, not retried. */
  | { outcome: 'skipped'; reason: string }
  /**
   * Not now, and not a failure: until a time (a pacing slot, a throttle window), or, without one, until
   * another message of the same incident is sent first (it wakes this one when it is).
   */
  | { outcome: 'deferred'; until?: number; reason?: string }
  | { outcome: 'retry'; reason: string; afterMs?: number }
  | { outcome: 'failed'; reason: string };

export const SENT: SendResult = { outcome: 'sent' };
export const skipped = (reason: string): SendResult => ({ outcome: 'skipped', reason });
export const deferUntil = (until: number, reason: string): SendResult => ({ outcome: 'deferred', until, reason });
/** Waits for another message of the same incident (a channel's card, a thread's parent) to be sent. */
export const WAIT_FOR_EARLIER: SendResult = { outcome: 'deferred' };
export const retry = (reason: string, afterMs?: number): SendResult => ({ outcome: 'retry', reason, ...(afterMs ? { afterMs } : {}) });
export const failed = (reason: string): SendResult => ({ outcome: 'failed', reason });

/** The message of one kind (variants that share a shape list several kinds; this picks one out). */
export type MessageOf<K extends OutboxKind> = OutboxMessage & { kind: K };

/** Sends one kind of message. */
export interface Sender<K extends OutboxKind = OutboxKind> {
  send(message: MessageOf<K>, row: OutboxRow): Promise<SendResult>;
  /** How a thrown error of this kind's provider is read (Slack by default). */
  provider?: 'slack' | 'twilio' | 'webhook';
  /** After an attempt failed (an outage, say): a page that could not go out brings its phone steps forward. */
  afterFailure?(row: OutboxRow): Promise<void>;
}

/** Every kind of message and its sender: the compiler checks that none is missing. */
export type SenderTable = { [K in OutboxKind]: Sender<K> };

/** What the outbox loop has done since it started. */
export interface OutboxStats {
  sent: number;
  retried: number;
  failed: number;
}

/** Told of every send's fate (metrics), and of every error a sender threw before it is sorted (a 429 stops its method). */
export interface OutboxObserver {
  sent(kind: string): void;
  failed(kind: string, retryable: boolean): void;
  thrown?(err: unknown): Promise<void> | void;
}
