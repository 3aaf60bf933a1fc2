import { reloadMessage } from '../views/config-reload.js';
import type { Subcommand } from './schedule-commands.js';

/**
 * `/oncall reload` (admins): the config file read again and applied whole or not at all, as on SIGHUP. The
 * admin is told privately what changed, or every problem of a bad file; anyone else is refused.
 */
export const reloadSubcommand: Subcommand = async (ctx) => reloadMessage(await ctx.deps.configReloader.reloadAs(ctx.userId));
