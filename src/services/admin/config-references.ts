import { ne } from 'drizzle-orm';
import type { ConfigFile } from '../../config/file.js';
import type { Tx } from '../../db/client.js';
import { escalationPolicies, rotationParticipants, rotations, services } from '../../db/schema.js';

/**
 * What made in Slack would be left pointing at something the file removes: a Slack-made escalation policy
 * that pages a rotation, or user, the file no longer declares would page nobody (start-up used to succeed and
 * the next alert opened an incident whose note said "Level 1 has nobody to page"). Each problem names what
 * still refers to what; applying refuses the file while there are any.
 */
export async function danglingReferences(tx: Tx, cfg: ConfigFile): Promise<{ path: string; message: string }[]> {
  const problems: { path: string; message: string }[] = [];
  const fromSlack = ne(rotations.source, 'config');
  const slackRotations = await tx.select({ id: rotations.id, teamId: rotations.teamId }).from(rotations).where(fromSlack);
  const slackPolicies = await tx.select().from(escalationPolicies).where(ne(escalationPolicies.source, 'config'));
  const slackServices = await tx.select().from(services).where(ne(services.source, 'config'));

  const rotationIds = new Set([...cfg.rotations.map((r) => r.id), ...slackRotations.map((r) => r.id)]);
  const policyIds = new Set([...cfg.escalation_policies.map((p) => p.id), ...slackPolicies.map((p) => p.id)]);
  const teamIds = new Set(cfg.teams.map((t) => t.id));
  const userIds = new Set(cfg.users.map((u) => u.id));
  const removed = (kind: string, id: string, by: string, fix: string) =>
    problems.push({ path: kind, message: `"${id}" is no longer in the file, but ${by} (made in Slack) still refers to it: ${fix}` });

  for (const policy of slackPolicies) {
    for (const target of policy.levels.flatMap((l) => l.targets)) {
      if (target.kind === 'rotation' && !rotationIds.has(target.rotationId)) {
        removed(
          'rotations',
          target.rotationId,
          `escalation policy "${policy.id}"`,
          'keep the rotation, or change the policy in Slack (/oncall policy) first',
        );
      }
      if (target.kind === 'user' && !userIds.has(target.userId)) {
        removed(
          'users',
          target.userId,
          `escalation policy "${policy.id}"`,
          'keep the user, or change the policy in Slack (/oncall policy) first',
        );
      }
    }
  }
  for (const service of slackServices) {
    if (!policyIds.has(service.escalationPolicyId)) {
      removed(
        'escalation_policies',
        service.escalationPolicyId,
        `service "${service.id}"`,
        'keep the policy, or change the service in Slack (/oncall service) first',
      );
    }
    if (!teamIds.has(service.teamId)) removed('teams', service.teamId, `service "${service.id}"`, 'keep the team');
  }
  for (const rotation of slackRotations) {
    if (!teamIds.has(rotation.teamId)) removed('teams', rotation.teamId, `rotation "${rotation.id}"`, 'keep the team');
  }
  const slackRotationIds = new Set(slackRotations.map((r) => r.id));
  for (const member of await tx.select().from(rotationParticipants)) {
    if (slackRotationIds.has(member.rotationId) && !userIds.has(member.userId)) {
      removed(
        'users',
        member.userId,
        `rotation "${member.rotationId}"`,
        'keep the user, or take them out of the rotation in Slack (/oncall rotation) first',
      );
    }
  }
  // One line per thing and referrer, however many levels name it.
  return [...new Map(problems.map((p) => [`${p.path}:${p.message}`, p])).values()];
}
