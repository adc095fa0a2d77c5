/** JSON views of Nova records, shaped like Nova 26 (Zed) answers for each microversion. */
import { createHash } from 'node:crypto';
import type { FakeCloudStore } from './store.js';
import type { FlavorRecord, ServerRecord } from './types.js';

/**
 * What a view reads of a request. `http.ts`'s request context has these fields; it is not
 * imported so that this module (which `lifecycle.ts` uses) does not depend on `http.ts`.
 */
interface ViewContext {
  readonly store: FakeCloudStore;
  /** `http://host:port` of the fake, for links. */
  readonly origin: string;
  /** Requested compute microversion as [major, minor]. */
  readonly microversion: readonly [number, number];
}

/** Highest compute microversion the fake (like Zed) supports. */
export const MAX_MICROVERSION: [number, number] = [2, 93];

/** True when the request's microversion is at least 2.`minor`. */
export function atLeast(ctx: Pick<ViewContext, 'microversion'>, minor: number): boolean {
  return ctx.microversion[0] > 2 || (ctx.microversion[0] === 2 && ctx.microversion[1] >= minor);
}

/** Base URL of the compute API. */
export function computeUrl(origin: string): string {
  return `${origin}/compute`;
}

/** `links` of a compute resource (`servers`, `flavors`, `images`). */
export function links(origin: string, kind: string, id: string): unknown[] {
  return [
    { rel: 'self', href: `${computeUrl(origin)}/v2.1/${kind}/${id}` },
    { rel: 'bookmark', href: `${computeUrl(origin)}/${kind}/${id}` },
  ];
}

/** Nova's `created_at`-style timestamp with microseconds, for `launched_at`. */
export function novaMicroTime(iso: string): string {
  return iso.replace(/Z$/, '.000000');
}

/** Host id: a per-project hash of the (single) fake host, as Nova computes it. */
export function hostIdFor(projectId: string): string {
  return createHash('sha224')
    .update(projectId + 'fake-compute')
    .digest('hex');
}

/** The `addresses` map: fixed then floating addresses, grouped by network name. */
export function serverAddresses(
  store: FakeCloudStore,
  server: ServerRecord,
): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  if (server.status === 'BUILD' || server.fault !== null) return out;
  for (const portId of server.portIds) {
    const port = store.ports.get(portId);
    if (port === undefined) continue;
    const label = store.networks.get(port.networkId)?.name ?? port.networkId;
    const list = (out[label] ??= []);
    for (const f of port.fixedIps) {
      list.push({
        version: f.ipAddress.includes(':') ? 6 : 4,
        addr: f.ipAddress,
        'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port.macAddress,
      });
    }
    for (const fip of store.floatingIps.values()) {
      if (fip.portId === port.id) {
        list.push({
          version: 4,
          addr: fip.address,
          'OS-EXT-IPS:type': 'floating',
          'OS-EXT-IPS-MAC:mac_addr': port.macAddress,
        });
      }
    }
  }
  return out;
}

function flavorView(ctx: ViewContext, server: ServerRecord): unknown {
  const flavor = ctx.store.flavors.get(server.flavorId);
  if (atLeast(ctx, 47)) {
    return {
      vcpus: flavor?.vcpus ?? 0,
      ram: flavor?.ram ?? 0,
      disk: flavor?.disk ?? 0,
      ephemeral: 0,
      swap: 0,
      original_name: flavor?.name ?? server.flavorId,
      extra_specs: {},
    };
  }
  return { id: server.flavorId, links: links(ctx.origin, 'flavors', server.flavorId).slice(1) };
}

/** One server as `GET /servers/{id}` and `GET /servers/detail` show it. */
export function serverView(
  ctx: ViewContext,
  server: ServerRecord,
  opts: { isShow?: boolean } = {},
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status: server.status,
    tenant_id: server.projectId,
    user_id: server.userId,
    metadata: { ...server.metadata },
    hostId: server.hostId,
    image: { id: server.imageId, links: links(ctx.origin, 'images', server.imageId).slice(1) },
    flavor: flavorView(ctx, server),
    created: server.created,
    updated: server.updated,
    addresses: serverAddresses(ctx.store, server),
    accessIPv4: '',
    accessIPv6: '',
    links: links(ctx.origin, 'servers', server.id),
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': server.availabilityZone,
    config_drive: server.hasConfigDrive ? 'True' : '',
    key_name: server.keyName,
    'OS-SRV-USG:launched_at': server.launchedAt === null ? null : novaMicroTime(server.launchedAt),
    'OS-SRV-USG:terminated_at': null,
  };
  if (server.status !== 'BUILD') view.security_groups = [{ name: 'default' }];
  if (server.fault !== null) view.fault = { ...server.fault };
  Object.assign(view, {
    'OS-EXT-STS:task_state': server.taskState,
    'OS-EXT-STS:vm_state': server.vmState,
    'OS-EXT-STS:power_state': server.powerState,
    'os-extended-volumes:volumes_attached': [],
  });
  if (atLeast(ctx, 9)) view.locked = false;
  if (atLeast(ctx, 73)) view.locked_reason = null;
  if (atLeast(ctx, 19)) view.description = server.name;
  if (atLeast(ctx, 26)) view.tags = [];
  if (atLeast(ctx, 63)) view.trusted_image_certificates = null;
  if (atLeast(ctx, 90)) view['OS-EXT-SRV-ATTR:hostname'] = server.name;
  if (opts.isShow === true && atLeast(ctx, 71)) view.server_groups = [];
  return view;
}

/** One flavor as `GET /flavors/detail` shows it. */
export function flavorDetailView(ctx: ViewContext, f: FlavorRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    swap: atLeast(ctx, 75) ? 0 : '',
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': true,
    rxtx_factor: 1,
    links: links(ctx.origin, 'flavors', f.id),
  };
  if (atLeast(ctx, 55)) view.description = null;
  if (atLeast(ctx, 61)) view.extra_specs = {};
  return view;
}
