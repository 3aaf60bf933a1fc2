import type { Rotation } from './rotation.js';
import { NO_ADJUSTMENTS, onCallAt, type ScheduleAdjustments } from './schedule.js';
import { MINUTE } from './time-units.js';

export type EscalationTarget =
  | { kind: 'rotation'; rotationId: string; role: 'primary' | 'secondary' }
  | { kind: 'user'; userId: string }
  /** Everyone in a Slack channel: the incident is posted there with @channel. */
  | { kind: 'channel'; channelId: string }
  /** A Slack user group, mentioned in the team channel so its members are notified. */
  | { kind: 'user_group'; groupId: string };

export interface EscalationLevel {
  delayMinutes: number;
  targets: EscalationTarget[];
}

/** A policy as copied onto an incident when it opens, so later edits do not change a running page. */
export interface EscalationPolicySnapshot {
  id: string;
  name: string;
  /** How many more times the whole list of levels is walked after the first pass. */
  repeat: number;
  levels: EscalationLevel[];
}

export interface EscalationPosition {
  level: number;
  loop: number;
}

export const DEFAULT_LEVEL_DELAY_MINUTES = 15;

/** The position after `current`, wrapping to the first level while repeats remain; null when exhausted. */
export function nextPosition(policy: EscalationPolicySnapshot, current: EscalationPosition): EscalationPosition | null {
  if (current.level + 1 < policy.levels.length) return { level: current.level + 1, loop: current.loop };
  if (current.loop < policy.repeat) return { level: 0, loop: current.loop + 1 };
  return null;
}

export function levelDelayMs(policy: EscalationPolicySnapshot, position: EscalationPosition): number {
  const level = policy.levels[position.level];
  return (level?.delayMinutes ?? DEFAULT_LEVEL_DELAY_MINUTES) * MINUTE;
}

export interface ResolvedTargets {
  userIds: string[];
  /** Channels and user groups paged as a whole. */
  broadcasts: Extract<EscalationTarget, { kind: 'channel' | 'user_group' }>[];
  /** Targets that named nobody at this moment (an empty rotation, one not yet started, a gap in the schedule). */
  gaps: EscalationTarget[];
}

/** Who a level pages at instant `at`. Duplicates collapse: a person is paged once per level. */
export function resolveLevelTargets(
  level: EscalationLevel,
  rotations: ReadonlyMap<string, Rotation>,
  at: number,
  adjustments: ScheduleAdjustments = NO_ADJUSTMENTS,
): ResolvedTargets {
  const userIds: string[] = [];
  const gaps: EscalationTarget[] = [];
  const broadcasts: ResolvedTargets['broadcasts'] = [];
  for (const target of level.targets) {
    let userId: string | null = null;
    if (target.kind === 'channel' || target.kind === 'user_group') {
      broadcasts.push(target);
      continue;
    }
    if (target.kind === 'user') {
      userId = target.userId;
    } else {
      const rotation = rotations.get(target.rotationId);
      userId = rotation ? (onCallAt(rotation, at, adjustments)[target.role]?.userId ?? null) : null;
    }
    if (userId === null) gaps.push(target);
    else if (!userIds.includes(userId)) userIds.push(userId);
  }
  return { userIds, gaps, broadcasts };
}
