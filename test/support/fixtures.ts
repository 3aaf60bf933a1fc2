import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> & { alerts: Record<string, unknown>[] };
}

export function fixture(path: string): CapturedRequest {
  return JSON.parse(readFileSync(`${DIR}${path}`, 'utf8'));
}

export function fixtureNames(folder: string): string[] {
  return readdirSync(`${DIR}${folder}`).filter((f) => f.endsWith('.json'));
}

/**
 * A firing Alertmanager notification of a new alert group, `name`, whose alerts' fingerprints are its own:
 * each call with a new name opens a new incident.
 */
export function alertGroup(name: string): CapturedRequest['body'] {
  const body = structuredClone(fixture('alertmanager/v0.25-firing.json').body) as CapturedRequest['body'] & { groupKey: string };
  body.groupKey = `{}:{alertname="${name}"}`;
  for (const a of body.alerts) a.fingerprint = `${String(a.fingerprint)}-${name}`;
  return body;
}
