/**
 * What the cloud-facing verbs share: the configured providers (all, or only the one named on
 * the command line), started one by one so that one unusable provider is a warning and not
 * the end of the command, and stopped when the command ends.
 */
import { DriverRegistry } from '../../provider/index.js';
import type { Provider } from '../../provider/index.js';
import { createNoopStats } from '../../stats/index.js';
import { stopAll } from '../../util/index.js';
import type { CliContext } from './verb.js';

/**
 * Starts the providers of the config in config order, or only `only` when given. An unknown
 * `only` gives an empty list (upstream prints an empty table) and a warning.
 */
export async function openCliProviders(ctx: CliContext, only?: string): Promise<Provider[]> {
  const config = await ctx.config();
  const wanted = config.providers.filter((p) => only === undefined || p.name === only);
  if (only !== undefined && wanted.length === 0) {
    ctx.log.warn('Provider %s is not in the configuration: configured providers are %s', only, config.providers.map((p) => p.name).join(', ') || 'none');
  }
  // Provider life-cycle lines are noise on a CLI's stderr; keep warnings and errors.
  const log = ctx.log.child({ component: 'provider' }, ctx.debug ? {} : { level: 'warn' });
  const registry = new DriverRegistry();
  const started: Provider[] = [];
  ctx.onClose(() => stopAll(started));
  for (const c of wanted) {
    try {
      const p = registry.create(c, { log, stats: createNoopStats() });
      await p.start();
      started.push(p);
    } catch (err) {
      ctx.log.warn({ err }, 'Cannot use provider %s: %s', c.name, err instanceof Error ? err.message : String(err));
    }
  }
  return started;
}
