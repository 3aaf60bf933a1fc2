import type { KnownBlock, Button } from '@slack/types';
import type { IncidentView } from '../../services/incident-view.js';
import { INCIDENT_ACTIONS } from '../action-ids.js';
import { escapeMrkdwn, safeLink, slackDate, truncate } from './format.js';

const SEVERITY_EMOJI: Record<string, string> = { critical: ':red_circle:', error: ':large_orange_circle:', warning: ':large_yellow_circle:', info: ':white_circle:' };

export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

function statusLine(view: IncidentView): string {
  const { incident } = view;
  if (incident.status === 'resolved') {
    return `:white_check_mark: *Resolved*${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ' (alerts cleared)'} ${slackDate(incident.resolvedAt!)}`;
  }
  if (incident.status === 'acknowledged') {
    return `:eyes: *Acknowledged* by <@${incident.acknowledgedBy}> ${slackDate(incident.acknowledgedAt!)}`;
  }
  const levels = incident.policy.levels.length;
  const next = incident.nextEscalationAt ? `, escalates ${slackDate(incident.nextEscalationAt, '{time}')}` : '';
  return `:rotating_light: *Triggered*, level ${incident.escalationLevel + 1} of ${levels}${next}`;
}

function button(text: string, actionId: string, incidentId: number, style?: 'primary' | 'danger'): Button {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value: String(incidentId), ...(style ? { style } : {}) };
}

/**
 * The incident as a Slack message: the same card in a DM and in the team channel, so every copy can be
 * updated with one renderer. Pure: everything it shows is in `view`.
 */
export function incidentCard(view: IncidentView, opts: { reason?: string } = {}): RenderedMessage {
  const { incident } = view;
  const emoji = incident.status === 'resolved' ? ':white_check_mark:' : (SEVERITY_EMOJI[incident.severity] ?? ':red_circle:');
  // The title and service name come from the alert's sender: plain_text (the header) shows them as they are;
  // mrkdwn and the fallback `text` (what notifications and old clients show) get them escaped.
  const title = `#${incident.id} ${incident.title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} ${title}`, 150), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(statusLine(view), 3000) },
      fields: [
        { type: 'mrkdwn', text: `*Service*\n${escapeMrkdwn(view.serviceName)}` },
        { type: 'mrkdwn', text: `*Severity*\n${escapeMrkdwn(incident.severity)}` },
        { type: 'mrkdwn', text: `*Alerts*\n${view.firingAlerts} firing of ${view.totalAlerts}` },
        { type: 'mrkdwn', text: `*Opened*\n${slackDate(incident.openedAt)}` },
      ],
    },
  ];
  const labels = Object.entries(incident.labels)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v).replace(/`/g, "'")}\``)
    .join(' ');
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
  const state =
    incident.status === 'triggered'
      ? `Triggered, level ${incident.escalationLevel + 1} of ${incident.policy.levels.length}`
      : incident.status === 'acknowledged'
        ? `Acknowledged by <@${incident.acknowledgedBy}>`
        : `Resolved${incident.resolvedBy ? ` by <@${incident.resolvedBy}>` : ''}`;
  return {
    text: truncate(`[${escapeMrkdwn(incident.severity.toUpperCase())}] #${incident.id} ${escapeMrkdwn(incident.title)} (${escapeMrkdwn(view.serviceName)}): ${state}`, 3000),
    blocks,
  };
}
