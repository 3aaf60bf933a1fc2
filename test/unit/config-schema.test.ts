import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';

describe('the config file JSON Schema', () => {
  const committed = JSON.parse(readFileSync(new URL('../../schema/baton.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('is the one generated from the schema start-up validates with (npm run config:schema)', () => {
    expect(committed).toEqual(configJsonSchema());
  });

  it('describes every top-level section and refuses unknown keys, as start-up does', () => {
    expect(Object.keys(committed.properties as object)).toEqual([
      'users',
      'teams',
      'rotations',
      'escalation_policies',
      'services',
      'webhooks',
      'admin_user_group',
      'emergency_line',
    ]);
    expect(committed.additionalProperties).toBe(false);
    const rotation = (committed.properties as Record<string, { items: { properties: Record<string, { pattern?: string }> } }>).rotations!
      .items;
    expect(rotation.properties.shift!.pattern).toBe('^(\\d+)\\s*(h|d|w)$');
  });
});
