import type { Logger } from 'pino';
import { ConfigError, loadConfigFile } from '../../config/file.js';
import type { DB } from '../../db/client.js';
import type { Clock } from '../../domain/clock.js';
import { requireAdmin } from '../../domain/permissions.js';
import { loadActor } from './people.js';
import { applyConfig, type ApplySummary } from './config-apply.js';

export type ReloadOutcome = { ok: true; summary: ApplySummary } | { ok: false; problems: string[] };

/**
 * Re-reads the config file and applies it, whole or not at all (SIGHUP, `/oncall reload`). A bad file
 * changes nothing and is reported; a good one is applied in one transaction, as at start.
 */
export class ConfigReloader {
  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    private readonly configPath: string | null,
    private readonly logger: Logger,
    /** Caches of what the file declares (integration keys, the admin group) are dropped after an apply. */
    private readonly afterApply: () => void,
  ) {}

  /** An admin asked in Slack; throws PermissionDenied for anyone else. */
  async reloadAs(userId: string): Promise<ReloadOutcome> {
    requireAdmin(await this.db.query((q) => loadActor(q, userId)), 'reload the config file');
    return this.reload(userId);
  }

  async reload(by: string): Promise<ReloadOutcome> {
    if (!this.configPath) return this.refused(by, ['no config file: BATON_CONFIG is not set']);
    try {
      const config = loadConfigFile(this.configPath);
      const summary = await applyConfig(this.db, config, { actor: `config:${this.configPath}`, now: this.clock.nowMs() });
      this.afterApply();
      reportApplied(this.logger, summary, { by, reload: true });
      return { ok: true, summary };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return this.refused(by, err.message.split('\n'));
    }
  }

  private refused(by: string, problems: string[]): ReloadOutcome {
    this.logger.error({ by, problems }, 'config not reloaded: nothing was changed');
    return { ok: false, problems };
  }
}

/** What an apply did, in the log; anything kept against the file's wish is a warning. */
export function reportApplied(logger: Logger, summary: ApplySummary, context: Record<string, unknown> = {}): void {
  logger.info({ ...context, ...summary }, context.reload ? 'config reloaded' : 'config applied');
  if (summary.kept.length > 0) {
    logger.warn(
      { kept: summary.kept },
      'removed from the config file but kept, since incidents refer to them; a kept service accepts no more alerts',
    );
  }
}
