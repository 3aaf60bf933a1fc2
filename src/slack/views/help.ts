import type { RenderedMessage } from './incident-card.js';

export const SUBCOMMANDS: { name: string; usage: string; summary: string }[] = [
  { name: 'who', usage: '/oncall who', summary: 'who is on call now for each rotation, in your time zone' },
  { name: 'help', usage: '/oncall help', summary: 'this list' },
];

export function helpMessage(prefix?: string): RenderedMessage {
  const lines = SUBCOMMANDS.map((c) => `\`${c.usage}\`: ${c.summary}`);
  const text = [prefix, '*Baton commands*', ...lines].filter(Boolean).join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
