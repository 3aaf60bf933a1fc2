import type { KnownBlock } from '@slack/types';
import { sparkline, type IncidentStats } from '../../domain/incident-stats.js';
import { MINUTE } from '../../domain/time-units.js';
import { escapeMrkdwn, plural } from './format.js';
import type { RenderedMessage } from './message.js';

function minutes(ms: number | null): string {
  if (ms === null) return 'n/a';
  const m = ms / MINUTE;
  return m < 60 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h`;
}

/** `/oncall stats`: the numbers, and a sparkline of incidents per day. */
export function statsMessage(scopeName: string, days: number, s: IncidentStats): RenderedMessage {
  const lines = [
    `*${plural(s.incidents, 'incident')}* in the last ${plural(days, 'day')} (${escapeMrkdwn(scopeName)})  \`${sparkline(s.perDay)}\``,
    `Time to acknowledge: median ${minutes(s.timeToAcknowledgeMs.median)}, 90th percentile ${minutes(s.timeToAcknowledgeMs.p90)}`,
    `Time to resolve: median ${minutes(s.timeToResolveMs.median)}, 90th percentile ${minutes(s.timeToResolveMs.p90)}`,
    `Escalation rate: ${s.escalationRate === null ? 'n/a' : `${Math.round(s.escalationRate * 100)}%`}`,
  ];
  const pages = s.pages
    .slice(0, 15)
    .map((p) => `• <@${p.userId}>: ${plural(p.pages, 'page')}, ${p.sleepPages} in sleep hours (22:00–08:00 their time)`);
  const noisy = s.noisiest.map((n) => `• ${escapeMrkdwn(n.alertName)}: ${plural(n.alerts, 'alert')} in ${plural(n.incidents, 'incident')}`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Incident statistics' } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Pages per person*\n${pages.join('\n') || '_none_'}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Noisiest alerts*\n${noisy.join('\n') || '_none_'}` } },
  ];
  return { text: [...lines, ...pages, ...noisy].join('\n').slice(0, 3000), blocks };
}
