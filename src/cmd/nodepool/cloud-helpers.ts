/**
 * What the cloud-facing verbs share: the configured providers (all, or only the one named on
 * the command line), started one by one so that one unusable provider is a warning and not
 * the end of the command, and stopped when the command ends.
 */
import type { DriverRegistry, Provider } from '../../provider/index.js';
import { createNoopStats } from '../../stats/index.js';
import { stopAll } from '../../util/index.js';
import { createProgramDrivers } from '../drivers.js';
import type { CliContext } from './verb.js';

/**
 * The CLI's provider drivers; what they start (the fake cloud of `auth-url: fake`) is
 * stopped when the command ends, after the providers.
 */
export async function openCliDrivers(ctx: CliContext): Promise<DriverRegistry> {
  const drivers = createProgramDrivers(ctx.log);
  ctx.onClose(() => drivers.owner.stop());
  await drivers.owner.start();
  return drivers.registry;
}

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
  const registry = await openCliDrivers(ctx);
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
