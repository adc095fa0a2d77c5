/**
 * What the cloud-facing verbs share: the configured providers (all, or only the one named on
 * the command line), started one by one so that one unusable provider does not hide the
 * others, and stopped when the command ends.
 */
import { NodepoolError, usageError } from '../../errors.js';
import type { DriverRegistry, Provider } from '../../provider/index.js';
import { createNoopStats } from '../../stats/index.js';
import { stopAll } from '../../util/index.js';
import { createProgramDrivers } from '../drivers.js';
import type { CliContext } from './verb.js';

/**
 * Some providers could not be used or listed (ERR_PROVIDER_UNAVAILABLE, exit status 1, after
 * the table of the others); `details.providers` names them, comma-separated.
 */
export function providersFailedError(failures: ReadonlyMap<string, string>): NodepoolError {
  return new NodepoolError(
    [...failures].map(([name, why]) => `Cannot list provider "${name}": ${why}`).join('\n'),
    { code: 'ERR_PROVIDER_UNAVAILABLE', details: { providers: [...failures.keys()].join(',') } },
  );
}

/** Started providers and the ones that failed (name → reason). */
export interface CliProviders {
  readonly providers: Provider[];
  readonly failures: Map<string, string>;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

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
 * Starts the providers of the config in config order, or only `only` when given.
 * @throws NodepoolError (ERR_USAGE) when `only` is not a configured provider
 */
export async function startCliProviders(ctx: CliContext, only?: string): Promise<CliProviders> {
  const config = await ctx.config();
  const wanted = config.providers.filter((p) => only === undefined || p.name === only);
  if (only !== undefined && wanted.length === 0) {
    const names = config.providers.map((p) => p.name).join(', ') || 'none';
    throw usageError(
      `Cannot find provider "${only}" in the configuration: configured providers are ${names}`,
    );
  }
  // Provider life-cycle lines are noise on a CLI's stderr; keep warnings and errors.
  const log = ctx.log.child({ component: 'provider' }, ctx.debug ? {} : { level: 'warn' });
  const registry = await openCliDrivers(ctx);
  const providers: Provider[] = [];
  const failures = new Map<string, string>();
  ctx.onClose(() => stopAll(providers));
  for (const c of wanted) {
    try {
      const p = registry.create(c, { log, stats: createNoopStats() });
      await p.start();
      providers.push(p);
    } catch (err) {
      ctx.log.debug({ err }, 'Cannot use provider %s', c.name);
      failures.set(c.name, reason(err));
    }
  }
  return { providers, failures };
}

/**
 * {@link startCliProviders} for verbs that go on with the usable providers: each unusable one
 * is a warning.
 */
export async function openCliProviders(ctx: CliContext, only?: string): Promise<Provider[]> {
  const { providers, failures } = await startCliProviders(ctx, only);
  for (const [name, why] of failures) ctx.log.warn('Cannot use provider %s: %s', name, why);
  return providers;
}

/** Records a provider whose listing failed, for {@link providersFailedError}. */
export function recordFailure(failures: Map<string, string>, name: string, err: unknown): void {
  failures.set(name, reason(err));
}
