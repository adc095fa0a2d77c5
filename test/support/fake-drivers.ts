/**
 * The driver registry a test gives the launcher, builder or a provider set so that providers
 * with `auth-url: fake` talk to the test's own fake cloud (which the test starts and stops).
 */
import { FakeCloudDriver } from '../../src/fakecloud/index.js';
import type { FakeCloudEndpoint } from '../../src/fakecloud/index.js';
import { BUILTIN_DRIVERS, DriverRegistry } from '../../src/provider/index.js';

/** The built-in drivers plus a `fake` driver bound to `cloud`. */
export function fakeCloudDrivers(cloud: FakeCloudEndpoint): DriverRegistry {
  return new DriverRegistry([...BUILTIN_DRIVERS, new FakeCloudDriver({ cloud })]);
}
