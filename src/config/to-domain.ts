import type { z } from 'zod';
import { DEFAULT_NOTIFICATION_RULES, type NotificationRules, type NotificationStep } from '../domain/notification-rules.js';
import type { EscalationLevel, EscalationTarget } from '../domain/escalation.js';
import type { Layer, Restriction } from '../domain/rotation.js';
import type { ConfigFile, notificationStepSchema } from './schema.js';

// The config file's shapes turned into the domain's, for the config applier (services/admin/config-apply.ts).

export function toEscalationLevels(levels: ConfigFile['escalation_policies'][number]['levels']): EscalationLevel[] {
  return levels.map((level) => ({
    delayMinutes: level.delay_minutes,
    targets: level.targets.map(
      (t): EscalationTarget =>
        'user' in t
          ? { kind: 'user', userId: t.user }
          : 'channel' in t
            ? { kind: 'channel', channelId: t.channel }
            : 'user_group' in t
              ? { kind: 'user_group', groupId: t.user_group }
              : { kind: 'rotation', rotationId: t.rotation, role: t.role },
    ),
  }));
}

type RotationConfig = ConfigFile['rotations'][number];

function toRestrictions(items: RotationConfig['restrictions']): Restriction[] | null {
  return items ? items.map((r) => ({ days: r.days, start: r.start, end: r.end })) : null;
}

/** The layers above a rotation's base, as the schedule engine wants them. */
export function toLayers(rotation: RotationConfig): Layer[] {
  return rotation.layers.map((layer) => ({
    timeZone: layer.time_zone ?? rotation.time_zone,
    participants: layer.participants,
    shiftLength: layer.shift.length,
    shiftUnit: layer.shift.unit,
    handoffTime: layer.handoff_time,
    startDate: layer.start_date,
    restrictions: toRestrictions(layer.restrictions),
  }));
}

export function toBaseRestrictions(rotation: RotationConfig): Restriction[] | null {
  return toRestrictions(rotation.restrictions);
}

/** A person's rules with Baton's defaults for any urgency the file leaves out; null when it sets none. */
export function toNotificationRules(rules: ConfigFile['users'][number]['notification_rules']): NotificationRules | null {
  if (!rules) return null;
  const steps = (list: z.infer<typeof notificationStepSchema>[] | undefined, fallback: NotificationStep[]): NotificationStep[] =>
    list
      ? list.map((s) => ({ method: s.method, afterMinutes: s.after_minutes, repeatEveryMinutes: s.repeat_every_minutes ?? null }))
      : fallback;
  return { high: steps(rules.high, DEFAULT_NOTIFICATION_RULES.high), low: steps(rules.low, DEFAULT_NOTIFICATION_RULES.low) };
}
