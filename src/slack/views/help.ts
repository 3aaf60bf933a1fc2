import type { RenderedMessage } from './incident-card.js';
import { mrkdwnSections } from './format.js';

export const SUBCOMMANDS: { name: string; usage: string; summary: string }[] = [
  { name: 'summary', usage: '/oncall', summary: 'who is on call now and your next shift (also /oncall with nothing after it)' },
  { name: 'who', usage: '/oncall who', summary: 'who is on call now for each rotation, in your time zone' },
  { name: 'schedule', usage: '/oncall schedule [rotation]', summary: 'the next 14 days, with overrides, time off and gaps marked' },
  { name: 'override', usage: '/oncall override [rotation]', summary: 'take the pager (or give it to someone) for a while' },
  { name: 'swap', usage: '/oncall swap', summary: 'ask a teammate to swap one of your shifts' },
  { name: 'cover', usage: '/oncall cover', summary: 'ask your team channel for someone to cover one of your shifts' },
  { name: 'timeoff', usage: '/oncall timeoff', summary: 'book time off and see who covers your shifts' },
  { name: 'rotation', usage: '/oncall rotation [rotation]', summary: 'create a rotation, or edit one made in Slack (admins)' },
  { name: 'fairness', usage: '/oncall fairness [rotation] [weeks]', summary: 'on-call, night and weekend hours per person' },
  { name: 'maintenance', usage: '/oncall maintenance [<service> <30m|2h|1d|end>]', summary: 'suppress paging for a service while you work on it; alone, what is in maintenance and the recurring windows' },
  { name: 'me', usage: '/oncall me', summary: 'your phone number and how pages reach you (Slack, SMS, voice, per urgency)' },
  { name: 'note', usage: '/oncall note <text>', summary: 'a note for the next on-call, shown in the handover digest' },
  { name: 'calendar', usage: '/oncall calendar', summary: 'calendar feed links for your shifts and each rotation' },
  { name: 'integration', usage: '/oncall integration [rotate] <service> <type> [minutes]', summary: 'admins: a new integration key (shown once), or rotate one without downtime' },
  { name: 'stats', usage: '/oncall stats [team|service] [7d|30d|90d]', summary: 'incidents, time to acknowledge and resolve, pages and sleep-hour interruptions per person, noisiest alerts' },
  { name: 'audit', usage: '/oncall audit [rotation]', summary: 'the last 20 changes, who made them and when' },
  { name: 'changes', usage: '/oncall changes [@someone]', summary: 'your upcoming overrides and time off, each with a Cancel button (admins: anyone\'s)' },
  { name: 'policy', usage: '/oncall policy [policy]', summary: 'admins: create an escalation policy in a form, or edit one made in Slack' },
  { name: 'service', usage: '/oncall service [service]', summary: 'admins: create a service (team, escalation policy, incident channels), or edit one made in Slack' },
  { name: 'declare', usage: '/oncall declare', summary: 'open an incident by hand, with its own channel' },
  { name: 'role', usage: '/oncall role commander|comms [@someone]', summary: 'in an incident channel: set the incident commander or communications lead' },
  { name: 'update', usage: '/oncall update <text>', summary: 'in an incident channel: post a status update here and to the stakeholders channel' },
  { name: 'page', usage: '/oncall page @someone|<rotation> <message>', summary: 'in an incident channel: page more responders; anywhere else: page someone (opens a form)' },
  { name: 'help', usage: '/oncall help [command]', summary: 'this list, or one command in detail' },
];

export function helpMessage(prefix?: string, about?: string): RenderedMessage {
  const one = about ? SUBCOMMANDS.find((c) => c.name === about.toLowerCase()) : undefined;
  if (one) {
    const text = `\`${one.usage}\`\n${one.summary.charAt(0).toUpperCase()}${one.summary.slice(1)}.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = SUBCOMMANDS.map((c) => `\`${c.usage}\`: ${c.summary}`);
  const all = [prefix, '*Baton commands*', ...lines].filter(Boolean) as string[];
  // A section holds 3000 characters; the list is split across sections as it grows.
  return { text: all.join('\n'), blocks: mrkdwnSections(all) };
}
