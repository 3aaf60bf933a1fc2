/** The only source of "now" in Baton. Production uses the system clock; tests and the demo use a ManualClock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to, so tests can fast-forward escalation by minutes instantly. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = '2026-11-23T09:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string | number): void {
    this.current = new Date(at).getTime();
  }

  advanceMinutes(minutes: number): Date {
    this.current += minutes * 60_000;
    return this.now();
  }

  advanceSeconds(seconds: number): Date {
    this.current += seconds * 1000;
    return this.now();
  }
}
