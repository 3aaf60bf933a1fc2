/**
 * The handover digest: what the outgoing on-call hands to the incoming one. Pure: the service gathers
 * the shift's incidents, alerts, notes and coming schedule changes; this shapes and measures them.
 */

import { noisiestAlerts } from './incident-stats.js';

export interface HandoverIncident {
  id: number;
  title: string;
  severity: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** How many alerts fired into it (for the noisiest list). */
  alertCount: number;
  alertName: string;
  /** Where to look: the alert source or runbook, when the alert gave one. */
  link: string | null;
}

export interface HandoverInput {
  rotationName: string;
  shiftStart: number;
  shiftEnd: number;
  outgoing: string | null;
  incoming: string | null;
  /** Incidents of the team's services that were open at some point during the shift, or are open now. */
  incidents: HandoverIncident[];
  notes: { authorId: string; text: string; createdAt: number }[];
  /** Overrides and time off of the coming week. */
  coming: { kind: 'override' | 'time_off'; userId: string; start: number; end: number; standsInFor?: string | null }[];
}

export interface HandoverDigest {
  rotationName: string;
  shiftStart: number;
  shiftEnd: number;
  outgoing: string | null;
  incoming: string | null;
  stillOpen: { id: number; title: string; severity: string; status: string; ageMs: number; link: string | null }[];
  duringShift: { id: number; title: string; status: string; timeToAckMs: number | null; timeToResolveMs: number | null }[];
  medianTimeToAckMs: number | null;
  noisiest: { alertName: string; alerts: number; incidents: number }[];
  notes: HandoverInput['notes'];
  coming: HandoverInput['coming'];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function buildHandover(input: HandoverInput): HandoverDigest {
  const { shiftStart, shiftEnd } = input;
  const stillOpen = input.incidents
    .filter((i) => i.status !== 'resolved' && i.openedAt < shiftEnd)
    .sort((a, b) => a.openedAt - b.openedAt)
    .map((i) => ({ id: i.id, title: i.title, severity: i.severity, status: i.status, ageMs: shiftEnd - i.openedAt, link: i.link }));
  const opened = input.incidents.filter((i) => i.openedAt >= shiftStart && i.openedAt < shiftEnd).sort((a, b) => a.openedAt - b.openedAt);
  const duringShift = opened.map((i) => ({
    id: i.id,
    title: i.title,
    status: i.status,
    timeToAckMs: i.acknowledgedAt !== null ? i.acknowledgedAt - i.openedAt : null,
    timeToResolveMs: i.resolvedAt !== null ? i.resolvedAt - i.openedAt : null,
  }));
  const noisiest = noisiestAlerts(opened, 3);
  return {
    rotationName: input.rotationName,
    shiftStart,
    shiftEnd,
    outgoing: input.outgoing,
    incoming: input.incoming,
    stillOpen,
    duringShift,
    medianTimeToAckMs: median(duringShift.flatMap((i) => (i.timeToAckMs === null ? [] : [i.timeToAckMs]))),
    noisiest,
    notes: input.notes.filter((n) => n.createdAt >= shiftStart && n.createdAt < shiftEnd).sort((a, b) => a.createdAt - b.createdAt),
    coming: [...input.coming].sort((a, b) => a.start - b.start),
  };
}
