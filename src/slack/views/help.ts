import type { RenderedMessage } from './message.js';
import { escapeMrkdwn, mrkdwnSections } from './format.js';

/** One command's help: the one-line summary for the list, and for `/oncall help <command>` its options and examples. */
export interface CommandHelp {
  name: string;
  usage: string;
  summary: string;
  /** What may follow the command's name, each with what it does. */
  options: [option: string, meaning: string][];
  /** For commands that open a form: what the form asks. */
  form?: string[];
  examples: [command: string, meaning: string][];
}

export const SUBCOMMANDS: CommandHelp[] = [
  {
    name: 'summary',
    usage: '/oncall',
    summary: 'who is on call now and your next shift (also /oncall with nothing after it)',
    options: [],
    examples: [
      ['/oncall', 'the summary, privately'],
      ['/oncall summary', 'the same'],
    ],
  },
  {
    name: 'who',
    usage: '/oncall who',
    summary: 'who is on call now for each rotation, in your time zone',
    options: [],
    examples: [['/oncall who', "each rotation's on-call and backup, until when, in your zone"]],
  },
  {
    name: 'schedule',
    usage: '/oncall schedule [rotation]',
    summary: 'the next 14 days, with overrides, time off and gaps marked',
    options: [['[rotation]', 'a rotation id or name; without it, every rotation']],
    examples: [
      ['/oncall schedule', 'every rotation'],
      ['/oncall schedule payments-primary', 'one rotation'],
    ],
  },
  {
    name: 'override',
    usage: '/oncall override [rotation]',
    summary: 'take the pager (or give it to someone) for a while',
    options: [['[rotation]', 'a rotation id or name, picked in the form for you']],
    form: [
      'the rotation',
      'who holds the pager (you by default; admins may pick anyone)',
      'from (default now) and to (default in an hour)',
      'a reason (optional)',
    ],
    examples: [
      ['/oncall override', 'take the pager from now for an hour'],
      ['/oncall override payments-primary', 'the same, rotation already picked'],
    ],
  },
  {
    name: 'swap',
    usage: '/oncall swap',
    summary: 'ask a teammate to swap one of your shifts',
    options: [],
    form: [
      'one of your shifts in the next 4 weeks',
      'the teammate who takes it',
      'one of their shifts you take in return (optional: leave it empty to hand yours over)',
    ],
    examples: [
      ['/oncall swap', 'the teammate gets Accept / Decline by DM'],
      ['/oncall changes', 'withdraw a request they have not answered yet'],
    ],
  },
  {
    name: 'cover',
    usage: '/oncall cover',
    summary: 'ask your team channel for someone to cover one of your shifts',
    options: [],
    form: ['the shift that needs cover', 'a note for the team (optional)'],
    examples: [['/oncall cover', 'posts the request with a *Take it* button; the first teammate to take it gets the shift']],
  },
  {
    name: 'timeoff',
    usage: '/oncall timeoff',
    summary: 'book time off and see who covers your shifts',
    options: [],
    form: [
      'who is away (you; admins may pick anyone)',
      'first and last day off, whole days in their zone',
      'a note (optional)',
      'then a preview of who covers which shift, to confirm',
    ],
    examples: [['/oncall timeoff', 'each person covering is told by DM']],
  },
  {
    name: 'rotation',
    usage: '/oncall rotation [rotation]',
    summary: 'create a rotation, or edit one made in Slack (admins)',
    options: [['[rotation]', 'the id or name of a rotation made in Slack, to edit it; without it, a new rotation']],
    form: ['name, team and participants in turn order', 'time zone, shift length (12h, 1d, 1w…), handoff time and start date'],
    examples: [
      ['/oncall rotation', 'a new rotation'],
      ['/oncall rotation search', 'edit the rotation `search`'],
    ],
  },
  {
    name: 'fairness',
    usage: '/oncall fairness [rotation] [weeks]',
    summary: 'on-call, night and weekend hours per person',
    options: [
      ['[rotation]', 'a rotation id or name; without it, every rotation'],
      ['[weeks]', 'how many weeks back and ahead, 1 to 26 (default 4)'],
    ],
    examples: [
      ['/oncall fairness', 'every rotation, 4 weeks each way'],
      ['/oncall fairness payments-primary 8', 'one rotation, 8 weeks each way'],
    ],
  },
  {
    name: 'maintenance',
    usage: '/oncall maintenance [<service> <30m|2h|1d|end>]',
    summary: 'suppress paging for a service while you work on it; alone, what is in maintenance and the recurring windows',
    options: [
      ['<service>', 'a service id or name'],
      ['30m, 2h, 1d', 'how long, in minutes, hours or days (at most 7d); alerts are still recorded'],
      ['end', 'ends the maintenance now, so the service pages again'],
    ],
    examples: [
      ['/oncall maintenance', 'which services are in maintenance, and their recurring windows'],
      ['/oncall maintenance checkout 2h', 'no pages for checkout for two hours'],
      ['/oncall maintenance checkout end', 'checkout pages again'],
    ],
  },
  {
    name: 'me',
    usage: '/oncall me',
    summary: 'your phone number and how pages reach you (Slack, SMS, voice, per urgency)',
    options: [],
    form: [
      'your phone number (a new one is verified by a code sent by SMS)',
      'for high and low urgency, one step per line: `slack 0`, `sms 2`, `voice 2 every 5` (minutes after the page)',
    ],
    examples: [['/oncall me', 'see and change how pages reach you']],
  },
  {
    name: 'note',
    usage: '/oncall note <text>',
    summary: 'a note for the next on-call, shown in the handover digest',
    options: [['<text>', 'the note; it goes to the rotation you hold now, else one you take part in']],
    examples: [['/oncall note The payments DB failover is half done', 'shown in the next handover digest']],
  },
  {
    name: 'calendar',
    usage: '/oncall calendar',
    summary: 'calendar feed links for your shifts and each rotation',
    options: [],
    examples: [['/oncall calendar', 'secret iCalendar links to add to Google Calendar or Outlook']],
  },
  {
    name: 'integration',
    usage: '/oncall integration [rotate] <service> <type> [minutes]',
    summary: 'admins: a new integration key (shown once), or rotate one without downtime',
    options: [
      ['rotate', 'a new key for an existing integration; the old key keeps working for 24 hours'],
      ['<service>', 'the service id'],
      ['<type>', '`alertmanager`, `grafana`, `pagerduty`, `generic` or `heartbeat`'],
      ['[minutes]', 'for a heartbeat: how often it must ping'],
    ],
    examples: [
      ['/oncall integration checkout alertmanager', 'a key and the URL to point Alertmanager at'],
      ['/oncall integration checkout heartbeat 5', 'a heartbeat that pages when 5 minutes pass without a ping'],
      ['/oncall integration rotate checkout alertmanager', 'replace the key without downtime'],
    ],
  },
  {
    name: 'stats',
    usage: '/oncall stats [team|service] [7d|30d|90d]',
    summary: 'incidents, time to acknowledge and resolve, pages and sleep-hour interruptions per person, noisiest alerts',
    options: [
      ['[team|service]', 'a team id, or a service id or name; without it, every service'],
      ['7d, 30d, 90d', 'the period (default 30d)'],
    ],
    examples: [
      ['/oncall stats', 'every service, last 30 days'],
      ['/oncall stats checkout 7d', 'one service, last week'],
    ],
  },
  {
    name: 'audit',
    usage: '/oncall audit [rotation]',
    summary: 'the last 20 changes, who made them and when',
    options: [['[rotation]', 'a rotation id: only its changes (overrides, swaps, cover, edits)']],
    examples: [
      ['/oncall audit', 'the last 20 changes of any kind, with what changed'],
      ['/oncall audit payments-primary', 'one rotation only'],
    ],
  },
  {
    name: 'changes',
    usage: '/oncall changes [@someone]',
    summary:
      "your upcoming overrides, swaps and time off, each with a Cancel button, and unanswered swap requests to withdraw (admins: anyone's)",
    options: [['[@someone]', "admins: that person's changes instead of yours"]],
    examples: [
      ['/oncall changes', 'yours, and those you set for others'],
      ['/oncall changes @ada', "admins: Ada's"],
    ],
  },
  {
    name: 'policy',
    usage: '/oncall policy [policy]',
    summary: 'admins: create an escalation policy in a form, or edit one made in Slack',
    options: [['[policy]', 'the id of a policy made in Slack, to edit it; without it, a new policy']],
    form: [
      'a name',
      'up to three levels: rotations whose on-call is paged, people, and the minutes before the next level',
      'how many times to walk the levels again',
    ],
    examples: [
      ['/oncall policy', 'a new policy; you get a DM saying what was saved'],
      ['/oncall policy search-on-call', 'edit it'],
    ],
  },
  {
    name: 'service',
    usage: '/oncall service [service]',
    summary: 'admins: create a service (team, escalation policy, incident channels), or edit one made in Slack',
    options: [['[service]', 'the id of a service made in Slack, to edit it; without it, a new service']],
    form: ['a name, its team and escalation policy', 'which incidents get their own channel: high urgency, all paged, or none'],
    examples: [
      ['/oncall service', 'a new service; then `/oncall integration <service> <type>` gives it a key'],
      ['/oncall service search', 'edit it'],
    ],
  },
  {
    name: 'reload',
    usage: '/oncall reload',
    summary: 'admins: read the config file again and apply it, whole or not at all, and see what changed',
    options: [],
    examples: [['/oncall reload', 'what was created, updated, deleted or kept; for a bad file, every problem, and nothing is changed']],
  },
  {
    name: 'declare',
    usage: '/oncall declare',
    summary: 'open an incident by hand, with its own channel',
    options: [],
    form: ['what is happening', 'severity', 'the service whose policy pages'],
    examples: [['/oncall declare', "pages the service's on-call and opens an incident channel"]],
  },
  {
    name: 'role',
    usage: '/oncall role commander|comms [@someone]',
    summary: 'in an incident channel: set the incident commander or communications lead',
    options: [
      ['commander', 'the incident commander (also `ic`)'],
      ['comms', 'the communications lead (also `communications`)'],
      ['[@someone]', 'who takes the role; without it, you'],
    ],
    examples: [
      ['/oncall role commander', 'you lead the incident'],
      ['/oncall role comms @bob', 'Bob handles communications'],
    ],
  },
  {
    name: 'update',
    usage: '/oncall update <text>',
    summary: 'in an incident channel: post a status update here and to the stakeholders channel',
    options: [['<text>', 'the update, posted as you wrote it']],
    examples: [['/oncall update Rolled back the deploy; error rate falling', "posted here and to the team's stakeholders channel"]],
  },
  {
    name: 'page',
    usage: '/oncall page @someone|<rotation> <message>',
    summary: 'in an incident channel: page more responders; anywhere else: page someone (opens a form)',
    options: [
      ['@someone', 'a person to page'],
      ['<rotation>', 'a rotation id: its current on-call is paged'],
      ['<message>', 'what you need from them'],
    ],
    form: [
      'outside an incident channel: a person or a rotation, a message, and the service whose policy takes over if nobody acknowledges',
    ],
    examples: [
      ['/oncall page @cleo Can you check the ledger job?', 'in an incident channel: Cleo is paged and invited'],
      ['/oncall page payments-primary Need a second pair of eyes', "in an incident channel: the rotation's on-call is paged"],
      ['/oncall page', 'anywhere else: the *Page someone* form'],
    ],
  },
  {
    name: 'help',
    usage: '/oncall help [command]',
    summary: 'this list, or one command in detail',
    options: [['[command]', 'a command name: its options and examples']],
    examples: [
      ['/oncall help', 'every command'],
      ['/oncall help maintenance', 'one command in detail'],
    ],
  },
];

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
// Help text holds `<service>` and the like: escaped, or Slack would read them as links even inside code.
const code = (text: string) => `\`${escapeMrkdwn(text)}\``;
const bullets = (title: string, lines: string[]) => (lines.length > 0 ? [`*${title}*`, ...lines.map((l) => `• ${l}`)] : []);

/** `/oncall help <command>`: usage, what it does, its options, what its form asks, and examples. */
function commandHelp(c: CommandHelp): RenderedMessage {
  const lines = [
    code(c.usage),
    sentence(c.summary),
    ...bullets(
      'Options',
      c.options.map(([option, meaning]) => `${code(option)}: ${escapeMrkdwn(meaning)}`),
    ),
    ...bullets('In the form', (c.form ?? []).map(escapeMrkdwn)),
    ...bullets(
      'Examples',
      c.examples.map(([command, meaning]) => `${code(command)}: ${escapeMrkdwn(meaning)}`),
    ),
  ];
  return { text: lines.join('\n'), blocks: mrkdwnSections(lines) };
}

export function helpMessage(prefix?: string, about?: string): RenderedMessage {
  const one = about ? SUBCOMMANDS.find((c) => c.name === about.toLowerCase()) : undefined;
  if (one) return commandHelp(one);
  const lines = SUBCOMMANDS.map((c) => `${code(c.usage)}: ${c.summary}`);
  const all = [prefix, '*Baton commands*', ...lines].filter(Boolean) as string[];
  // A section holds 3000 characters; the list is split across sections as it grows.
  return { text: all.join('\n'), blocks: mrkdwnSections(all) };
}
