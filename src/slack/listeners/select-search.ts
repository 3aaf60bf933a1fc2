import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { truncate } from '../views/format.js';
import type { Choice } from '../views/modal-kit.js';

/** The lists a modal may search, by the block_id of their external_select. */
const LISTS: Record<string, (deps: SlackDeps) => Promise<Choice[]>> = {
  rotation: async (deps) => [...(await deps.oncall.rotations()).values()].map((r) => ({ id: r.id, name: r.name })),
  service: async (deps) => await deps.catalog.services(),
  team: async (deps) => await deps.catalog.teams(),
  policy: async (deps) => await deps.catalog.policies(),
};

/** Which list a field searches: its block_id, or for `level2_rotations` and the like, the rotations. */
function listFor(blockId: string) {
  return LISTS[blockId] ?? (/_rotations$/.test(blockId) ? LISTS.rotation : undefined);
}

/** Slack shows at most 100 options at a time; a person narrows the list by typing. */
const PAGE = 100;

/** Names containing the query first by where it matches, then alphabetically: the best 100 for what was typed. */
export function searchChoices(items: Choice[], query: string): Choice[] {
  const q = query.trim().toLowerCase();
  return items
    .map((item) => ({
      item,
      at: q ? Math.min(...[item.name.toLowerCase().indexOf(q), item.id.toLowerCase().indexOf(q)].map((i) => (i < 0 ? Infinity : i))) : 0,
    }))
    .filter((x) => x.at !== Infinity)
    .sort((a, b) => a.at - b.at || a.item.name.localeCompare(b.item.name, 'en'))
    .slice(0, PAGE)
    .map((x) => x.item);
}

/** block_suggestion: options for a long list's external_select, filtered by what the person typed. */
export function selectSearchListener(deps: SlackDeps) {
  return async ({ ack, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs) => {
    const list = listFor(payload.block_id);
    const found = list ? searchChoices(await list(deps), payload.value ?? '') : [];
    await ack({ options: found.map((c) => ({ text: { type: 'plain_text' as const, text: truncate(c.name, 75) }, value: c.id })) });
  };
}
