/** Nova `/servers` routes of the fake cloud: create, list, show, delete. */
import { randomUUID } from 'node:crypto';
import { ApiError, asObject, optString, queryInt } from './http.js';
import type { ApiResponse, RequestContext, Router } from './http.js';
import { links, serverView } from './nova-views.js';
import { DEFAULT_NETWORK } from './seed.js';
import { isoNow } from './store.js';
import type { NetworkRecord, ServerRecord } from './types.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const INJECTED_500 =
  "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'nova.exception.InjectedFault'>";

/** The caller's project id (routes behind auth always have a token). */
export function projectOf(ctx: RequestContext): string {
  return ctx.token?.projectId ?? '';
}

/** Finds a server of the caller's project. @throws ApiError 404 like Nova. */
export function findServer(ctx: RequestContext, id: string): ServerRecord {
  const server = ctx.store.servers.get(id);
  if (server === undefined || server.projectId !== projectOf(ctx)) {
    throw new ApiError(404, `Instance ${id} could not be found.`);
  }
  return server;
}

function checkMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const obj = asObject(value, 'metadata');
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || k.length === 0 || k.length > 255 || v.length > 255) {
      throw new ApiError(
        400,
        `Invalid input for field/attribute metadata. Value: ${JSON.stringify(obj)}. Keys and values must be strings of at most 255 characters: bad entry "${k}"`,
      );
    }
  }
  return obj as Record<string, string>;
}

/** Resolves the `networks` field of a create request to networks. */
function requestedNetworks(ctx: RequestContext, value: unknown): NetworkRecord[] {
  if (value === 'none') return [];
  if (value === undefined || value === 'auto') {
    const net = ctx.store.findNetwork(DEFAULT_NETWORK);
    return net === undefined ? [] : [net];
  }
  if (!Array.isArray(value))
    throw new ApiError(400, `Bad networks format: ${JSON.stringify(value)}`);
  return value.map((entry: unknown) => {
    const nic = asObject(entry, 'networks');
    const portId = optString(nic, 'port');
    if (portId !== undefined) throw new ApiError(400, `Port ${portId} not found.`);
    const uuid = optString(nic, 'uuid');
    if (uuid === undefined) throw new ApiError(400, 'Bad networks format: network uuid is missing');
    const net = ctx.store.networks.get(uuid);
    if (net !== undefined) return net;
    if (!UUID_RE.test(uuid))
      throw new ApiError(
        400,
        `Bad networks format: network uuid is not in proper format (${uuid})`,
      );
    throw new ApiError(400, `Network ${uuid} could not be found.`);
  });
}

function checkQuota(ctx: RequestContext, flavor: { vcpus: number; ram: number }): void {
  const q = ctx.store.knobs.quota;
  const used = ctx.store.usage(projectOf(ctx));
  const checks: Array<[string, number, number, number]> = [
    ['instances', 1, used.instances, q.instances],
    ['cores', flavor.vcpus, used.cores, q.cores],
    ['ram', flavor.ram, used.ramMb, q.ramMb],
  ];
  for (const [what, req, inUse, max] of checks) {
    if (inUse + req > max) {
      throw new ApiError(
        403,
        `Quota exceeded for ${what}: Requested ${req}, but already used ${inUse} of ${max} ${what}`,
      );
    }
  }
}

async function createServer(ctx: RequestContext): Promise<ApiResponse> {
  const body = asObject(await ctx.json(), 'body');
  const req = asObject(body.server, 'server');
  const name = optString(req, 'name');
  if (name === undefined || name.length === 0 || name.length > 255)
    throw new ApiError(
      400,
      "Invalid input for field/attribute name. Value: None. 'name' is a required property",
    );
  const imageRef = optString(req, 'imageRef') ?? '';
  const image = ctx.store.images.get(imageRef);
  if (image === undefined || !ctx.store.canSeeImage(image, projectOf(ctx)))
    throw new ApiError(400, `Image ${imageRef} could not be found.`);
  if (image.status !== 'active') throw new ApiError(400, `Image ${imageRef} is not active.`);
  const flavorRef =
    typeof req.flavorRef === 'number' ? String(req.flavorRef) : (optString(req, 'flavorRef') ?? '');
  const flavor = ctx.store.flavors.get(flavorRef);
  if (flavor === undefined) throw new ApiError(400, 'Invalid flavorRef provided.');
  const az = optString(req, 'availability_zone') ?? 'nova';
  if (!ctx.store.availabilityZones.includes(az))
    throw new ApiError(400, 'The requested availability zone is not available');
  const keyName = optString(req, 'key_name') ?? null;
  if (
    keyName !== null &&
    ctx.store.checkKeyNames &&
    !ctx.store.keypairs.has(`${projectOf(ctx)}/${keyName}`)
  )
    throw new ApiError(400, 'Invalid key_name provided.');
  const metadata = checkMetadata(req.metadata);
  const networks = requestedNetworks(ctx, req.networks);
  checkQuota(ctx, flavor);
  const fault = ctx.store.shouldFail('create');
  if (fault === 'http') throw new ApiError(500, INJECTED_500);

  const now = isoNow();
  const server: ServerRecord = {
    id: randomUUID(),
    name,
    projectId: projectOf(ctx),
    userId: ctx.token?.userId ?? '',
    status: 'BUILD',
    taskState: 'scheduling',
    vmState: 'building',
    powerState: 0,
    imageId: image.id,
    flavorId: flavor.id,
    availabilityZone: az,
    keyName,
    hasConfigDrive:
      req.config_drive === true || req.config_drive === 'true' || req.config_drive === 'True',
    metadata,
    portIds: [],
    fault: null,
    created: now,
    updated: now,
    launchedAt: null,
    hostId: '',
  };
  try {
    for (const net of networks)
      server.portIds.push(
        ctx.store.createPort(net.id, server.projectId, server.id, `compute:${az}`).id,
      );
  } catch (err) {
    for (const p of server.portIds) ctx.store.deletePort(p);
    throw new ApiError(
      409,
      `No more IP addresses available on network: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  ctx.store.addServer(server);
  ctx.lifecycle.build(server.id, fault === 'error');
  const self = links(ctx.origin, 'servers', server.id);
  return {
    status: 202,
    headers: { Location: (self[0] as { href: string }).href },
    body: {
      server: {
        id: server.id,
        links: self,
        'OS-DCF:diskConfig': 'MANUAL',
        security_groups: [{ name: 'default' }],
        // From the UUID generator's pooled entropy: a call for 9 bytes each cost more.
        adminPass: randomUUID().replaceAll('-', '').slice(0, 12),
      },
    },
  };
}

/** Servers of the caller's project after Nova's filters, newest first, paginated. */
function listServers(ctx: RequestContext): { servers: ServerRecord[]; next: string | null } {
  const name = ctx.query.get('name');
  const status = ctx.query.get('status');
  let nameRe: RegExp | null = null;
  if (name !== null) {
    try {
      nameRe = new RegExp(name);
    } catch {
      nameRe = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
  }
  let servers = [...ctx.store.servers.values()]
    .filter((s) => s.projectId === projectOf(ctx))
    .filter((s) => nameRe === null || nameRe.test(s.name))
    .filter((s) => status === null || s.status === status.toUpperCase())
    .reverse();
  const marker = ctx.query.get('marker');
  if (marker !== null) {
    const at = servers.findIndex((s) => s.id === marker);
    if (at < 0) throw new ApiError(400, `marker [${marker}] not found`);
    servers = servers.slice(at + 1);
  }
  const limit = queryInt(ctx.query, 'limit');
  if (limit !== undefined && servers.length > limit) {
    servers = servers.slice(0, limit);
    return { servers, next: servers.at(-1)?.id ?? null };
  }
  return { servers, next: null };
}

function listResponse(ctx: RequestContext, detail: boolean): ApiResponse {
  const { servers, next } = listServers(ctx);
  const body: Record<string, unknown> = {
    servers: servers.map((s) =>
      detail
        ? serverView(ctx, s)
        : { id: s.id, name: s.name, links: links(ctx.origin, 'servers', s.id) },
    ),
  };
  if (next !== null) {
    const q = new URLSearchParams(ctx.query);
    q.set('marker', next);
    body.servers_links = [
      {
        rel: 'next',
        href: `${ctx.origin}/compute/v2.1/servers${detail ? '/detail' : ''}?${q.toString()}`,
      },
    ];
  }
  return { status: 200, body };
}

function deleteServer(ctx: RequestContext): ApiResponse {
  const server = findServer(ctx, ctx.params.id ?? '');
  const fault = ctx.store.shouldFail('delete');
  if (fault === 'http') throw new ApiError(500, INJECTED_500);
  server.taskState = 'deleting';
  server.updated = isoNow();
  ctx.lifecycle.delete(server.id, fault === 'error');
  return { status: 204 };
}

/** Adds the `/servers` routes to the compute router. */
export function addServerRoutes(router: Router): void {
  router
    .add('POST', '/v2.1/servers', createServer)
    .add('GET', '/v2.1/servers', (ctx) => listResponse(ctx, false))
    .add('GET', '/v2.1/servers/detail', (ctx) => listResponse(ctx, true))
    .add('GET', '/v2.1/servers/{id}', (ctx) => ({
      status: 200,
      body: { server: serverView(ctx, findServer(ctx, ctx.params.id ?? ''), { isShow: true }) },
    }))
    .add('DELETE', '/v2.1/servers/{id}', deleteServer);
}
