import type { EscalationLevel, EscalationTarget } from '../../domain/escalation.js';
import type { CatalogCopy } from '../../domain/notices.js';
import { escapeMrkdwn, mrkdwnSections, plural } from './format.js';
import type { RenderedMessage } from './message.js';

/** Form answers of CatalogAdminService that name people, handed to it by the composition root. */
export const catalogCopy: CatalogCopy = {
  notBatonUsers: (userIds) =>
    `${userIds.map((u) => `<@${u}>`).join(', ')} ${userIds.length === 1 ? 'is' : 'are'} not Baton users yet; pick a rotation or add them under users in the config file.`,
};

export interface SavedPolicy {
  id: string;
  name: string;
  repeat: number;
  levels: EscalationLevel[];
  created: boolean;
}

export interface SavedService {
  id: string;
  name: string;
  teamName: string;
  policyName: string;
  incidentChannels: 'high' | 'all' | 'none';
  created: boolean;
}

const CHANNELS: Record<SavedService['incidentChannels'], string> = {
  high: 'own channels for high-urgency incidents',
  all: 'own channels for every paged incident',
  none: 'no incident channels',
};

function message(lines: string[]): RenderedMessage {
  return { text: lines.join('\n'), blocks: mrkdwnSections(lines) };
}

function targetText(t: EscalationTarget, rotationNames: ReadonlyMap<string, string>): string {
  switch (t.kind) {
    case 'rotation':
      return `the ${t.role === 'secondary' ? 'secondary' : 'on-call'} of *${escapeMrkdwn(rotationNames.get(t.rotationId) ?? t.rotationId)}*`;
    case 'user':
      return `<@${t.userId}>`;
    case 'channel':
      return `<#${t.channelId}>`;
    case 'user_group':
      return `<!subteam^${t.groupId}>`;
  }
}

function afterLastLevel(repeat: number): string {
  if (repeat === 0) return 'After the last level, the team channel is told nobody acknowledged.';
  return `After the last level, every level is paged ${repeat === 1 ? 'once more' : plural(repeat, 'more time')}.`;
}

/** The DM to an admin who saved an escalation policy in Slack: what it now pages, level by level. */
export function policySavedMessage(p: SavedPolicy, rotationNames: ReadonlyMap<string, string>): RenderedMessage {
  const levels = p.levels.map(
    (l, i) => `• Level ${i + 1} (${l.delayMinutes} min): ${l.targets.map((t) => targetText(t, rotationNames)).join(', ')}`,
  );
  return message([
    `:white_check_mark: ${p.created ? 'Created' : 'Saved changes to'} escalation policy *${escapeMrkdwn(p.name)}* (\`${p.id}\`). Each level waits the minutes shown before the next:`,
    ...levels,
    afterLastLevel(p.repeat),
    `Give it to a service with \`/oncall service\`; change it with \`/oncall policy ${p.id}\`.`,
  ]);
}

/** The DM to an admin who saved a service in Slack: its team, policy and channels, and how to give it a key. */
export function serviceSavedMessage(s: SavedService): RenderedMessage {
  return message([
    `:white_check_mark: ${s.created ? 'Created' : 'Saved changes to'} service *${escapeMrkdwn(s.name)}* (\`${s.id}\`): team *${escapeMrkdwn(s.teamName)}*, escalation policy *${escapeMrkdwn(s.policyName)}*, ${CHANNELS[s.incidentChannels]}.`,
    // `<` and `>` are Slack's markup characters, also inside code.
    `Give it a key with \`/oncall integration ${s.id} &lt;type&gt;\`; change it with \`/oncall service ${s.id}\`.`,
  ]);
}
