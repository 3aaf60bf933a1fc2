import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { truncate } from './format.js';

// The pieces every Baton modal is built from (schedule-modals.ts, catalog-forms.ts and the others).

// Every input block's block_id is the name of the field the services report errors on, so an error
// from a service lands on the right field with `response_action: errors`. Each block has one element,
// whose action_id is "value", unless it dispatches its picks (then its own id, routed in routes.ts) or
// must forget a pick when the view changes under it (Slack keeps a field's value while its action_id stays).

export const plain = (text: string) => ({ type: 'plain_text' as const, text });

export function option(text: string, value: string): PlainTextOption {
  return { text: plain(truncate(text, 75)), value };
}

export function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string; dispatch?: boolean } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    element: { action_id: 'value', ...element },
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
    ...(opts.dispatch ? { dispatch_action: true } : {}),
  } as KnownBlock;
}

export function modal(callbackId: string, title: string, submit: string, blocks: KnownBlock[], privateMetadata = ''): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: privateMetadata,
    blocks,
  };
}

/** Slack's limit on a static select's options; longer lists are searched instead. */
export const MAX_STATIC_OPTIONS = 100;

export interface Choice {
  id: string;
  name: string;
}

/**
 * One of a list of things (rotations, services, teams): a static select while the list fits Slack's 100
 * options, an external_select beyond that, whose options Baton answers page by page as the person types
 * (`block_suggestion`, see listeners/select-search.ts). The block_id says which list it is.
 */
export function pickOne(
  blockId: 'rotation' | 'service' | 'team' | 'policy',
  label: string,
  items: Choice[],
  opts: { initialId?: string; optional?: boolean; hint?: string } = {},
): KnownBlock {
  const initial = items.find((i) => i.id === opts.initialId) ?? (items.length === 1 && !opts.optional ? items[0] : undefined);
  const initialOption = initial ? { initial_option: option(initial.name, initial.id) } : {};
  if (items.length <= MAX_STATIC_OPTIONS) {
    return input(blockId, label, { type: 'static_select', options: items.map((i) => option(i.name, i.id)), ...initialOption }, opts);
  }
  return input(
    blockId,
    label,
    { type: 'external_select', min_query_length: 0, placeholder: plain('Type to search'), ...initialOption },
    { ...opts, hint: opts.hint ?? `${items.length} to choose from: type part of a name.` },
  );
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'plain_text', text }] };
}

/**
 * Several rotations: a multi-select while they fit in 100 options, a searchable one beyond (block ids ending
 * in `_rotations` are answered from the rotation list).
 */
export function pickRotations(blockId: string, label: string, items: Choice[], initial: string[]): KnownBlock {
  const chosen = items.filter((i) => initial.includes(i.id)).map((i) => option(i.name, i.id));
  const initialOptions = chosen.length > 0 ? { initial_options: chosen } : {};
  if (items.length <= MAX_STATIC_OPTIONS) {
    return input(
      blockId,
      label,
      { type: 'multi_static_select', options: items.map((i) => option(i.name, i.id)), ...initialOptions },
      { optional: true },
    );
  }
  return input(blockId, label, { type: 'multi_external_select', min_query_length: 0, ...initialOptions }, { optional: true });
}
