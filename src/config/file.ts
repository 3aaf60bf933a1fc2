import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { configFileSchema, type ConfigFile } from './schema.js';

export type { ConfigFile };

export class ConfigError extends Error {}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

/** Parses YAML text; every problem is reported as "file: path: problem". Nothing is applied on error. */
export function parseConfigText(text: string, fileName: string): ConfigFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // The same one-line form as every other problem: "file: line:col: problem".
    const where = (e: (typeof doc.errors)[number]) => (e.linePos ? `${e.linePos[0].line}:${e.linePos[0].col}: ` : '');
    const what = (e: (typeof doc.errors)[number]) => e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(doc.errors.map((e) => `${fileName}: ${where(e)}${what(e)}`).join('\n'));
  }
  const result = configFileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${fileName}: ${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  return result.data;
}

export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseConfigText(text, path);
}
