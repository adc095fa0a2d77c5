/**
 * The running providers of a daemon, reconfigured by value (upstream
 * `ProviderManager.reconfigure`): a provider whose compiled config is deep-equal keeps its
 * queue and caches; a changed one is replaced (new one started first, old one stopped); a
 * removed one is stopped.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CompiledProvider } from '../config/index.js';
import { stopAll } from '../util/index.js';
import type { Provider, ProviderDeps } from './driver.js';
import { DriverRegistry } from './registry.js';

/** What {@link ProviderSet.reconfigure} did. */
export interface ReconfigureResult {
  started: string[];
  stopped: string[];
  kept: string[];
}

/** The set of running providers. */
export class ProviderSet {
  private readonly providers = new Map<string, Provider>();
  private readonly registry: DriverRegistry;

  constructor(
    private readonly deps: ProviderDeps,
    options: { registry?: DriverRegistry } = {},
  ) {
    this.registry = options.registry ?? new DriverRegistry();
  }

  /** The provider called `name`, if configured. */
  get(name: string): Provider | undefined {
    return this.providers.get(name);
  }

  /** Every running provider, in config order. */
  all(): Provider[] {
    return [...this.providers.values()];
  }

  /**
   * Applies a new provider list. Unknown drivers throw before anything changes.
   * @throws RangeError for an unknown driver
   */
  async reconfigure(configs: readonly CompiledProvider[]): Promise<ReconfigureResult> {
    for (const c of configs) this.registry.driverFor(c);
    const result: ReconfigureResult = { started: [], stopped: [], kept: [] };
    const next = new Map<string, Provider>();
    const retired: Provider[] = [];
    for (const c of configs) {
      const old = this.providers.get(c.name);
      if (old && isDeepStrictEqual(old.config, c)) {
        next.set(c.name, old);
        result.kept.push(c.name);
        continue;
      }
      if (old) retired.push(old);
      const p = this.registry.create(c, this.deps);
      await p.start();
      next.set(c.name, p);
      result.started.push(c.name);
    }
    for (const [name, p] of this.providers) if (!next.has(name)) retired.push(p);
    this.providers.clear();
    for (const [name, p] of next) this.providers.set(name, p);
    result.stopped = retired.map((p) => p.name);
    await stopAll(retired);
    return result;
  }

  /** Stops every provider (each in its own try/catch). */
  async stop(): Promise<void> {
    const all = this.all();
    this.providers.clear();
    await stopAll(all);
  }
}
