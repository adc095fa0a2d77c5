/**
 * The in-tree provider drivers, listed statically (no directory scanning). A duplicate name
 * is a programming error and throws when the registry is built.
 */
import type { CompiledProvider } from '../config/index.js';
import { getSharedFakeCloud } from '../fakecloud/index.js';
import type { Provider, ProviderDeps, ProviderDriver } from './driver.js';
import { OpenStackProvider } from './openstack/openstack-provider.js';

/**
 * The OpenStack driver (the only one at 0.4.0). A provider with `auth-url: fake` talks to the
 * process's shared bundled fake cloud, as upstream's fake provider manager did.
 */
export const openstackDriver: ProviderDriver = {
  name: 'openstack',
  create(config: CompiledProvider, deps: ProviderDeps): Provider {
    const region = config.cloud.regionName ?? config.regionName;
    const fakeAuthUrl = async (): Promise<string> => (await getSharedFakeCloud(region ? { region } : {})).authUrl;
    return new OpenStackProvider(config, { fakeAuthUrl, ...deps });
  },
};

/** Every in-tree driver. */
export const BUILTIN_DRIVERS: readonly ProviderDriver[] = [openstackDriver];

/** Drivers by name. */
export class DriverRegistry {
  private readonly byName = new Map<string, ProviderDriver>();

  /** @throws TypeError when two drivers share a name */
  constructor(drivers: readonly ProviderDriver[] = BUILTIN_DRIVERS) {
    for (const d of drivers) {
      if (this.byName.has(d.name)) throw new TypeError(`Cannot register provider driver "${d.name}": the name is already registered`);
      this.byName.set(d.name, d);
    }
  }

  /** Driver names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** @throws RangeError naming the available drivers when `name` is unknown */
  get(name: string): ProviderDriver {
    const d = this.byName.get(name);
    if (!d) {
      throw new RangeError(`Cannot find provider driver "${name}": available drivers are ${this.names().map((n) => `"${n}"`).join(', ')}`);
    }
    return d;
  }

  /** Builds (does not start) the provider for a compiled config. */
  create(config: CompiledProvider, deps: ProviderDeps): Provider {
    return this.get(config.driver).create(config, deps);
  }
}
