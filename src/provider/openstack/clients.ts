/**
 * The service clients the OpenStack provider talks through, as a port: `connectOverHttp`
 * builds the REST clients on one Keystone session (production); unit tests give stubs of
 * the same interfaces, as cluster-autoscaler tests its providers apart from their clients.
 */
import type { CompiledProvider } from '../../config/index.js';
import { GlanceClient } from './glance.js';
import { KeystoneSession } from './keystone.js';
import type { KeystoneSessionOptions, ServiceRef } from './keystone.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';

/** The public members of a client class. */
type Api<T> = { [K in keyof T]: T[K] };

/** The Nova (compute) calls. */
export type NovaApi = Api<NovaClient>;
/** The Glance (image) calls. */
export type GlanceApi = Api<GlanceClient>;
/** The Neutron (network) calls. */
export type NeutronApi = Api<NeutronClient>;

/** One provider's service clients. */
export interface OpenStackClients {
  readonly nova: NovaApi;
  readonly glance: GlanceApi;
  readonly neutron: NeutronApi;
  /** Whether the service catalog lists a service (the provider asks for `network`). */
  hasService(ref: Pick<ServiceRef, 'type' | 'name'>, signal?: AbortSignal): Promise<boolean>;
  /** The Keystone session behind the clients, when they talk HTTP (tests, diagnostics). */
  readonly session?: KeystoneSession;
}

/** Builds a provider's clients from its session options, when the provider starts. */
export type OpenStackConnector = (
  session: KeystoneSessionOptions,
  config: CompiledProvider,
) => OpenStackClients;

/** The REST clients over HTTP on one Keystone session. */
export function connectOverHttp(
  options: KeystoneSessionOptions,
  config: CompiledProvider,
): OpenStackClients {
  const session = new KeystoneSession(options);
  const timeoutMs = options.timeoutMs;
  const provider = config.name;
  const cloud = config.cloud;
  return {
    session,
    nova: new NovaClient(session, {
      provider,
      timeoutMs,
      ...(cloud.computeServiceType ? { type: cloud.computeServiceType } : {}),
      ...(cloud.computeServiceName ? { name: cloud.computeServiceName } : {}),
    }),
    glance: new GlanceClient(session, { provider, timeoutMs }),
    neutron: new NeutronClient(session, { provider, timeoutMs }),
    hasService: (ref, signal) => session.hasService(ref, signal),
  };
}
