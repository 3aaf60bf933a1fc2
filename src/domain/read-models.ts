/**
 * Read models: what the services read and the views show, as plain data. They live on the bottom floor so a
 * view depends on the shape of what it shows, never on the service that reads it. Types only.
 */

import type { EscalationPolicySnapshot } from './escalation.js';
import type { FairnessWarning, PersonLoad, TooFewPeople } from './fairness.js';
import type { IncidentUrgency } from './routing.js';
import type { Rotation } from './rotation.js';
import type { Role, Segment } from './schedule.js';

// Incidents

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/**
 * An incident as stored (a row of `incidents`). The services' `Incident` is the table's inferred row type;
 * the two are passed to each other both ways, so the compiler keeps them the same.
 */
export interface IncidentRecord {
  id: number;
  serviceId: string;
  dedupKey: string;
  status: IncidentStatus;
  title: string;
  severity: string;
  urgency: IncidentUrgency;
  source: string;
  labels: Record<string, string>;
  links: { runbook: string | null; source: string | null; externalUrl: string | null };
  policy: EscalationPolicySnapshot;
  escalationLevel: number;
  escalationLoop: number;
  nextEscalationAt: number | null;
  deferredUntil: number | null;
  channelId: string | null;
  commanderId: string | null;
  commsLeadId: string | null;
  suppressed: boolean;
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  updatedAt: number;
}

/** Someone who opened an incident by hand in Slack, and the label Baton recorded them in. */
export interface HandOpener {
  userId: string;
  how: 'declared' | 'paged';
  label: 'declared_by' | 'paged_by';
}

/** An incident as a list shows it (a DM page that lists several): what it is, of which service, where it stands. */
export interface IncidentSummary {
  incident: IncidentRecord;
  serviceName: string;
}

/** What a rendering of an incident needs, read in one place. */
export interface IncidentView {
  incident: IncidentRecord;
  serviceName: string;
  firingAlerts: number;
  totalAlerts: number;
  /** Who was paged at the incident's current level (from its timeline); empty until someone is. */
  pagingNow: string[];
  /** Who declared it or paged someone with it, when it was opened by hand in Slack. */
  openedBy: HandOpener | null;
}

/** An open incident as the App Home lists it. */
export interface PagingIncident {
  id: number;
  title: string;
  severity: string;
  status: IncidentStatus;
  level: number;
  openedAt: number;
  /** Where to follow it: its own channel, else the team channel its card was posted to; null if neither is known. */
  channelId: string | null;
}

// Schedules

/** A rotation as stored: the schedule engine's rotation and what Baton keeps beside it. */
export type StoredRotation = Rotation & {
  teamId: string;
  slackUserGroup: string | null;
  dailyDigestTime: string | null;
  source: 'config' | 'slack';
};

export interface RotationNow {
  rotation: StoredRotation;
  /** Who holds each role now; `end` is when the primary gives up the pager (at most 8 days ahead). */
  now: Segment;
}

export interface RotationSchedule {
  rotation: StoredRotation;
  segments: Segment[];
}

/**
 * A stretch a person holds a rotation's pager. It is named by what does not move as time passes: the
 * rotation, the holder and its scheduled start; what is left of it (`start`) and its end are read fresh.
 */
export interface ShiftChoice {
  rotationId: string;
  rotationName: string;
  userId: string;
  /** When the holder took the pager, by the schedule (in the past for the shift under way). */
  scheduledStart: number;
  /** What is still to come of it: now, for the shift under way, else its scheduled start. */
  start: number;
  /** Its end, also when that lies past the pick horizon. */
  end: number;
}

/** An accepted swap still to come or under way, with its overrides ("halves"), as a person may cancel it. */
export interface SwapChange {
  swapId: number;
  rotationName: string;
  requesterId: string;
  teammateId: string;
  halves: { overrideId: number; userId: string; start: number; end: number }[];
  /** False once a half is over or cancelled: a swap is cancelled whole or not at all. */
  cancellable: boolean;
}

/** A swap someone asked for and their teammate has not answered yet: they may withdraw it. */
export interface SwapAsk {
  swapId: number;
  rotationName: string;
  teammateId: string;
  give: { start: number; end: number };
  /** The teammate's shift the requester takes in return, if any. */
  take: { start: number; end: number } | null;
}

export interface TimeOffPreview {
  userId: string;
  start: number;
  end: number;
  coverage: { rotationId: string; rotationName: string; start: number; end: number; role: Role; coveredBy: string | null }[];
}

export interface RotationFairness {
  rotationId: string;
  rotationName: string;
  people: PersonLoad[];
  warnings: FairnessWarning[];
  tooFewPeople: TooFewPeople | null;
}

/** A person's calendar feeds. */
export interface Feeds {
  personal: string;
  /** The rotations the person takes part in (in any layer). */
  mine: { name: string; url: string }[];
  /** Every other rotation. */
  others: { name: string; url: string }[];
}
