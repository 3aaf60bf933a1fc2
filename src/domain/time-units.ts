/** Lengths of time in milliseconds, the unit of every instant and duration in Baton. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** 24 hours: a calendar day in a zone can be 23 or 25 (see zoned-time.ts for wall-clock arithmetic). */
export const DAY = 24 * HOUR;
