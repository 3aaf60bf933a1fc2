import type { Role } from '../../domain/schedule.js';

/** A notice as the outbox posts it. */
export interface NoticeText {
  text: string;
  blocks?: unknown[];
}

export interface OverrideMade {
  userId: string;
  role: Role;
  rotationName: string;
  start: number;
  end: number;
  setBy: string;
}

export interface OverrideCancelled {
  actorId: string;
  userId: string;
  kind: 'override' | 'swap' | 'cover';
  rotationName: string;
  start: number;
  end: number;
}

export interface SwapCancelled {
  actorId: string;
  requesterId: string;
  teammateId: string;
  rotationName: string;
  halves: { userId: string; start: number; end: number }[];
}

/** A swap the teammate answered: the requester's shift they take, and the teammate's the requester takes back, if any. */
export interface SwapDecided {
  requesterId: string;
  teammateId: string;
  rotationName: string;
  give: { start: number; end: number };
  take: { start: number; end: number } | null;
}

/** Someone's time off, as one of the people who cover for them is told. */
export interface TimeOffCover {
  awayId: string;
  shifts: { rotationName: string; role: Role; start: number; end: number }[];
}

export interface CoverTaken {
  requesterId: string;
  takerId: string;
  start: number;
  end: number;
}

/**
 * The words of the notices the schedule services queue. They are Slack copy, so they live in the Slack
 * views; the composition root hands them in, and the services only say what happened.
 */
export interface ScheduleNoticeViews {
  /** The team channel: someone takes the pager. */
  overrideMade(n: OverrideMade): NoticeText;
  /** The team channel: an override is cancelled. */
  overrideCancelled(n: OverrideCancelled): NoticeText;
  /** One of the two people of a cancelled swap, by DM, in their zone. */
  swapCancelledDM(n: SwapCancelled, recipientId: string, zone: string): NoticeText;
  /** The team channel: a swap is cancelled. */
  swapCancelledPost(n: SwapCancelled): NoticeText;
  /** The requester, by DM in their zone: the teammate declined. */
  swapDeclinedDM(n: SwapDecided, zone: string): NoticeText;
  /** The requester, by DM in their zone: the teammate accepted. */
  swapAcceptedDM(n: SwapDecided, zone: string): NoticeText;
  /** The teammate, by DM in their zone: what they hold now. */
  swapDoneDM(n: SwapDecided, zone: string): NoticeText;
  /** The team channel: an accepted swap. */
  swapAcceptedPost(n: SwapDecided): NoticeText;
  /** Someone who covers shifts of a person away, by DM in their zone. */
  timeOffCoverDM(n: TimeOffCover, zone: string): NoticeText;
  /** The cover request's thread: who took it. */
  coverTakenReply(n: CoverTaken): NoticeText;
}
