/**
 * Floating IPs through Neutron: add one to a server that has no public address, delete the
 * ones on a server's ports before the server, and `clean-floating-ips`.
 */
import type { Logger } from 'pino';
import { TASK } from '../../stats/index.js';
import type { TaskName } from '../../stats/index.js';
import { delay } from '../../util/index.js';
import type { CallOptions, FloatingIpInfo, ServerInfo } from '../driver.js';
import { ProviderError, ResourceNotFoundError } from '../errors.js';
import type { NeutronApi } from './clients.js';
import type { NeutronNetwork } from './neutron.js';

/** What {@link FloatingIps} needs from the provider. */
export interface FloatingIpDeps {
  provider: string;
  neutron: NeutronApi;
  log: Logger;
  task<T>(name: TaskName, fn: (signal?: AbortSignal) => Promise<T>, o?: CallOptions): Promise<T>;
  /** Cached networks; null when the cloud has no Neutron. */
  networks(o?: CallOptions): Promise<NeutronNetwork[] | null>;
  /** The server, fresh from Nova. */
  server(id: string, o?: CallOptions): Promise<ServerInfo>;
  pollMs: number;
  timeoutMs: number;
}

function sig(s?: AbortSignal): { signal?: AbortSignal } {
  return s ? { signal: s } : {};
}

/** Floating IP handling of one provider. */
export class FloatingIps {
  /** Floating IPs we created and are attaching: `cleanUnattached` leaves them alone. */
  private readonly attaching = new Set<string>();

  constructor(private readonly d: FloatingIpDeps) {}

  private async externalNetwork(o: CallOptions): Promise<NeutronNetwork | undefined> {
    return ((await this.d.networks(o)) ?? []).find((n) => n['router:external'] === true);
  }

  /** True when the cloud has Neutron and an external network. */
  async canAdd(o: CallOptions = {}): Promise<boolean> {
    return (await this.externalNetwork(o)) !== undefined;
  }

  /**
   * Creates a new floating IP (never reuses one) on the server's first port with an IPv4
   * address and waits until the server shows it; deletes it again if that times out.
   */
  async add(serverId: string, o: CallOptions = {}): Promise<string> {
    const { d } = this;
    const ext = await this.externalNetwork(o);
    if (!ext) {
      throw new ProviderError(
        `Cannot add a floating IP to server "${serverId}" in provider "${d.provider}": the cloud has no external network`,
        {
          provider: d.provider,
          service: 'network',
        },
      );
    }
    const ports = await d.task(
      TASK.portList,
      (s) => d.neutron.listPorts({ deviceId: serverId, ...sig(s) }),
      o,
    );
    const port = ports.find((p) => (p.fixed_ips ?? []).some((ip) => ip.ip_address.includes('.')));
    if (!port) {
      throw new ProviderError(
        `Cannot add a floating IP to server "${serverId}" in provider "${d.provider}": it has no port with an IPv4 address`,
        {
          provider: d.provider,
          service: 'network',
        },
      );
    }
    const fip = await d.task(
      TASK.neutronFloatingIpCreate,
      (s) => d.neutron.createFloatingIp(ext.id, { portId: port.id, ...sig(s) }),
      o,
    );
    this.attaching.add(fip.id);
    try {
      const deadline = Date.now() + d.timeoutMs;
      for (;;) {
        const server = await d.server(serverId, o);
        if (server.publicIpv4 === fip.floating_ip_address) return fip.floating_ip_address;
        if (Date.now() >= deadline) break;
        await delay(d.pollMs, sig(o.signal));
      }
      await this.deleteOne(fip.id);
      throw new ProviderError(
        `Cannot add floating IP ${fip.floating_ip_address} to server "${serverId}" in provider "${d.provider}": not shown on the server after ${d.timeoutMs} ms`,
        { provider: d.provider, service: 'network', code: 'ERR_PROVIDER_TIMEOUT' },
      );
    } finally {
      this.attaching.delete(fip.id);
    }
  }

  /** Every floating IP of the project. */
  async list(o: CallOptions = {}): Promise<FloatingIpInfo[]> {
    if ((await this.d.networks(o)) === null) return [];
    const fips = await this.d.task(
      TASK.neutronFloatingIpList,
      (s) => this.d.neutron.listFloatingIps(sig(s)),
      o,
    );
    return fips.map((f) => ({
      id: f.id,
      address: f.floating_ip_address,
      ...(f.port_id ? { portId: f.port_id } : {}),
      ...(f.fixed_ip_address ? { fixedAddress: f.fixed_ip_address } : {}),
    }));
  }

  /**
   * Deletes every floating IP of the project that is attached to nothing (except ones this
   * provider is attaching right now). Compat: like 0.4.0 this covers floating IPs nodepool
   * did not create; it only runs with `clean-floating-ips: true`.
   */
  async cleanUnattached(o: CallOptions = {}): Promise<number> {
    let n = 0;
    for (const f of await this.list(o)) {
      if (f.portId || this.attaching.has(f.id)) continue;
      if (await this.deleteOne(f.id, o)) n++;
    }
    return n;
  }

  /** Deletes the floating IPs on the server's ports (before the server is deleted). */
  async deleteForServer(serverId: string, o: CallOptions = {}): Promise<void> {
    const { d } = this;
    if ((await d.networks(o)) === null) return;
    const ports = await d.task(
      TASK.portList,
      (s) => d.neutron.listPorts({ deviceId: serverId, ...sig(s) }),
      o,
    );
    if (ports.length === 0) return;
    const portIds = new Set(ports.map((p) => p.id));
    const fips = await d.task(
      TASK.neutronFloatingIpList,
      (s) => d.neutron.listFloatingIps(sig(s)),
      o,
    );
    for (const f of fips) {
      if (f.port_id && portIds.has(f.port_id)) await this.deleteOne(f.id, o);
    }
  }

  /** Deletes one floating IP; false when it was already gone. */
  private async deleteOne(id: string, o: CallOptions = {}): Promise<boolean> {
    try {
      await this.d.task(
        TASK.neutronFloatingIpDelete,
        (s) => this.d.neutron.deleteFloatingIp(id, sig(s)),
        o,
      );
      return true;
    } catch (err) {
      if (err instanceof ResourceNotFoundError) return false;
      throw err;
    }
  }
}
