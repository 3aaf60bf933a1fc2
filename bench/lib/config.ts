import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../examples/baton.yml', import.meta.url));
/** The example config's team channel. */
export const TEAM_CHANNEL = 'C0PAYMENTS1';

type Doc = {
  users: Record<string, unknown>[];
  teams: Record<string, unknown>[];
  rotations: Record<string, unknown>[];
  escalation_policies: { id: string; levels: { delay_minutes?: number }[] }[];
  services: Record<string, unknown>[];
};

/** A service the bench adds beside the example's: its own team, channel, on-call person and key. */
export interface ExtraService {
  id: string;
  key: string;
  channel: string;
  userId: string;
}

/**
 * The README's example config (service checkout, one weekly rotation, a three-level policy), optionally with
 * its first escalation level after `escalationMinutes`, and `extraServices` more services, each with its own
 * team channel and a one-person rotation, so pages can go to several people (Slack allows one message a
 * second to each DM).
 */
export function benchConfig(opts: { escalationMinutes?: number; extraServices?: number } = {}): {
  yaml: string;
  channels: Record<string, string>;
  extra: ExtraService[];
} {
  const doc = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Doc;
  if (opts.escalationMinutes !== undefined) {
    for (const level of doc.escalation_policies[0]!.levels) level.delay_minutes = opts.escalationMinutes;
  }
  const channels: Record<string, string> = { [TEAM_CHANNEL]: 'payments' };
  const extra: ExtraService[] = [];
  for (let i = 1; i <= (opts.extraServices ?? 0); i += 1) {
    const n = String(i).padStart(4, '0');
    const svc: ExtraService = { id: `bench-${i}`, key: `bench-key-${i}`, channel: `C0BENCH${n}`, userId: `U0BENCH${n}` };
    extra.push(svc);
    channels[svc.channel] = `bench-${i}`;
    doc.users.push({ id: svc.userId, name: `Bench person ${i}`, time_zone: 'UTC' });
    doc.teams.push({ id: `bench-team-${i}`, name: `Bench team ${i}`, slack_channel: svc.channel });
    doc.rotations.push({
      id: `bench-rot-${i}`,
      name: `Bench rotation ${i}`,
      team: `bench-team-${i}`,
      time_zone: 'UTC',
      shift: '1w',
      handoff_time: '09:00',
      start_date: '2026-01-05',
      participants: [svc.userId],
    });
    doc.escalation_policies.push({
      id: `bench-policy-${i}`,
      name: `Bench policy ${i}`,
      levels: [{ targets: [{ rotation: `bench-rot-${i}` }] }],
    } as never);
    doc.services.push({
      id: svc.id,
      name: `Bench service ${i}`,
      team: `bench-team-${i}`,
      escalation_policy: `bench-policy-${i}`,
      integrations: [{ type: 'alertmanager', key: svc.key }],
    });
  }
  return { yaml: stringify(doc), channels, extra };
}
