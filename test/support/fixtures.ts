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
