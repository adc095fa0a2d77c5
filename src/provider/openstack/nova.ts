/**
 * Nova (compute v2.1) REST client: servers, server metadata, flavors, availability zones,
 * absolute limits, key pairs and the createImage (snapshot) action. No microversion header is
 * sent, so every answer has the v2.1 shape.
 */
import { ProviderError } from '../errors.js';
import type { KeystoneSession } from './keystone.js';
import { ServiceClient, asArray, asObject, asString } from './service-client.js';
import type { RestCallOptions } from './service-client.js';

/** A server as Nova returns it (the fields nodepool reads). */
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  addresses?: Record<string, Array<{ addr: string; version: number; 'OS-EXT-IPS:type'?: string }>>;
  accessIPv4?: string;
  accessIPv6?: string;
  metadata?: Record<string, string>;
  key_name?: string | null;
  flavor?: { id?: string };
  image?: { id?: string } | string;
  fault?: { code?: number; message?: string; details?: string };
  created?: string;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:task_state'?: string | null;
}

/** A flavor as Nova returns it. */
export interface NovaFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

/** Body of a server create. */
export interface NovaCreateServer {
  name: string;
  imageRef: string;
  flavorRef: string;
  availability_zone?: string;
  networks?: Array<{ uuid: string }>;
  key_name?: string;
  config_drive?: boolean;
  metadata?: Record<string, string>;
}

/** `limits.absolute` as Nova returns it (-1 = unlimited). */
export type NovaAbsoluteLimits = Record<string, number>;

/** A key pair. */
export interface NovaKeypair {
  name: string;
  public_key: string;
  fingerprint?: string;
}

/** Nova client of one provider. */
export class NovaClient extends ServiceClient {
  constructor(
    session: KeystoneSession,
    options: { provider: string; timeoutMs: number; type?: string; name?: string },
  ) {
    super(
      session,
      { type: options.type ?? 'compute', ...(options.name ? { name: options.name } : {}) },
      { provider: options.provider, service: 'compute', timeoutMs: options.timeoutMs },
    );
  }

  /** Boots a server; Nova answers at once with its id (status BUILD). */
  async createServer(body: NovaCreateServer, o: RestCallOptions = {}): Promise<{ id: string }> {
    const res = await this.call('POST', '/servers', `create server "${body.name}"`, {
      ...o,
      json: { server: body },
    });
    const id = asString(asObject(asObject(res.body)['server'])['id']);
    if (!id) {
      throw new ProviderError(
        `Cannot create server "${body.name}" in provider "${this.ctx.provider}": compute sent no server id`,
        {
          provider: this.ctx.provider,
          service: 'compute',
          status: res.status,
          ...(res.requestId ? { requestId: res.requestId } : {}),
        },
      );
    }
    return { id };
  }

  /** One server. @throws ResourceNotFoundError */
  async getServer(id: string, o: RestCallOptions = {}): Promise<NovaServer> {
    const res = await this.call(
      'GET',
      `/servers/${encodeURIComponent(id)}`,
      `get server "${id}"`,
      o,
    );
    return asObject(res.body)['server'] as NovaServer;
  }

  /** Every server of the project (`/servers/detail`, all pages). */
  listServers(o: RestCallOptions = {}): Promise<NovaServer[]> {
    return this.paged('/servers/detail', 'servers', 'list servers', o) as Promise<NovaServer[]>;
  }

  /** Deletes a server (Nova deletes asynchronously). @throws ResourceNotFoundError */
  async deleteServer(id: string, o: RestCallOptions = {}): Promise<void> {
    await this.call('DELETE', `/servers/${encodeURIComponent(id)}`, `delete server "${id}"`, o);
  }

  /** Adds or replaces metadata items of a server; returns the server's whole metadata. */
  async setServerMetadata(
    id: string,
    metadata: Record<string, string>,
    o: RestCallOptions = {},
  ): Promise<Record<string, string>> {
    const res = await this.call(
      'POST',
      `/servers/${encodeURIComponent(id)}/metadata`,
      `set metadata of server "${id}"`,
      {
        ...o,
        json: { metadata },
      },
    );
    return asObject(asObject(res.body)['metadata']) as Record<string, string>;
  }

  /** A server's metadata. */
  async getServerMetadata(id: string, o: RestCallOptions = {}): Promise<Record<string, string>> {
    const res = await this.call(
      'GET',
      `/servers/${encodeURIComponent(id)}/metadata`,
      `get metadata of server "${id}"`,
      o,
    );
    return asObject(asObject(res.body)['metadata']) as Record<string, string>;
  }

  /** Every flavor (`/flavors/detail`, all pages). */
  async listFlavors(o: RestCallOptions = {}): Promise<NovaFlavor[]> {
    const raw = await this.paged('/flavors/detail', 'flavors', 'list flavors', o);
    return raw.map((f) => {
      const fo = asObject(f);
      return {
        id: String(fo['id']),
        name: asString(fo['name']) ?? '',
        ram: Number(fo['ram'] ?? 0),
        vcpus: Number(fo['vcpus'] ?? 0),
        disk: Number(fo['disk'] ?? 0),
      };
    });
  }

  /** Names of the availability zones that are available. */
  async listAvailabilityZones(o: RestCallOptions = {}): Promise<string[]> {
    const res = await this.call('GET', '/os-availability-zone', 'list availability zones', o);
    return asArray(asObject(res.body)['availabilityZoneInfo'])
      .map(asObject)
      .filter((z) => asObject(z['zoneState'])['available'] !== false)
      .map((z) => asString(z['zoneName']) ?? '')
      .filter((n) => n !== '');
  }

  /** The project's absolute limits and usage (`maxTotalInstances`, `totalCoresUsed`, ...). */
  async getLimits(o: RestCallOptions = {}): Promise<NovaAbsoluteLimits> {
    const res = await this.call('GET', '/limits', 'get limits', o);
    const abs = asObject(asObject(asObject(res.body)['limits'])['absolute']);
    const out: NovaAbsoluteLimits = {};
    for (const [k, v] of Object.entries(abs)) if (typeof v === 'number') out[k] = v;
    return out;
  }

  /** Snapshots a server into an image; returns the new image id (from `Location`). */
  async createImage(
    serverId: string,
    name: string,
    metadata: Record<string, string> = {},
    o: RestCallOptions = {},
  ): Promise<string> {
    const res = await this.call(
      'POST',
      `/servers/${encodeURIComponent(serverId)}/action`,
      `snapshot server "${serverId}"`,
      {
        ...o,
        json: { createImage: { name, metadata } },
      },
    );
    const fromBody = asString(asObject(res.body)['image_id']);
    const location = res.headers.get('location') ?? '';
    const id = fromBody ?? location.split('/').pop();
    if (!id) {
      throw new ProviderError(
        `Cannot snapshot server "${serverId}" in provider "${this.ctx.provider}": compute sent no image location`,
        {
          provider: this.ctx.provider,
          service: 'compute',
          status: res.status,
        },
      );
    }
    return id;
  }

  /** Every key pair of the user. */
  async listKeypairs(o: RestCallOptions = {}): Promise<NovaKeypair[]> {
    const res = await this.call('GET', '/os-keypairs', 'list key pairs', o);
    return asArray(asObject(res.body)['keypairs']).map(
      (k) => asObject(asObject(k)['keypair']) as unknown as NovaKeypair,
    );
  }

  /** Imports a public key as a key pair. */
  async createKeypair(
    name: string,
    publicKey: string,
    o: RestCallOptions = {},
  ): Promise<NovaKeypair> {
    const res = await this.call('POST', '/os-keypairs', `create key pair "${name}"`, {
      ...o,
      json: { keypair: { name, public_key: publicKey } },
    });
    return asObject(asObject(res.body)['keypair']) as unknown as NovaKeypair;
  }

  /** Deletes a key pair. @throws ResourceNotFoundError */
  async deleteKeypair(name: string, o: RestCallOptions = {}): Promise<void> {
    await this.call(
      'DELETE',
      `/os-keypairs/${encodeURIComponent(name)}`,
      `delete key pair "${name}"`,
      o,
    );
  }

  /** Follows `<key>_links` rel=next pages. */
  private async paged(
    path: string,
    key: string,
    action: string,
    o: RestCallOptions,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < 1000; page++) {
      const res = await this.call('GET', next, action, o);
      const body = asObject(res.body);
      out.push(...asArray(body[key]));
      const link = asArray(body[`${key}_links`])
        .map(asObject)
        .find((l) => l['rel'] === 'next');
      const href = asString(link?.['href']);
      next = href ? await this.relative(href, o.signal) : undefined;
    }
    return out;
  }

  private async relative(href: string, signal?: AbortSignal): Promise<string> {
    const base = await this.baseUrl(signal);
    if (href.startsWith(base)) return href.slice(base.length);
    // Nova builds next links from its own idea of the host; keep path and query after the version.
    const u = new URL(href);
    const basePath = new URL(base).pathname.replace(/\/+$/, '');
    const p = u.pathname.startsWith(basePath) ? u.pathname.slice(basePath.length) : u.pathname;
    return `${p}${u.search}`;
  }
}
