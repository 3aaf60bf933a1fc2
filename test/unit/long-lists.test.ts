import { describe, expect, it } from 'vitest';
import { checkBlocks } from '../../devtools/slack/block-kit-rules.js';
import { elementOptions, modalInputs } from '../../devtools/slack/requests.js';
import type { ShiftChoice } from '../../src/domain/read-models.js';
import { searchChoices } from '../../src/slack/listeners/select-search.js';
import { calendarMessages } from '../../src/slack/views/calendar.js';
import { coverModal, swapModal } from '../../src/slack/views/schedule-modals.js';

const HOUR = 3_600_000;
const shifts = (userId: string, rotation: string, n: number): ShiftChoice[] =>
  Array.from({ length: n }, (_, i) => ({
    rotationId: rotation,
    rotationName: rotation.toUpperCase(),
    userId,
    scheduledStart: i * 4 * HOUR,
    start: i * 4 * HOUR,
    end: (i + 1) * 4 * HOUR,
  }));

describe('long lists in modals', () => {
  it('more than 100 shifts become option groups of at most 100, every shift still offered, within Block Kit limits', () => {
    const mine = [...shifts('U0ADA00001', 'core', 150), ...shifts('U0ADA00001', 'edge', 20)];
    const theirs = [...shifts('U0BOB00002', 'core', 230), ...shifts('U0BOB00002', 'edge', 5)];
    const teammates = [
      { id: 'U0BOB00002', name: 'Bob' },
      { id: 'U0CLEO0003', name: 'Cleo' },
    ];
    const view = swapModal({ mine, teammates, teammateId: 'U0BOB00002', theirs, zone: 'UTC' });
    expect(checkBlocks(view.blocks, { maxBlocks: 100 })).toEqual([]);
    const [myShift, teammate, theirShift] = modalInputs(view as unknown as Record<string, unknown>);
    const groups = (el: Record<string, unknown>) =>
      (el.option_groups as { label: { text: string }; options: unknown[] }[]).map((g) => [g.label.text, g.options.length]);
    expect(groups(myShift!.element)).toEqual([
      ['CORE', 100],
      ['CORE (2)', 50],
      ['EDGE', 20],
    ]);
    expect(groups(theirShift!.element)).toEqual([
      ['CORE', 100],
      ['CORE (2)', 100],
      ['CORE (3)', 30],
      ['EDGE', 5],
    ]);
    expect(elementOptions(theirShift!.element)).toHaveLength(235);
    expect(myShift!.initial).toBe('core|0');
    expect(teammate!.initial).toBe('U0BOB00002');

    // A short list stays plain options.
    const cover = coverModal({ mine: shifts('U0ADA00001', 'core', 3), zone: 'UTC' });
    expect(modalInputs(cover as unknown as Record<string, unknown>)[0]!.element.options).toHaveLength(3);
  });

  it('a search answers the best 100 matches, the closest first', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `svc-${i}`, name: `Service ${i}` }));
    expect(searchChoices(items, '')).toHaveLength(100);
    expect(searchChoices(items, 'service 29').map((c) => c.id)).toEqual([
      'svc-29',
      ...Array.from({ length: 10 }, (_, i) => `svc-${290 + i}`),
    ]);
    expect(searchChoices([...items, { id: 'checkout', name: 'Checkout' }], 'OUT')).toEqual([{ id: 'checkout', name: 'Checkout' }]);
    expect(searchChoices(items, 'nothing like it')).toEqual([]);
  });

  it('calendar feeds of thousands of rotations fill as many messages as it takes, each within Slack limits, no link cut', () => {
    const feed = (i: number) => ({
      name: `Rotation ${i} ${'x'.repeat(i % 300)}`,
      url: `https://baton.example.com/calendars/rotation/r-${i}/${'t'.repeat(32)}.ics`,
    });
    const feeds = {
      personal: 'https://baton.example.com/calendars/user/U1/token.ics',
      mine: [feed(0)],
      others: Array.from({ length: 2999 }, (_, i) => feed(i + 1)),
    };
    const messages = calendarMessages(feeds);
    expect(messages.length).toBeGreaterThan(5);
    const lines: string[] = [];
    for (const m of messages) {
      expect(checkBlocks(m.blocks, { maxBlocks: 50 })).toEqual([]);
      expect(m.text.length).toBeLessThanOrEqual(40_000);
      for (const b of m.blocks as { type: string; text?: { text: string } }[])
        if (b.type === 'section') lines.push(...b.text!.text.split('\n'));
    }
    const urls = lines.map((l) => / (https:\/\/\S+)$/.exec(l)?.[1]).filter((u): u is string => u !== undefined);
    expect(urls).toEqual([feeds.personal, ...[...feeds.mine, ...feeds.others].map((f) => f.url)]);
    expect(messages[1]!.blocks[0]).toMatchObject({ type: 'context' });
  });
});
