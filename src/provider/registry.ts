/**
 * The in-tree provider drivers, listed statically (no directory scanning). A duplicate name
 * is a programming error and throws when the registry is built. Programs add drivers of their
 * own (the bundled fake cloud for 0.4.0's `auth-url: fake`) when they compose a registry.
 */
import type { CompiledProvider } from '../config/index.js';
import type { Provider, ProviderDeps, ProviderDriver } from './driver.js';
import { OpenStackProvider } from './openstack/openstack-provider.js';

/** The name of the driver that serves providers configured with `auth-url: fake`. */
export const FAKE_CLOUD_DRIVER = 'fake';

/** The OpenStack driver (the only real one at 0.4.0). */
export const openstackDriver: ProviderDriver = {
  name: 'openstack',
  create(config: CompiledProvider, deps: ProviderDeps): Provider {
    return new OpenStackProvider(config, deps);
  },
};

/** Every in-tree driver. */
export const BUILTIN_DRIVERS: readonly ProviderDriver[] = [openstackDriver];

/**
 * The driver a provider config selects: {@link FAKE_CLOUD_DRIVER} for 0.4.0's
 * `auth-url: fake` (upstream swapped in its fake provider manager there), else its `driver:`.
 */
export function driverNameOf(config: CompiledProvider): string {
  return config.cloud.isFake ? FAKE_CLOUD_DRIVER : config.driver;
}

/** Drivers by name. */
export class DriverRegistry {
  private readonly byName = new Map<string, ProviderDriver>();

  /** @throws TypeError when two drivers share a name */
  constructor(drivers: readonly ProviderDriver[] = BUILTIN_DRIVERS) {
    for (const d of drivers) {
      if (this.byName.has(d.name)) {
        throw new TypeError(
          `Cannot register provider driver "${d.name}": the name is already registered`,
        );
      }
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
      const available = this.names()
        .map((n) => `"${n}"`)
        .join(', ');
      throw new RangeError(
        `Cannot find provider driver "${name}": available drivers are ${available}`,
      );
    }
    return d;
  }

  /**
   * The driver of a compiled provider config (see {@link driverNameOf}).
   * @throws RangeError naming the available drivers when it is not registered
   */
  driverFor(config: CompiledProvider): ProviderDriver {
    const name = driverNameOf(config);
    if (name === FAKE_CLOUD_DRIVER && !this.byName.has(name)) {
      throw new RangeError(
        `Cannot use provider "${config.name}": auth-url "fake" needs the fake cloud driver, which this program does not register: available drivers are ${this.names()
          .map((n) => `"${n}"`)
          .join(', ')}`,
      );
    }
    return this.get(name);
  }

  /** Builds (does not start) the provider for a compiled config. */
  create(config: CompiledProvider, deps: ProviderDeps): Provider {
    return this.driverFor(config).create(config, deps);
  }
}
