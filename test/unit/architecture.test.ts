import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The floors of the house (CONTRIBUTING.md), read from the code's own imports: each floor imports only
 * floors below it. A rule broken by a new import fails here. Known breaks still being moved out are listed
 * in KNOWN; the list may only shrink (a fixed one must be taken off it).
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The imports in one file's text, static or dynamic, type-only included, as src-relative paths ('pkg:zod' for
 * packages; an import that leaves src/ starts with '../', such as '../devtools/demo/main.ts').
 */
function importsOf(file: string, text: string): Import[] {
  const from = relative(SRC, file);
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => {
    const spec = m[1]!;
    const to = spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') : `pkg:${spec}`;
    return { from, to };
  });
}

/** Every import of src/. */
function imports(): Import[] {
  return sourceFiles(SRC).flatMap((file) => importsOf(file, readFileSync(file, 'utf8')));
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** Each rule: which files it governs, and what they may not import. */
const RULES: { name: string; applies: (from: string) => boolean; forbids: (to: string) => boolean }[] = [
  {
    name: 'domain is pure (luxon, rrule and zod only)',
    applies: (f) => under(f, 'domain'),
    forbids: (t) => (t.startsWith('pkg:') ? !['pkg:luxon', 'pkg:rrule', 'pkg:zod'].includes(t) : !under(t, 'domain')),
  },
  {
    name: 'db knows no use case, transport or Slack',
    applies: (f) => under(f, 'db'),
    forbids: (t) => ['services', 'slack', 'notify', 'http'].some((d) => under(t, d)),
  },
  {
    name: 'services enqueue intent: no Slack, sender or HTTP code',
    applies: (f) => under(f, 'services'),
    forbids: (t) => ['slack', 'notify', 'http'].some((d) => under(t, d)),
  },
  {
    name: 'Slack views render domain read models: no services (types included), senders, HTTP or listeners',
    applies: (f) => under(f, 'slack/views'),
    forbids: (t) => ['services', 'notify', 'http', 'slack/listeners'].some((d) => under(t, d)),
  },
  {
    name: 'Slack listeners and views call services, never tables',
    applies: (f) => under(f, 'slack'),
    forbids: (t) => t === 'db/schema.ts' || t === 'db/client.ts',
  },
  {
    // The stand-ins and the demo live in devtools/ at the repo root; main.ts loads the demo only in demo mode,
    // through tsx, never with an import, so dist/ holds none of it.
    name: 'src is what runs in production: it imports nothing outside src/ but packages (no stand-in or demo)',
    applies: () => true,
    forbids: (t) => !t.startsWith('pkg:') && (t === '..' || t.startsWith('../')),
  },
];

/** Breaks that predate this test and are being moved out (issue 14). Only ever remove lines. */
const KNOWN = new Set([
  // Views that still import a service's types (the rule above came later; these move to the domain next).
  'slack/views/config-reload.ts -> services/admin/config-reload.ts',
  'slack/views/schedule-notices.ts -> services/schedules/cover.ts',
  'slack/views/schedule-notices.ts -> services/schedules/notices.ts',
  'slack/views/schedule-notices.ts -> services/schedules/swaps.ts',
]);

describe('architecture', () => {
  const all = imports();
  const breaks = (found: Import[]) =>
    [...new Set(found.flatMap((i) => RULES.filter((r) => r.applies(i.from) && r.forbids(i.to)).map(() => `${i.from} -> ${i.to}`)))].sort();
  const broken = breaks(all);

  it('reads the imports of src/ (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all).toContainEqual({ from: 'app.ts', to: 'db/client.ts' });
    expect(all).toContainEqual({ from: 'domain/zoned-time.ts', to: 'pkg:luxon' });
  });

  it('an import from src/ into devtools/ is seen and breaks a rule, static or dynamic, from any depth', () => {
    const demo = importsOf(join(SRC, 'main.ts'), "const { runDemo } = await import('../devtools/demo/main.js');");
    const standin = importsOf(join(SRC, 'slack/app.ts'), "import type { SlackStandIn } from '../../devtools/slack/server.js';");
    expect([...demo, ...standin]).toEqual([
      { from: 'main.ts', to: '../devtools/demo/main.ts' },
      { from: 'slack/app.ts', to: '../devtools/slack/server.ts' },
    ]);
    expect(breaks([...demo, ...standin])).toEqual(['main.ts -> ../devtools/demo/main.ts', 'slack/app.ts -> ../devtools/slack/server.ts']);
  });

  it('no import breaks a floor rule, beyond the known breaks still being moved out', () => {
    expect(broken.filter((b) => !KNOWN.has(b))).toEqual([]);
  });

  it('the list of known breaks only shrinks: a fixed break is taken off it', () => {
    expect([...KNOWN].filter((k) => !broken.includes(k))).toEqual([]);
  });
});
