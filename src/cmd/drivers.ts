/**
 * The provider drivers the programs register: the built-in ones plus the fake cloud's, which
 * keeps 0.4.0's `auth-url: fake` working (upstream's tests and quick-start use it). The fake
 * cloud starts only when such a provider does, and stops with its owner.
 */
import type { Logger } from 'pino';
import { FakeCloudDriver } from '../fakecloud/index.js';
import { BUILTIN_DRIVERS, DriverRegistry } from '../provider/index.js';
import type { Service } from '../util/index.js';

/** A program's driver registry and the service that owns what its drivers start. */
export interface ProgramDrivers {
  readonly registry: DriverRegistry;
  /** Start it before the providers and stop it after them. */
  readonly owner: Service;
}

/** Composes the drivers of nodepoold, nodepool-builder and the CLI. */
export function createProgramDrivers(log: Logger): ProgramDrivers {
  const fake = new FakeCloudDriver({ log: log.child({ component: 'fake-cloud' }) });
  return { registry: new DriverRegistry([...BUILTIN_DRIVERS, fake]), owner: fake };
}
