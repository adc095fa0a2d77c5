/**
 * Neutron (network v2.0) REST client: networks, ports and floating IPs.
 */
import type { KeystoneSession } from './keystone.js';
import { ServiceClient, asArray, asObject } from './service-client.js';
import type { RestCallOptions } from './service-client.js';

/** A network (the fields nodepool reads). */
export interface NeutronNetwork {
  id: string;
  name: string;
  'router:external'?: boolean;
  shared?: boolean;
  subnets?: string[];
}

/** A port. */
export interface NeutronPort {
  id: string;
  network_id: string;
  device_id: string;
  device_owner?: string;
  fixed_ips?: Array<{ subnet_id: string; ip_address: string }>;
  status?: string;
}

/** A floating IP. */
export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  status?: string;
  project_id?: string;
}

/** Neutron's catalog URL is unversioned; calls go to `<url>/v2.0`. */
export function neutronBase(url: string): string {
  const u = url.replace(/\/+$/, '');
  return /\/v2\.0$/.test(u) ? u : `${u}/v2.0`;
}

function qs(filters: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Neutron client of one provider. */
export class NeutronClient extends ServiceClient {
  constructor(session: KeystoneSession, options: { provider: string; timeoutMs: number }) {
    super(session, { type: 'network', normalize: neutronBase }, { ...options, service: 'network' });
  }

  /** Networks visible to the project, optionally filtered by exact name. */
  async listNetworks(o: RestCallOptions & { name?: string } = {}): Promise<NeutronNetwork[]> {
    const res = await this.call(
      'GET',
      `/networks${qs({ name: o.name })}`,
      'list networks',
      this.sig(o),
    );
    return asArray(asObject(res.body)['networks']) as NeutronNetwork[];
  }

  /** Ports, optionally of one device (server id). */
  async listPorts(o: RestCallOptions & { deviceId?: string } = {}): Promise<NeutronPort[]> {
    const res = await this.call(
      'GET',
      `/ports${qs({ device_id: o.deviceId })}`,
      'list ports',
      this.sig(o),
    );
    return asArray(asObject(res.body)['ports']) as NeutronPort[];
  }

  /** Floating IPs of the project, optionally of one port. */
  async listFloatingIps(
    o: RestCallOptions & { portId?: string } = {},
  ): Promise<NeutronFloatingIp[]> {
    const res = await this.call(
      'GET',
      `/floatingips${qs({ port_id: o.portId })}`,
      'list floating IPs',
      this.sig(o),
    );
    return asArray(asObject(res.body)['floatingips']) as NeutronFloatingIp[];
  }

  /** Creates a floating IP on an external network, attached to `portId` when given. */
  async createFloatingIp(
    networkId: string,
    o: RestCallOptions & { portId?: string } = {},
  ): Promise<NeutronFloatingIp> {
    const floatingip: Record<string, string> = { floating_network_id: networkId };
    if (o.portId) floatingip['port_id'] = o.portId;
    const res = await this.call('POST', '/floatingips', 'create floating IP', {
      ...this.sig(o),
      json: { floatingip },
    });
    return asObject(asObject(res.body)['floatingip']) as unknown as NeutronFloatingIp;
  }

  /** Attaches a floating IP to a port (or detaches it with `null`). */
  async updateFloatingIp(
    id: string,
    portId: string | null,
    o: RestCallOptions = {},
  ): Promise<NeutronFloatingIp> {
    const res = await this.call(
      'PUT',
      `/floatingips/${encodeURIComponent(id)}`,
      `attach floating IP "${id}"`,
      {
        ...this.sig(o),
        json: { floatingip: { port_id: portId } },
      },
    );
    return asObject(asObject(res.body)['floatingip']) as unknown as NeutronFloatingIp;
  }

  /** Deletes a floating IP. @throws ResourceNotFoundError */
  async deleteFloatingIp(id: string, o: RestCallOptions = {}): Promise<void> {
    await this.call(
      'DELETE',
      `/floatingips/${encodeURIComponent(id)}`,
      `delete floating IP "${id}"`,
      this.sig(o),
    );
  }

  private sig(o: RestCallOptions): RestCallOptions {
    return o.signal ? { signal: o.signal } : {};
  }
}
