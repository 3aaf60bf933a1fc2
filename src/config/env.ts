import { readFileSync } from 'node:fs';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const httpUrl = (expected: string) => optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), { message: expected });

/** Every variable Baton reads. Documented one by one in .env.example. */
export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xoxb-'), {
      message: 'expected a bot token starting with "xoxb-"',
    }),
    SLACK_SIGNING_SECRET: optionalString.refine((v) => v === undefined || /^[0-9a-f]{16,}$/i.test(v), {
      message: "expected the app's signing secret (hex, from Basic Information)",
    }),
    SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), {
      message: 'expected an app-level token starting with "xapp-" (only for Socket Mode)',
    }),
    SLACK_API_URL: httpUrl('expected an http(s) URL ending in /api/, such as https://slack.com/api/'),
    PORT: optionalString
      .transform((v) => (v === undefined ? 3000 : Number(v)))
      .refine((v) => Number.isInteger(v) && v >= 0 && v <= 65535, { message: 'expected a port number 0-65535' }),
    DATABASE_PATH: optionalString.transform((v) => v ?? './data/baton.sqlite'),
    DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\/\S+$/.test(v), {
      message: 'expected a PostgreSQL URL, such as postgres://baton:secret@db.internal:5432/baton',
    }),
    PUBLIC_BASE_URL: httpUrl('expected the public http(s) URL Baton is reached at, such as https://baton.example.com'),
    BATON_CONFIG: optionalString,
    RETENTION_DAYS: optionalString
      .transform((v) => (v === undefined ? 180 : Number(v)))
      .refine((v) => Number.isInteger(v) && v >= 0, { message: 'expected a whole number of days (0 keeps everything)' }),
    LOG_LEVEL: optionalString
      .transform((v) => v ?? 'info')
      .pipe(
        z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
          message: 'expected one of fatal, error, warn, info, debug, trace, silent',
        }),
      ),
    TWILIO_ACCOUNT_SID: optionalString.refine((v) => v === undefined || /^AC[0-9a-f]{32}$/i.test(v), {
      message: 'expected an Account SID: "AC" followed by 32 hex digits',
    }),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM_NUMBER: optionalString.refine((v) => v === undefined || /^\+[1-9]\d{6,14}$/.test(v), {
      message: 'expected a phone number in E.164 form, such as +15551234567',
    }),
    TWILIO_API_URL: httpUrl('expected the http(s) base URL of a Twilio-compatible API (leave unset for Twilio itself)'),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      });
    }
    if ((env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) && !env.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required when Slack is configured' });
    }
    const twilio = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'] as const;
    const set = twilio.filter((k) => env[k] !== undefined);
    if (set.length > 0 && set.length < twilio.length) {
      const missing = twilio.find((k) => env[k] === undefined)!;
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${set.join(', ')} is set` });
    }
    if (set.length === twilio.length && !env.PUBLIC_BASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: 'is required with TWILIO_*: Twilio fetches call scripts from it and signs its callbacks with it',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Variables that hold secrets: each may instead be given as a file, NAME_FILE (Docker and Kubernetes secrets). */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'DATABASE_URL',
] as const;

/**
 * The environment with every NAME_FILE read into NAME (the file's content, trailing newline dropped).
 * Setting both is refused: which one wins would be a guess.
 */
export function withSecretFiles(
  source: Record<string, string | undefined>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Record<string, string | undefined> {
  const env = { ...source };
  for (const name of SECRET_VARIABLES) {
    const path = source[`${name}_FILE`]?.trim();
    if (!path) continue;
    if (source[name]?.trim()) throw new EnvError(`Invalid environment variable ${name}_FILE: ${name} is set too; set one of them`);
    try {
      env[name] = readFile(path).replace(/\r?\n$/, '');
    } catch (err) {
      throw new EnvError(
        `Invalid environment variable ${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  return env;
}

/** Parses the environment; the error is one line naming the first bad variable and what was expected. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(withSecretFiles(source));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  throw new EnvError(`Invalid environment variable ${name}: ${issue.message}`);
}

/** With no Slack credentials at all, Baton runs its demo on local stand-ins. */
export function isDemoMode(env: Env): boolean {
  return !env.SLACK_BOT_TOKEN;
}
