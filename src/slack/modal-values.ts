import { z } from 'zod';

/**
 * Reads a submitted modal's state (`view.state.values[block_id].value`) into plain values, validated with
 * zod: whatever Slack sends is checked before a service sees it. Empty optional fields read as null.
 */
const element = z
  .object({
    type: z.string(),
    value: z.string().nullish(),
    selected_option: z.object({ value: z.string() }).nullish(),
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
    selected_user: z.string().nullish(),
    selected_users: z.array(z.string()).nullish(),
    selected_date: z.string().nullish(),
    selected_time: z.string().nullish(),
    selected_date_time: z.number().nullish(),
  })
  .loose();

const stateValues = z.record(z.string(), z.record(z.string(), element));

export type ModalValue = string | string[] | number | null;

export function readModal(values: unknown): Record<string, ModalValue> {
  const parsed = stateValues.safeParse(values);
  if (!parsed.success) return {};
  const out: Record<string, ModalValue> = {};
  for (const [blockId, actions] of Object.entries(parsed.data)) {
    const e = actions.value ?? Object.values(actions)[0];
    if (!e) continue;
    out[blockId] =
      e.selected_option?.value ??
      e.selected_options?.map((o) => o.value) ??
      e.selected_user ??
      e.selected_users ??
      e.selected_date ??
      e.selected_time ??
      (typeof e.selected_date_time === 'number' ? e.selected_date_time * 1000 : null) ??
      (typeof e.value === 'string' ? e.value.trim() || null : null);
  }
  return out;
}

export const text = (v: ModalValue | undefined): string | null => (typeof v === 'string' ? v : null);
export const list = (v: ModalValue | undefined): string[] => (Array.isArray(v) ? v : []);
export const instant = (v: ModalValue | undefined): number => (typeof v === 'number' ? v : Number.NaN);
