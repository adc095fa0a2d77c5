/** Public surface of the provider area: driver contract, errors, registry, provider set. */
export type * from './driver.js';
export * from './errors.js';
export {
  DriverRegistry,
  BUILTIN_DRIVERS,
  FAKE_CLOUD_DRIVER,
  driverNameOf,
  openstackDriver,
} from './registry.js';
export { ProviderSet } from './provider-set.js';
export type { ReconfigureResult } from './provider-set.js';
export { OpenStackProvider } from './openstack/openstack-provider.js';
export type { OpenStackProviderOptions } from './openstack/openstack-provider.js';
export { connectOverHttp } from './openstack/clients.js';
export type {
  GlanceApi,
  NeutronApi,
  NovaApi,
  OpenStackClients,
  OpenStackConnector,
} from './openstack/clients.js';
export { nodepoolMetadata, parseNodepoolMetadata } from './openstack/config.js';
export type { NodepoolMetadata } from './openstack/config.js';
