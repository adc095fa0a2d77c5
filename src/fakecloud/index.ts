/**
 * Public surface of the fake cloud: an OpenStack look-alike (Keystone v3/v2.0, Nova v2.1,
 * Glance v2, Neutron v2.0) on one loopback port, with knobs for tests and demos.
 */
export { FakeCloud } from './fake-cloud.js';
export type { FakeCloudServiceOptions } from './fake-cloud.js';
export { FakeCloudDriver } from './fake-cloud-driver.js';
export type { FakeCloudDriverOptions, FakeCloudEndpoint } from './fake-cloud-driver.js';
export { DEFAULT_KNOBS } from './options.js';
export type {
  FailureMode,
  FakeCloudKnobs,
  FakeCloudKnobsPatch,
  FakeCloudOptions,
  FakeQuota,
  FakeUser,
} from './options.js';
export type { FakeCloudSnapshot } from './control.js';
export type { NodeSshActivity } from './node-ssh.js';
export type { FakeRequestRecord, FakeServerCall, FaultOp } from './store.js';
export { SEED_FLAVORS, SEED_NETWORKS } from './seed.js';
export type * from './types.js';
