import type { SlackDeps } from '../deps.js';

/** The person's zone: from the config file if Baton knows them, else from their Slack profile, else UTC. */
export async function viewerZone(deps: SlackDeps, userId: string): Promise<string> {
  const known = await deps.people.zone(userId);
  if (known) return known;
  try {
    const info = await deps.slack.users.info({ user: userId });
    return info.user?.tz ?? 'UTC';
  } catch (err) {
    deps.logger.warn({ err, userId }, 'could not read the user time zone from Slack');
    return 'UTC';
  }
}

/** Slack shows modal field errors as plain text, where <@U123> mentions would not render: use names. */
export async function withNames(deps: SlackDeps, text: string): Promise<string> {
  // The names are read first: a replacer cannot wait for them.
  const names = new Map<string, string | null>();
  for (const [, id] of text.matchAll(/<@([UW][A-Z0-9]+)>/g)) if (!names.has(id!)) names.set(id!, await deps.people.name(id!));
  return text.replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => names.get(id) ?? id).replace(/[*`]/g, '');
}
