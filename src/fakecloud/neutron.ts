/**
 * Neutron v2.0 of the fake cloud, served under `/network`: networks, subnets and ports
 * (read-only; ports are made by server creation) and floating IPs (full life cycle).
 */
import { ApiError, asObject, optString, Router } from './http.js';
import type { ApiResponse, RequestContext } from './http.js';
import type { FakeService } from './service.js';
import { hexId } from './store.js';
import type { FloatingIpRecord, NetworkRecord, PortRecord, SubnetRecord } from './types.js';

const ROUTER_ID = hexId('router:router1');

function common(
  r: { id: string; projectId: string; createdAt: string },
  updatedAt = r.createdAt,
  revision = 0,
): Record<string, unknown> {
  return {
    tags: [],
    created_at: r.createdAt,
    updated_at: updatedAt,
    revision_number: revision,
    project_id: r.projectId,
  };
}

function networkView(n: NetworkRecord): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.projectId,
    admin_state_up: true,
    mtu: n.mtu,
    status: 'ACTIVE',
    subnets: [...n.subnetIds],
    shared: n.isShared,
    availability_zone_hints: [],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': n.isExternal,
    description: '',
    port_security_enabled: true,
    ...(n.isExternal ? { is_default: false } : {}),
    ...common(n, n.createdAt, 2),
  };
}

function subnetView(s: SubnetRecord): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.projectId,
    network_id: s.networkId,
    ip_version: s.ipVersion,
    subnetpool_id: null,
    enable_dhcp: false,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    gateway_ip: s.gatewayIp,
    cidr: s.cidr,
    allocation_pools: [{ start: s.poolStart, end: s.poolEnd }],
    host_routes: [],
    dns_nameservers: [],
    description: '',
    service_types: [],
    ...common(s),
  };
}

function portView(p: PortRecord): Record<string, unknown> {
  return {
    id: p.id,
    name: '',
    network_id: p.networkId,
    tenant_id: p.projectId,
    mac_address: p.macAddress,
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: [hexId(`secgroup:default:${p.projectId}`)],
    description: '',
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
    ...common(p, p.updatedAt, 3),
  };
}

function floatingIpView(ctx: RequestContext, f: FloatingIpRecord): Record<string, unknown> {
  const port = f.portId === null ? undefined : ctx.store.ports.get(f.portId);
  return {
    id: f.id,
    tenant_id: f.projectId,
    floating_ip_address: f.address,
    floating_network_id: f.networkId,
    router_id: port === undefined ? null : ROUTER_ID,
    port_id: f.portId,
    fixed_ip_address: f.fixedIp,
    status: port === undefined ? 'DOWN' : 'ACTIVE',
    description: f.description,
    port_details:
      port === undefined
        ? null
        : {
            name: '',
            network_id: port.networkId,
            mac_address: port.macAddress,
            admin_state_up: true,
            status: 'ACTIVE',
            device_id: port.deviceId,
            device_owner: port.deviceOwner,
          },
    ...common(f, f.updatedAt, f.revision),
  };
}

/** Neutron's filtering: every query key (except paging/fields) must match; repeats are ORed. */
function filtered<T>(
  ctx: RequestContext,
  items: T[],
  view: (item: T) => Record<string, unknown>,
): Array<Record<string, unknown>> {
  const keys = [...new Set(ctx.query.keys())].filter(
    (k) => !['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse'].includes(k),
  );
  return items.map(view).filter((v) =>
    keys.every((k) => {
      const wanted = ctx.query.getAll(k).map((s) => s.toLowerCase());
      return wanted.includes(String(v[k]).toLowerCase());
    }),
  );
}

function visible<T extends { projectId: string }>(
  ctx: RequestContext,
  items: Iterable<T>,
  isShared: (item: T) => boolean = () => false,
): T[] {
  return [...items].filter((i) => i.projectId === ctx.token?.projectId || isShared(i));
}

function notFound(kind: string, id: string): ApiError {
  const label = kind === 'FloatingIP' ? 'Floating IP' : kind;
  return new ApiError(404, `${label} ${id} could not be found`, { type: `${kind}NotFound` });
}

function findFloatingIp(ctx: RequestContext): FloatingIpRecord {
  const id = ctx.params.id ?? '';
  const f = ctx.store.floatingIps.get(id);
  if (f === undefined || f.projectId !== ctx.token?.projectId) throw notFound('FloatingIP', id);
  return f;
}

function portFor(
  ctx: RequestContext,
  f: FloatingIpRecord | null,
  portId: string | undefined,
): PortRecord | null {
  if (portId === undefined) return null;
  const port = ctx.store.ports.get(portId);
  if (port === undefined || port.projectId !== ctx.token?.projectId) throw notFound('Port', portId);
  const other = [...ctx.store.floatingIps.values()].find((x) => x.portId === portId && x !== f);
  if (other !== undefined) {
    throw new ApiError(
      409,
      `Cannot associate floating IP ${f?.address ?? ''} with port ${portId} using fixed IP ${other.fixedIp ?? ''}, as that fixed IP already has a floating IP on external network ${other.networkId}.`,
      { type: 'FloatingIPPortAlreadyAssociated' },
    );
  }
  return port;
}

async function createFloatingIp(ctx: RequestContext): Promise<ApiResponse> {
  const req = asObject(asObject(await ctx.json(), 'body').floatingip, 'floatingip');
  const netId = optString(req, 'floating_network_id');
  if (netId === undefined)
    throw new ApiError(
      400,
      "Failed to parse request. Required attribute 'floating_network_id' not specified",
      { type: 'HTTPBadRequest' },
    );
  const net = ctx.store.networks.get(netId);
  if (net === undefined) throw notFound('Network', netId);
  if (!net.isExternal)
    throw new ApiError(
      400,
      `Bad floatingip request: Network ${netId} is not a valid external network.`,
      { type: 'BadRequest' },
    );
  const port = portFor(ctx, null, optString(req, 'port_id'));
  let fip: FloatingIpRecord;
  try {
    fip = ctx.store.createFloatingIp(
      netId,
      ctx.token?.projectId ?? '',
      optString(req, 'description') ?? '',
    );
  } catch {
    throw new ApiError(409, `No more IP addresses available on network ${netId}.`, {
      type: 'IpAddressGenerationFailure',
    });
  }
  if (port !== null) ctx.store.setFloatingIpPort(fip, port);
  return { status: 201, body: { floatingip: floatingIpView(ctx, fip) } };
}

async function updateFloatingIp(ctx: RequestContext): Promise<ApiResponse> {
  const fip = findFloatingIp(ctx);
  const req = asObject(asObject(await ctx.json(), 'body').floatingip, 'floatingip');
  if ('port_id' in req)
    ctx.store.setFloatingIpPort(fip, portFor(ctx, fip, optString(req, 'port_id')));
  const description = optString(req, 'description');
  if (description !== undefined) fip.description = description;
  return { status: 200, body: { floatingip: floatingIpView(ctx, fip) } };
}

function getOne<T>(
  kind: string,
  plural: string,
  find: (ctx: RequestContext, id: string) => T | undefined,
  view: (item: T) => unknown,
) {
  return (ctx: RequestContext): ApiResponse => {
    const id = ctx.params.id ?? '';
    const item = find(ctx, id);
    if (item === undefined) throw notFound(kind, id);
    return { status: 200, body: { [plural]: view(item) } };
  };
}

/** Builds the network API. */
export function createNeutronService(): FakeService {
  const isShared = (n: NetworkRecord): boolean => n.isShared || n.isExternal;
  const netOf = (ctx: RequestContext, s: SubnetRecord): NetworkRecord | undefined =>
    ctx.store.networks.get(s.networkId);
  const router = new Router()
    .add('GET', '/', (ctx) => ({
      status: 200,
      body: {
        versions: [
          {
            id: 'v2.0',
            status: 'CURRENT',
            links: [{ href: `${ctx.origin}/network/v2.0/`, rel: 'self' }],
          },
        ],
      },
    }))
    .add('GET', '/v2.0', () => ({
      status: 200,
      body: {
        resources: ['networks', 'subnets', 'ports', 'floatingips'].map((n) => ({
          name: n.replace(/s$/, ''),
          collection: n,
          links: [],
        })),
      },
    }))
    .add('GET', '/v2.0/extensions', () => ({
      status: 200,
      body: {
        extensions: [
          'external-net',
          'router',
          'port-security',
          'standard-attr-tag',
          'fip-port-details',
        ].map((alias) => ({
          name: alias,
          alias,
          description: alias,
          updated: '2013-01-01T10:00:00-00:00',
          links: [],
        })),
      },
    }))
    .add('GET', '/v2.0/networks', (ctx) => ({
      status: 200,
      body: {
        networks: filtered(ctx, visible(ctx, ctx.store.networks.values(), isShared), networkView),
      },
    }))
    .add(
      'GET',
      '/v2.0/networks/{id}',
      getOne(
        'Network',
        'network',
        (ctx, id) => visible(ctx, ctx.store.networks.values(), isShared).find((n) => n.id === id),
        networkView,
      ),
    )
    .add('GET', '/v2.0/subnets', (ctx) => ({
      status: 200,
      body: {
        subnets: filtered(
          ctx,
          visible(ctx, ctx.store.subnets.values(), (s) => isShared(netOf(ctx, s)!)),
          subnetView,
        ),
      },
    }))
    .add(
      'GET',
      '/v2.0/subnets/{id}',
      getOne('Subnet', 'subnet', (ctx, id) => ctx.store.subnets.get(id), subnetView),
    )
    .add('GET', '/v2.0/ports', (ctx) => ({
      status: 200,
      body: { ports: filtered(ctx, visible(ctx, ctx.store.ports.values()), portView) },
    }))
    .add(
      'GET',
      '/v2.0/ports/{id}',
      getOne(
        'Port',
        'port',
        (ctx, id) => visible(ctx, ctx.store.ports.values()).find((p) => p.id === id),
        portView,
      ),
    )
    .add('GET', '/v2.0/floatingips', (ctx) => ({
      status: 200,
      body: {
        floatingips: filtered(ctx, visible(ctx, ctx.store.floatingIps.values()), (f) =>
          floatingIpView(ctx, f),
        ),
      },
    }))
    .add('POST', '/v2.0/floatingips', createFloatingIp)
    .add('GET', '/v2.0/floatingips/{id}', (ctx) => ({
      status: 200,
      body: { floatingip: floatingIpView(ctx, findFloatingIp(ctx)) },
    }))
    .add('PUT', '/v2.0/floatingips/{id}', updateFloatingIp)
    .add('DELETE', '/v2.0/floatingips/{id}', (ctx) => {
      ctx.store.deleteFloatingIp(findFloatingIp(ctx).id);
      return { status: 204 };
    });
  return {
    name: 'network',
    prefix: '/network',
    router,
    isPublic: (method, path) => method === 'GET' && (path === '/' || path === ''),
    errorBody: (err) => ({
      NeutronError: {
        type:
          err.extra.type ??
          (err.status === 400
            ? 'HTTPBadRequest'
            : err.status === 404
              ? 'HTTPNotFound'
              : 'HTTPError'),
        message: err.message,
        detail: '',
      },
    }),
  };
}
