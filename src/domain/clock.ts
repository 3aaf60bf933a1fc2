import { MINUTE } from './time-units.js';

/** The only source of "now" in Baton. Production uses the system clock; tests and the demo use a ManualClock. */
export interface Clock {
  now(): Date;
  /** Now in epoch milliseconds, the unit Baton stores and compares instants in. */
  nowMs(): number;
}

export const systemClock: Clock = { now: () => new Date(), nowMs: () => Date.now() };

/** A clock that only moves when told to, so tests can fast-forward escalation by minutes instantly. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = '2026-11-23T09:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMs(): number {
    return this.current;
  }

  set(at: Date | string | number): void {
    this.current = new Date(at).getTime();
  }

  advanceMinutes(minutes: number): Date {
    this.current += minutes * MINUTE;
    return this.now();
  }

  advanceSeconds(seconds: number): Date {
    this.current += seconds * 1000;
    return this.now();
  }
}
