/**
 * The fake cloud's in-memory state: every record, the address pools, the knobs, pending
 * injected failures and the per-endpoint call counts. Routers read and change it; only
 * `lifecycle.ts` changes it on a timer.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AddressPool, ipv4Pool } from './addresses.js';
import { applyKnobs, DEFAULT_KNOBS } from './options.js';
import type { FailureMode, FakeCloudKnobs, FakeCloudOptions, FakeUser } from './options.js';
import { SEED_FLAVORS, SEED_IMAGE_NAME, SEED_NETWORKS } from './seed.js';
import type {
  FlavorRecord,
  FloatingIpRecord,
  ImageRecord,
  KeypairRecord,
  NetworkRecord,
  PortRecord,
  ServerRecord,
  SubnetRecord,
  TokenRecord,
} from './types.js';

/** Operations whose failure can be injected. */
/** Description of the floating IPs the fake cloud assigns by itself (`autoFloatingIp`). */
export const AUTO_FLOATING_IP = 'auto-assigned by the fake cloud';

export type FaultOp = 'create' | 'delete' | 'upload';

/** Id of the project that owns the seeded networks and image. */
export const ADMIN_PROJECT_ID = hexId('project:admin');

/** A stable 32-hex-digit id derived from a name, like Keystone's ids look. */
export function hexId(seed: string): string {
  return createHash('md5').update(seed).digest('hex');
}

/** Current time as Nova/Neutron/Glance print it (seconds, `Z`). */
export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** One request as the fake cloud received it (`recordRequests` option). */
export interface FakeRequestRecord {
  method: string;
  /** Path below the origin, without the catalog tag. */
  path: string;
  /** Region and interface of the catalog endpoint used (`catalogTags` option). */
  region?: string;
  interface?: string;
  /** The JSON body, when the handler read one. */
  body?: unknown;
}

/** A server create or delete request as the fake cloud received it, timed (benchmarks). */
export interface FakeServerCall {
  readonly method: 'POST' | 'DELETE';
  /** Path below the origin, e.g. `/compute/v2.1/servers` or `.../servers/<id>`. */
  readonly path: string;
  /** `Date.now()` when the request arrived. */
  readonly atMs: number;
}

/** How many {@link FakeServerCall}s are kept (the oldest go first). */
const SERVER_CALLS_KEPT = 10_000;

/** State of one fake cloud. */
export class FakeCloudStore {
  knobs: FakeCloudKnobs;
  readonly regions: string[];
  readonly availabilityZones: string[];
  readonly users: FakeUser[];
  readonly random: () => number;
  readonly checkKeyNames: boolean;
  /** Each region and interface has its own catalog URL prefix (`catalogTags` option). */
  readonly catalogTags: boolean;
  /** Every request, when the `recordRequests` option is set; null otherwise. */
  readonly requestLog: FakeRequestRecord[] | null;

  readonly flavors = new Map<string, FlavorRecord>();
  readonly images = new Map<string, ImageRecord>();
  readonly networks = new Map<string, NetworkRecord>();
  readonly subnets = new Map<string, SubnetRecord>();
  readonly ports = new Map<string, PortRecord>();
  readonly floatingIps = new Map<string, FloatingIpRecord>();
  private readonly serverMap = new Map<string, ServerRecord>();
  /** Every server, by id; added by {@link addServer}, removed by `deleteServer`. */
  readonly servers: ReadonlyMap<string, ServerRecord> = this.serverMap;
  /** What each project's servers take, kept as servers come and go (a create checks it). */
  private readonly used = new Map<string, { instances: number; cores: number; ramMb: number }>();
  readonly keypairs = new Map<string, KeypairRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly calls = new Map<string, number>();
  /** The latest server creates and deletes, oldest first (`GET /_fake/server-calls`). */
  readonly serverCalls: FakeServerCall[] = [];
  /** Failures forced on the next N operations, before `*FailureRate` is consulted. */
  readonly failNext: Record<FaultOp, { count: number; mode: FailureMode }> = {
    create: { count: 0, mode: 'error' },
    delete: { count: 0, mode: 'error' },
    upload: { count: 0, mode: 'http' },
  };
  private readonly pools = new Map<string, AddressPool>();
  private macCounter = 0;
  /** Called when a server turns ACTIVE, goes, or gains or loses an address. */
  onServersChanged: (() => void) | null = null;

  constructor(options: FakeCloudOptions = {}) {
    const {
      quota,
      host: _h,
      port: _p,
      regions,
      availabilityZones,
      users,
      random,
      checkKeyNames,
      catalogTags,
      recordRequests,
      ...knobs
    } = options;
    this.checkKeyNames = checkKeyNames ?? true;
    this.catalogTags = catalogTags ?? false;
    this.requestLog = recordRequests === true ? [] : null;
    this.knobs = applyKnobs(
      { ...DEFAULT_KNOBS, quota: { ...DEFAULT_KNOBS.quota } },
      { ...knobs, quota },
    );
    this.regions = regions !== undefined && regions.length > 0 ? [...regions] : ['RegionOne'];
    this.availabilityZones = availabilityZones ?? ['nova', 'az1', 'az2'];
    this.users = users ?? [];
    this.random = random ?? Math.random;
    this.seed();
  }

  /** Forgets everything (servers, images, tokens, calls...) and seeds a fresh cloud. */
  reset(): void {
    for (const map of [
      this.flavors,
      this.images,
      this.networks,
      this.subnets,
      this.ports,
      this.floatingIps,
      this.serverMap,
      this.used,
      this.keypairs,
      this.tokens,
      this.calls,
    ]) {
      map.clear();
    }
    this.pools.clear();
    this.serverCalls.splice(0);
    for (const f of Object.values(this.failNext)) f.count = 0;
    this.seed();
    this.onServersChanged?.();
  }

  private seed(): void {
    const now = isoNow();
    for (const f of SEED_FLAVORS) this.flavors.set(f.id, { ...f });
    for (const n of SEED_NETWORKS) {
      const net: NetworkRecord = {
        id: n.id ?? randomUUID(),
        name: n.name,
        projectId: ADMIN_PROJECT_ID,
        isExternal: n.isExternal,
        isShared: n.isShared,
        mtu: 1450,
        subnetIds: [],
        createdAt: now,
      };
      for (const s of n.subnets) {
        const pool =
          s.ipVersion === 4 ? ipv4Pool(s.cidr) : { gateway: null, start: '::1', end: '::1' };
        const sub: SubnetRecord = {
          id: randomUUID(),
          name: s.name,
          networkId: net.id,
          projectId: ADMIN_PROJECT_ID,
          ipVersion: s.ipVersion,
          cidr: s.cidr,
          gatewayIp: pool.gateway,
          poolStart: pool.start,
          poolEnd: pool.end,
          createdAt: now,
        };
        this.subnets.set(sub.id, sub);
        this.pools.set(sub.id, new AddressPool(s.ipVersion, pool.start, pool.end));
        net.subnetIds.push(sub.id);
      }
      this.networks.set(net.id, net);
    }
    const image = this.newImage(ADMIN_PROJECT_ID, {
      name: SEED_IMAGE_NAME,
      visibility: 'public',
      diskFormat: 'qcow2',
      containerFormat: 'bare',
    });
    Object.assign(image, {
      status: 'active',
      size: 0,
      checksum: hexId(''),
      hashValue: createHash('sha512').digest('hex'),
    });
  }

  /** Adds a region to the service catalog (endpoints are the same in every region). */
  addRegion(name: string): void {
    if (!this.regions.includes(name)) this.regions.push(name);
  }

  /** Records a server create (`POST .../servers`) or delete (`DELETE .../servers/<id>`). */
  noteServerCall(method: string, path: string): void {
    const isCreate = method === 'POST' && /\/servers$/.test(path);
    const isDelete = method === 'DELETE' && /\/servers\/[^/]+$/.test(path);
    if (!isCreate && !isDelete) return;
    this.serverCalls.push({ method: isCreate ? 'POST' : 'DELETE', path, atMs: Date.now() });
    if (this.serverCalls.length > SERVER_CALLS_KEPT) this.serverCalls.shift();
  }

  /** Counts one API call under `key` (e.g. `compute GET /servers/{id}`). */
  countCall(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  /** Decides whether this create/delete/upload fails, and how. */
  shouldFail(op: FaultOp): FailureMode | null {
    const forced = this.failNext[op];
    if (forced.count > 0) {
      forced.count--;
      return forced.mode;
    }
    const rate =
      op === 'create'
        ? this.knobs.createFailureRate
        : op === 'delete'
          ? this.knobs.deleteFailureRate
          : 0;
    return rate > 0 && this.random() < rate ? this.knobs.failureMode : null;
  }

  /** Creates a queued image record owned by `projectId`. */
  newImage(projectId: string, init: Partial<ImageRecord>): ImageRecord {
    const now = isoNow();
    const image: ImageRecord = {
      id: randomUUID(),
      name: null,
      status: 'queued',
      visibility: 'shared',
      owner: projectId,
      diskFormat: null,
      containerFormat: null,
      size: null,
      checksum: null,
      hashValue: null,
      minRam: 0,
      minDisk: 0,
      isProtected: false,
      tags: [],
      properties: {},
      createdAt: now,
      updatedAt: now,
      ...init,
    };
    this.images.set(image.id, image);
    return image;
  }

  /** Whether `projectId` may see `image`. */
  canSeeImage(image: ImageRecord, projectId: string): boolean {
    return (
      image.owner === projectId || image.visibility === 'public' || image.visibility === 'community'
    );
  }

  /** Finds a network by id or, failing that, by unique name. */
  findNetwork(idOrName: string): NetworkRecord | undefined {
    return (
      this.networks.get(idOrName) ?? [...this.networks.values()].find((n) => n.name === idOrName)
    );
  }

  /**
   * Creates a port on `networkId` with one address from each of its subnets.
   * @throws RangeError when a subnet has no free address.
   */
  createPort(
    networkId: string,
    projectId: string,
    deviceId: string,
    deviceOwner: string,
  ): PortRecord {
    const net = this.networks.get(networkId);
    if (net === undefined)
      throw new RangeError(`Cannot create a port: network "${networkId}" does not exist`);
    const fixedIps: PortRecord['fixedIps'] = [];
    for (const subnetId of net.subnetIds) {
      const ip = this.pools.get(subnetId)?.take() ?? null;
      if (ip === null) {
        for (const f of fixedIps) this.pools.get(f.subnetId)?.release(f.ipAddress);
        throw new RangeError(
          `Cannot create a port: no free address in subnet "${subnetId}" of network "${net.name}"`,
        );
      }
      fixedIps.push({ subnetId, ipAddress: ip });
    }
    const n = ++this.macCounter;
    const now = isoNow();
    const port: PortRecord = {
      id: randomUUID(),
      networkId,
      projectId,
      macAddress: `fa:16:3e:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
      deviceId,
      deviceOwner,
      fixedIps,
      createdAt: now,
      updatedAt: now,
    };
    this.ports.set(port.id, port);
    return port;
  }

  /** Deletes a port, frees its addresses and detaches floating IPs from it. */
  deletePort(portId: string): void {
    const port = this.ports.get(portId);
    if (port === undefined) return;
    for (const f of port.fixedIps) this.pools.get(f.subnetId)?.release(f.ipAddress);
    for (const fip of this.floatingIps.values()) {
      if (fip.portId === portId) this.setFloatingIpPort(fip, null);
    }
    this.ports.delete(portId);
  }

  /**
   * Allocates a floating IP on `networkId` (an external network).
   * @throws RangeError when its pool is exhausted.
   */
  createFloatingIp(networkId: string, projectId: string, description = ''): FloatingIpRecord {
    const net = this.networks.get(networkId);
    const subnetId = net?.subnetIds.find((s) => this.subnets.get(s)?.ipVersion === 4);
    const address = subnetId === undefined ? null : (this.pools.get(subnetId)?.take() ?? null);
    if (address === null || subnetId === undefined) {
      throw new RangeError(
        `Cannot allocate a floating IP: no free address on network "${networkId}"`,
      );
    }
    const now = isoNow();
    const fip: FloatingIpRecord = {
      id: randomUUID(),
      projectId,
      address,
      networkId,
      portId: null,
      fixedIp: null,
      description,
      revision: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.floatingIps.set(fip.id, fip);
    return fip;
  }

  /** Associates a floating IP with a port (its first IPv4 address), or detaches it. */
  setFloatingIpPort(fip: FloatingIpRecord, port: PortRecord | null): void {
    fip.portId = port?.id ?? null;
    fip.fixedIp = port?.fixedIps.find((f) => !f.ipAddress.includes(':'))?.ipAddress ?? null;
    fip.revision++;
    fip.updatedAt = isoNow();
    this.onServersChanged?.();
  }

  /** Deletes a floating IP and frees its address. */
  deleteFloatingIp(id: string): void {
    const fip = this.floatingIps.get(id);
    if (fip === undefined) return;
    const net = this.networks.get(fip.networkId);
    for (const s of net?.subnetIds ?? []) this.pools.get(s)?.release(fip.address);
    this.floatingIps.delete(id);
  }

  /** Removes a server and its ports. */
  removeServer(id: string): void {
    const server = this.servers.get(id);
    if (server === undefined) return;
    // The fake's own public addresses (auto-assigned floating IPs) go with their server, as
    // a provider-network public address would; floating IPs a client created stay, detached,
    // as on Neutron.
    for (const fip of [...this.floatingIps.values()]) {
      if (
        fip.description === AUTO_FLOATING_IP &&
        fip.portId !== null &&
        server.portIds.includes(fip.portId)
      ) {
        this.deleteFloatingIp(fip.id);
      }
    }
    for (const p of server.portIds) this.deletePort(p);
    this.serverMap.delete(id);
    this.countUsage(server, -1);
    this.onServersChanged?.();
  }

  /** Every IPv4 address of every ACTIVE server (fixed and floating) → the server's id. */
  activeAddresses(): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of this.servers.values()) {
      if (s.status !== 'ACTIVE') continue;
      for (const portId of s.portIds) {
        for (const f of this.ports.get(portId)?.fixedIps ?? [])
          if (!f.ipAddress.includes(':')) out.set(f.ipAddress, s.id);
      }
    }
    for (const fip of this.floatingIps.values()) {
      const owner = fip.portId === null ? undefined : this.ports.get(fip.portId)?.deviceId;
      if (owner !== undefined && this.servers.get(owner)?.status === 'ACTIVE')
        out.set(fip.address, owner);
    }
    return out;
  }

  /** Records a new server. */
  addServer(server: ServerRecord): void {
    this.serverMap.set(server.id, server);
    this.countUsage(server, 1);
  }

  /** Instances, cores and RAM a project uses (each server priced by its flavor at boot). */
  usage(projectId: string): { instances: number; cores: number; ramMb: number } {
    return { ...(this.used.get(projectId) ?? { instances: 0, cores: 0, ramMb: 0 }) };
  }

  private countUsage(server: ServerRecord, sign: 1 | -1): void {
    const f = this.flavors.get(server.flavorId);
    const u = this.used.get(server.projectId) ?? { instances: 0, cores: 0, ramMb: 0 };
    u.instances += sign;
    u.cores += sign * (f?.vcpus ?? 0);
    u.ramMb += sign * (f?.ram ?? 0);
    this.used.set(server.projectId, u);
  }
}
