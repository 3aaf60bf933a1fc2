/**
 * Slack's published Block Kit limits, as the stand-in enforces them on messages, modals, the App Home and
 * response_url posts: a call Slack would refuse with invalid_blocks is refused here too.
 */

const BLOCK_TYPES = new Set(['section', 'actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'file', 'video']);
const SELECTS = ['static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select'];
const MULTI_SELECTS = [
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const TEXT_INPUTS = ['plain_text_input', 'email_text_input', 'url_text_input', 'number_input', 'rich_text_input'];
const PICKERS = ['datepicker', 'timepicker', 'datetimepicker', 'checkboxes', 'radio_buttons'];
/** Elements that send interactions and carry an action_id. */
const INTERACTIVE = new Set(['button', 'overflow', 'file_input', ...SELECTS, ...MULTI_SELECTS, ...TEXT_INPUTS, ...PICKERS]);
/** What an input block may hold (no buttons or overflow menus). */
const INPUT_ELEMENTS = new Set(['file_input', ...SELECTS, ...MULTI_SELECTS, ...TEXT_INPUTS, ...PICKERS]);
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

type TextObject = { type?: unknown; text?: unknown };
export const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
/** A plain_text object of 1..max characters; returns the problem, or null. */
function plainTextProblem(t: unknown, max: number, what: string): string | null {
  const text = t as TextObject | undefined;
  if (!isObject(text) || text.type !== 'plain_text') return `${what} must be plain_text`;
  if (typeof text.text !== 'string' || text.text.length === 0) return `${what} is empty`;
  if (text.text.length > max) return `${what} longer than ${max}`;
  return null;
}

/** Checks blocks against Slack's published Block Kit limits; returns every problem found. */
export function checkBlocks(blocks: unknown, opts: { maxBlocks: number }): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const problems: string[] = [];
  const add = (p: string | null) => void (p && problems.push(p));
  if (blocks.length > opts.maxBlocks) problems.push(`${blocks.length} blocks; at most ${opts.maxBlocks} allowed`);
  const blockIds = new Set<string>();
  // Slack requires an action_id to be unique within its block, not across the message.
  let actionIds = new Set<string>();
  const textOf = (t: unknown) => (t && typeof t === 'object' ? String((t as { text?: unknown }).text ?? '') : '');

  /** Options of selects (plain_text only, at most 100), or of checkboxes and radio buttons (mrkdwn allowed, at most 10). */
  const checkOptions = (el: Record<string, unknown>, where: string): { value?: unknown }[] => {
    const type = String(el.type);
    const isSelect = type === 'static_select' || type === 'multi_static_select';
    const max = isSelect ? 100 : 10;
    const hasOptions = el.options !== undefined;
    const hasGroups = isSelect && el.option_groups !== undefined;
    if (!hasOptions && !hasGroups) {
      problems.push(`${where}: ${isSelect ? 'a select needs options or option_groups' : `${type} needs options`}`);
      return [];
    }
    if (hasOptions && hasGroups) problems.push(`${where}: give options or option_groups, not both`);
    const checkList = (list: unknown, at: string): { value?: unknown }[] => {
      if (!Array.isArray(list)) {
        problems.push(`${at}: options must be an array`);
        return [];
      }
      if (list.length === 0) problems.push(`${at}: needs at least one option`);
      if (list.length > max) problems.push(`${at}: more than ${max} options`);
      return list.map((o: unknown, j) => {
        const w = `${at}.options[${j}]`;
        if (!isObject(o)) {
          problems.push(`${w}: not an object`);
          return {};
        }
        const text = o.text as TextObject | undefined;
        if (!isObject(text) || (isSelect ? text.type !== 'plain_text' : text.type !== 'plain_text' && text.type !== 'mrkdwn')) {
          problems.push(`${w}: option text must be ${isSelect ? 'plain_text' : 'plain_text or mrkdwn'}`);
        } else if (String(text.text ?? '').length > 75) problems.push(`${w}: option text longer than 75`);
        if (typeof o.value !== 'string' || o.value.length > 150) problems.push(`${w}: option value missing or longer than 150`);
        if (o.description !== undefined) add(plainTextProblem(o.description, 75, `${w}: description`));
        return o;
      });
    };
    const all: { value?: unknown }[] = [];
    if (hasOptions) all.push(...checkList(el.options, where));
    if (hasGroups) {
      const groups = el.option_groups;
      if (!Array.isArray(groups) || groups.length === 0) problems.push(`${where}: option_groups must be a non-empty array`);
      else {
        if (groups.length > 100) problems.push(`${where}: more than 100 option_groups`);
        groups.forEach((g: unknown, j) => {
          const w = `${where}.option_groups[${j}]`;
          if (!isObject(g)) {
            problems.push(`${w}: not an object`);
            return;
          }
          add(plainTextProblem(g.label, 75, `${w}: label`));
          all.push(...checkList(g.options, w));
        });
      }
    }
    return all;
  };

  const checkElement = (el: Record<string, unknown>, where: string) => {
    if (!isObject(el)) {
      problems.push(`${where}: not an object`);
      return;
    }
    const type = String(el.type);
    const actionId = el.action_id;
    if (INTERACTIVE.has(type) && actionId !== undefined) {
      if (typeof actionId !== 'string' || actionId.length === 0) problems.push(`${where}: action_id must be a non-empty string`);
      else {
        if (actionId.length > 255) problems.push(`${where}: action_id longer than 255`);
        if (actionIds.has(actionId)) problems.push(`${where}: duplicate action_id "${actionId}"`);
        actionIds.add(actionId);
      }
    }
    if (el.placeholder !== undefined) add(plainTextProblem(el.placeholder, 150, `${where}: placeholder`));
    if (type === 'static_select' || type === 'multi_static_select' || type === 'checkboxes' || type === 'radio_buttons') {
      const options = checkOptions(el, where);
      const values = new Set(options.map((o) => o.value));
      const initial = el.initial_option;
      if (initial !== undefined && (type === 'multi_static_select' || type === 'checkboxes'))
        problems.push(`${where}: ${type} takes initial_options, not initial_option`);
      else if (initial !== undefined && (!isObject(initial) || !values.has(initial.value)))
        problems.push(`${where}: initial_option is not one of the options`);
      const initials = el.initial_options;
      if (initials !== undefined && (type === 'static_select' || type === 'radio_buttons'))
        problems.push(`${where}: ${type} takes initial_option, not initial_options`);
      else if (
        initials !== undefined &&
        (!Array.isArray(initials) || initials.some((o: unknown) => !isObject(o) || !values.has(o.value)))
      ) {
        problems.push(`${where}: initial_options must all be among the options`);
      }
    }
    if (
      MULTI_SELECTS.includes(type) &&
      el.max_selected_items !== undefined &&
      !(Number.isInteger(el.max_selected_items) && Number(el.max_selected_items) >= 1)
    ) {
      problems.push(`${where}: max_selected_items must be a whole number of at least 1`);
    }
    for (const key of ['initial_user', 'initial_conversation', 'initial_channel'] as const) {
      if (el[key] !== undefined && (typeof el[key] !== 'string' || el[key] === '')) problems.push(`${where}: ${key} must be an ID string`);
    }
    for (const key of ['initial_users', 'initial_conversations', 'initial_channels'] as const) {
      if (el[key] !== undefined && (!Array.isArray(el[key]) || (el[key] as unknown[]).some((u) => typeof u !== 'string')))
        problems.push(`${where}: ${key} must be a list of IDs`);
    }
    if (type === 'datepicker' && el.initial_date !== undefined && !DATE.test(String(el.initial_date)))
      problems.push(`${where}: initial_date must be YYYY-MM-DD`);
    if (type === 'timepicker' && el.initial_time !== undefined && !TIME.test(String(el.initial_time)))
      problems.push(`${where}: initial_time must be HH:mm`);
    if (type === 'datetimepicker' && el.initial_date_time !== undefined) {
      const t = el.initial_date_time;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
        problems.push(`${where}: initial_date_time must be whole seconds since the epoch`);
      else if (t > 9_999_999_999) problems.push(`${where}: initial_date_time must be in seconds, not milliseconds`);
    }
    if (type === 'plain_text_input') {
      if (el.initial_value !== undefined && typeof el.initial_value !== 'string') problems.push(`${where}: initial_value must be a string`);
      const min = el.min_length;
      const max = el.max_length;
      if (min !== undefined && !(Number.isInteger(min) && Number(min) >= 0 && Number(min) <= 3000))
        problems.push(`${where}: min_length must be 0..3000`);
      if (max !== undefined && !(Number.isInteger(max) && Number(max) >= 1 && Number(max) <= 3000))
        problems.push(`${where}: max_length must be 1..3000`);
      if (typeof min === 'number' && typeof max === 'number' && min > max) problems.push(`${where}: min_length is more than max_length`);
    }
    if (type === 'button') {
      const text = el.text as { type?: string; text?: string } | undefined;
      if (text?.type !== 'plain_text') problems.push(`${where}: button text must be plain_text`);
      else if ((text.text ?? '').length > 75) problems.push(`${where}: button text longer than 75`);
      if (typeof el.value === 'string' && el.value.length > 2000) problems.push(`${where}: button value longer than 2000`);
      if (typeof el.url === 'string' && el.url.length > 3000) problems.push(`${where}: button url longer than 3000`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        problems.push(`${where}: button style must be primary or danger`);
    }
  };
  blocks.forEach((raw, i) => {
    const where = `blocks[${i}]`;
    if (!raw || typeof raw !== 'object') {
      problems.push(`${where}: not an object`);
      return;
    }
    const block = raw as Record<string, unknown>;
    actionIds = new Set<string>();
    if (!BLOCK_TYPES.has(String(block.type))) problems.push(`${where}: unknown block type "${String(block.type)}"`);
    if (block.block_id !== undefined) {
      const id = String(block.block_id);
      if (id.length > 255) problems.push(`${where}: block_id longer than 255`);
      if (blockIds.has(id)) problems.push(`${where}: duplicate block_id "${id}"`);
      blockIds.add(id);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${where}: a section needs text or fields`);
        if (block.text !== undefined && textOf(block.text).length > 3000) problems.push(`${where}: section text longer than 3000`);
        if (block.text !== undefined && textOf(block.text).length === 0) problems.push(`${where}: section text is empty`);
        const fields = block.fields as unknown[] | undefined;
        if (fields) {
          if (fields.length > 10) problems.push(`${where}: more than 10 fields`);
          fields.forEach((f, j) => {
            if (textOf(f).length > 2000) problems.push(`${where}.fields[${j}]: longer than 2000`);
          });
        }
        if (block.accessory) checkElement(block.accessory as Record<string, unknown>, `${where}.accessory`);
        break;
      }
      case 'header': {
        const text = block.text as { type?: string; text?: string } | undefined;
        if (text?.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        else if ((text.text ?? '').length > 150) problems.push(`${where}: header text longer than 150`);
        break;
      }
      case 'context': {
        const elements = block.elements as unknown[] | undefined;
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${where}: context needs elements`);
        else if (elements.length > 10) problems.push(`${where}: more than 10 context elements`);
        break;
      }
      case 'input': {
        add(plainTextProblem(block.label, 2000, `${where}: input label`));
        const element = block.element as Record<string, unknown> | undefined;
        if (!isObject(element)) problems.push(`${where}: input needs an element`);
        else if (!INPUT_ELEMENTS.has(String(element.type)))
          problems.push(`${where}: "${String(element.type)}" cannot be used in an input block`);
        else {
          if (typeof element.action_id !== 'string') problems.push(`${where}: input element needs an action_id`);
          checkElement(element, `${where}.element`);
        }
        if (block.hint !== undefined) add(plainTextProblem(block.hint, 2000, `${where}: hint`));
        if (block.optional !== undefined && typeof block.optional !== 'boolean') problems.push(`${where}: optional must be a boolean`);
        if (block.dispatch_action !== undefined && typeof block.dispatch_action !== 'boolean')
          problems.push(`${where}: dispatch_action must be a boolean`);
        break;
      }
      case 'actions': {
        const elements = block.elements as Record<string, unknown>[] | undefined;
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${where}: actions needs elements`);
        else {
          if (elements.length > 25) problems.push(`${where}: more than 25 elements`);
          elements.forEach((el, j) => {
            checkElement(el, `${where}.elements[${j}]`);
          });
        }
        break;
      }
      default:
        break;
    }
  });
  return problems;
}

/**
 * Block Kit limits plus the modal's own: title (required), submit and close plain_text of at most 24
 * characters, submit when it has inputs, callback_id at most 255, private_metadata at most 3000.
 */
export function modalProblems(view: Record<string, unknown>): string[] {
  const problems = checkBlocks(view.blocks, { maxBlocks: 100 });
  if (view.type !== 'modal') problems.push('view.type must be modal');
  const title = plainTextProblem(view.title, 24, 'modal title');
  if (title) problems.push(view.title === undefined ? 'a modal needs a title' : title);
  for (const key of ['submit', 'close'] as const) {
    if (view[key] !== undefined) {
      const p = plainTextProblem(view[key], 24, `modal ${key}`);
      if (p) problems.push(p);
    }
  }
  if (Array.isArray(view.blocks) && view.blocks.some((b: unknown) => isObject(b) && b.type === 'input') && view.submit === undefined) {
    problems.push('a modal with input blocks needs a submit button');
  }
  for (const [key, max] of [
    ['callback_id', 255],
    ['private_metadata', 3000],
    ['external_id', 255],
  ] as const) {
    const value = view[key];
    if (value !== undefined && typeof value !== 'string') problems.push(`${key} must be a string`);
    else if (typeof value === 'string' && value.length > max) problems.push(`${key} longer than ${max}`);
  }
  for (const key of ['clear_on_close', 'notify_on_close'] as const) {
    if (view[key] !== undefined && typeof view[key] !== 'boolean') problems.push(`${key} must be a boolean`);
  }
  return problems;
}
