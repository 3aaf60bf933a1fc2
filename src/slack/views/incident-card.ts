import type { KnownBlock, Button } from '@slack/types';
import { urgencyOf } from '../../domain/notification-rules.js';
import type { IncidentView } from '../../domain/read-models.js';
import { INCIDENT_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, safeLink, slackDate, truncate } from './format.js';
import type { RenderedMessage } from './message.js';

const SEVERITY_EMOJI: Record<string, string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':white_circle:',
};
const URGENCY_EMOJI: Record<string, string> = { high: ':red_circle:', low: ':large_yellow_circle:', info: ':white_circle:' };

export type { RenderedMessage } from './message.js';

type Incident = IncidentView['incident'];

/**
 * The sender's severity says how loudly the incident pages, unless the service's routing gave it another
 * urgency: then a severity tag would mislead ("critical" on a page that waits for office hours), so the
 * card shows the urgency instead.
 */
function urgencyOverridesSeverity(incident: Incident): boolean {
  return incident.urgency !== urgencyOf(incident.severity);
}

function tag(incident: Incident): string {
  return urgencyOverridesSeverity(incident) ? `${incident.urgency.toUpperCase()} URGENCY` : incident.severity.toUpperCase();
}

function emoji(incident: Incident): string {
  if (incident.status === 'resolved') return ':white_check_mark:';
  const byUrgency = urgencyOverridesSeverity(incident) ? URGENCY_EMOJI[incident.urgency] : undefined;
  return byUrgency ?? SEVERITY_EMOJI[incident.severity] ?? ':red_circle:';
}

function severityField(incident: Incident): string {
  if (!urgencyOverridesSeverity(incident)) return `*Severity*\n${escapeMrkdwn(incident.severity)}`;
  return `*Urgency*\n${incident.urgency} (alert severity ${escapeMrkdwn(incident.severity)})`;
}

/** A low-urgency page held until the team's working hours start. */
function waitingForWorkingHours(incident: Incident): boolean {
  return incident.status === 'triggered' && incident.deferredUntil !== null;
}

const mentions = (userIds: string[]) => userIds.map((u) => `<@${u}>`).join(', ');

function triggeredLine(view: IncidentView): string {
  const { incident } = view;
  if (waitingForWorkingHours(incident)) {
    return `:hourglass_flowing_sand: *Low urgency, waiting for working hours*: the on-call is paged ${slackDate(incident.deferredUntil!)}`;
  }
  const paging = view.pagingNow.length > 0 ? `, paging ${mentions(view.pagingNow)}` : '';
  // Low urgency reaches the first level and stays there, so there is no level count or escalation time to show.
  if (incident.urgency !== 'high') return `:rotating_light: *Triggered*, low urgency${paging} (it does not escalate)`;
  const next = incident.nextEscalationAt ? `, escalates ${slackDate(incident.nextEscalationAt, '{time}')}` : '';
  return `:rotating_light: *Triggered*, level ${incident.escalationLevel + 1} of ${incident.policy.levels.length}${paging}${next}`;
}

function statusLine(view: IncidentView): string {
  const { incident } = view;
  if (incident.status === 'resolved') {
    return `:white_check_mark: *Resolved*${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ' (alerts cleared)'} ${slackDate(incident.resolvedAt!)}`;
  }
  if (incident.status === 'acknowledged') {
    return `:eyes: *Acknowledged* by <@${incident.acknowledgedBy}> ${slackDate(incident.acknowledgedAt!)}`;
  }
  return triggeredLine(view);
}

/** The state in the fallback text (notifications, old clients): short, without the card's details. */
function stateText(incident: Incident): string {
  if (incident.status === 'acknowledged') return `Acknowledged by <@${incident.acknowledgedBy}>`;
  if (incident.status === 'resolved') return `Resolved${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ''}`;
  if (waitingForWorkingHours(incident)) return 'Low urgency, waiting for working hours';
  if (incident.urgency !== 'high') return 'Triggered, low urgency';
  return `Triggered, level ${incident.escalationLevel + 1} of ${incident.policy.levels.length}`;
}

/** The labels as sent, as text; the label Baton itself set for whoever opened the incident is shown as a field instead. */
function labelText(view: IncidentView): string {
  return Object.entries(view.incident.labels)
    .filter(([k]) => k !== view.openedBy?.label)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v).replace(/`/g, "'")}\``)
    .join(' ');
}

function button(text: string, actionId: string, incidentId: number, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value: String(incidentId),
    ...(style ? { style } : {}),
  };
}

/**
 * The incident as a Slack message: the same card in a DM and in the team channel, so every copy can be
 * updated with one renderer. Pure: everything it shows is in `view`.
 */
export function incidentCard(view: IncidentView, opts: { reason?: string } = {}): RenderedMessage {
  const { incident } = view;
  // The title and service name come from the alert's sender: plain_text (the header) shows them as they are;
  // mrkdwn and the fallback `text` (what notifications and old clients show) get them escaped.
  const title = `#${incident.id} ${incident.title}`;
  const fields = [
    { type: 'mrkdwn' as const, text: `*Service*\n${escapeMrkdwn(view.serviceName)}` },
    { type: 'mrkdwn' as const, text: severityField(incident) },
    { type: 'mrkdwn' as const, text: `*Alerts*\n${view.firingAlerts} firing of ${view.totalAlerts}` },
    { type: 'mrkdwn' as const, text: `*Opened*\n${slackDate(incident.openedAt)}` },
  ];
  if (view.openedBy)
    fields.push({ type: 'mrkdwn', text: `*${view.openedBy.how === 'declared' ? 'Declared' : 'Paged'} by*\n<@${view.openedBy.userId}>` });
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji(incident)} ${title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(statusLine(view), 3000) }, fields },
  ];
  const labels = labelText(view);
  if (labels) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(labels, 3000) } });
  const links = [
    safeLink(incident.links.runbook, ':book: Runbook'),
    safeLink(incident.links.source, ':chart_with_upwards_trend: Source'),
    safeLink(incident.links.externalUrl, ':bell: Alertmanager'),
  ].filter((l): l is string => l !== null);
  if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  ·  ') }] });
  // The reason is mrkdwn already (Baton's words and mentions; anything a person typed in it escaped by its writer).
  if (opts.reason && incident.status === 'triggered') {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`:pager: You are paged. ${opts.reason}`, 2000) }] });
  }
  if (incident.status !== 'resolved') {
    const elements: Button[] = [];
    if (incident.status === 'triggered') elements.push(button('Acknowledge', INCIDENT_ACTIONS.acknowledge, incident.id, 'primary'));
    elements.push(button('Escalate', INCIDENT_ACTIONS.escalate, incident.id));
    elements.push(button('Resolve', INCIDENT_ACTIONS.resolve, incident.id, 'danger'));
    blocks.push({ type: 'actions', block_id: `incident-${incident.id}`, elements });
  }
  return {
    text: truncate(
      `[${escapeMrkdwn(tag(incident))}] #${incident.id} ${escapeMrkdwn(incident.title)} (${escapeMrkdwn(view.serviceName)}): ${stateText(incident)}`,
      3000,
    ),
    blocks,
  };
}
