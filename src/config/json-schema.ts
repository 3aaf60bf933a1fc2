import { z } from 'zod';
import { configFileSchema } from './schema.js';

/**
 * The config file as a JSON Schema, generated from the same zod schema start-up validates with, so
 * editors (the YAML language server) complete and check it. What JSON Schema cannot say (time zones that
 * exist, references between rotations, teams and users) is left to `baton check-config`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...generated,
    $id: 'https://github.com/baton-oncall/baton/schema/baton.schema.json',
    title: 'Baton config file',
    description: 'Users, teams, rotations, escalation policies and services for Baton. Check a file with `npx baton check-config FILE`.',
  };
}
