/**
 * The OpenStack provider's client port (`OpenStackClients`) as stubs: Nova servers, flavors
 * and limits, Glance images and Neutron networks, ports and floating IPs in memory, with
 * every call logged as `<service>.<method> <arg>`. A floating IP created on a server's port
 * shows on the server at once. Calls the tests do not use throw.
 */
import type { CompiledProvider } from '../../../src/config/index.js';
import { ProviderError, ResourceNotFoundError } from '../../../src/provider/index.js';
import type {
  GlanceApi,
  NeutronApi,
  NovaApi,
  OpenStackClients,
  OpenStackConnector,
} from '../../../src/provider/index.js';
import type { GlanceImage } from '../../../src/provider/openstack/glance.js';
import type { KeystoneSessionOptions } from '../../../src/provider/openstack/keystone.js';
import type {
  NeutronFloatingIp,
  NeutronNetwork,
  NeutronPort,
} from '../../../src/provider/openstack/neutron.js';
import type {
  NovaAbsoluteLimits,
  NovaCreateServer,
  NovaFlavor,
  NovaKeypair,
  NovaServer,
} from '../../../src/provider/openstack/nova.js';

function notStubbed(name: string): never {
  throw new Error(`${name} is not stubbed`);
}

/** The cloud behind the stubs; tests read and change it directly. */
export class StubCloud {
  readonly calls: string[] = [];
  readonly servers = new Map<string, NovaServer>();
  flavors: NovaFlavor[] = [
    { id: 'f-big', name: 'Big Flavor', ram: 8192, vcpus: 4, disk: 80 },
    { id: 'f-small', name: 'Small Flavor', ram: 2048, vcpus: 1, disk: 20 },
    { id: 'f-fast', name: 'Fast Flavor', ram: 2048, vcpus: 2, disk: 20 },
  ];
  limits: NovaAbsoluteLimits = {
    maxTotalInstances: 10,
    maxTotalCores: 100,
    maxTotalRAMSize: 100_000,
  };
  networks: NeutronNetwork[] = [
    { id: 'net-private', name: 'private' },
    { id: 'net-public', name: 'public', 'router:external': true },
  ];
  readonly fips: NeutronFloatingIp[] = [];
  readonly images = new Map<string, GlanceImage>();
  /** Whether the catalog lists a network service. */
  hasNetwork = true;
  /** The status a new server gets (`ERROR` plays a failed boot). */
  createStatus = 'BUILD';
  /** How many of the next server lists fail with a 503 (a cloud API fault). */
  failLists = 0;
  /** The session options the provider connected with. */
  session: KeystoneSessionOptions | null = null;
  private next = 1;

  /** A connector that hands the provider these stubs. */
  readonly connect: OpenStackConnector = (
    session: KeystoneSessionOptions,
    _config: CompiledProvider,
  ) => {
    this.session = session;
    return this.clients();
  };

  /** Makes a server ACTIVE with a private address (as Nova does when it boots). */
  boot(id: string, fields: Partial<NovaServer> = {}): void {
    const s = this.servers.get(id);
    if (s === undefined) throw new Error(`no server ${id}`);
    this.servers.set(id, {
      ...s,
      status: 'ACTIVE',
      addresses: {
        private: [
          { addr: `10.0.0.${id.replace(/\D/g, '')}`, version: 4, 'OS-EXT-IPS:type': 'fixed' },
        ],
      },
      ...fields,
    });
  }

  private log(call: string): void {
    this.calls.push(call);
  }

  private missing(id: string, service: string): ResourceNotFoundError {
    return new ResourceNotFoundError(`${id} not found`, { provider: 'stub', service, status: 404 });
  }

  private clients(): OpenStackClients {
    const nova: NovaApi = {
      createServer: (body: NovaCreateServer) => {
        this.log(`nova.createServer ${body.name}`);
        const id = `srv-${this.next++}`;
        this.servers.set(id, {
          id,
          name: body.name,
          status: this.createStatus,
          metadata: { ...body.metadata },
          flavor: { id: body.flavorRef },
          image: { id: body.imageRef },
          ...(this.createStatus === 'ERROR'
            ? { fault: { code: 500, message: 'No valid host was found.' } }
            : {}),
          ...(body.availability_zone
            ? { 'OS-EXT-AZ:availability_zone': body.availability_zone }
            : {}),
          ...(body.key_name ? { key_name: body.key_name } : {}),
        });
        this.lastCreate = body;
        return Promise.resolve({ id });
      },
      getServer: (id) => {
        this.log(`nova.getServer ${id}`);
        const s = this.servers.get(id);
        return s === undefined
          ? Promise.reject(this.missing(id, 'compute'))
          : Promise.resolve(structuredClone(s));
      },
      listServers: () => {
        this.log('nova.listServers');
        if (this.failLists > 0) {
          this.failLists--;
          return Promise.reject(
            new ProviderError('compute answered 503', {
              provider: 'stub',
              service: 'compute',
              status: 503,
              code: 'ERR_PROVIDER_SERVER',
            }),
          );
        }
        return Promise.resolve([...this.servers.values()].map((s) => structuredClone(s)));
      },
      deleteServer: (id) => {
        this.log(`nova.deleteServer ${id}`);
        if (!this.servers.delete(id)) return Promise.reject(this.missing(id, 'compute'));
        return Promise.resolve();
      },
      listFlavors: () => {
        this.log('nova.listFlavors');
        return Promise.resolve(this.flavors.map((f) => ({ ...f })));
      },
      getLimits: () => {
        this.log('nova.getLimits');
        return Promise.resolve({ ...this.limits });
      },
      setServerMetadata: () => notStubbed('nova.setServerMetadata'),
      getServerMetadata: () => notStubbed('nova.getServerMetadata'),
      listAvailabilityZones: () => notStubbed('nova.listAvailabilityZones'),
      createImage: () => notStubbed('nova.createImage'),
      listKeypairs: (): Promise<NovaKeypair[]> => notStubbed('nova.listKeypairs'),
      createKeypair: () => notStubbed('nova.createKeypair'),
      deleteKeypair: () => notStubbed('nova.deleteKeypair'),
    };
    const ports = (serverId: string): NeutronPort[] => {
      const s = this.servers.get(serverId);
      if (s === undefined) return [];
      const addr = s.addresses?.['private']?.find((a) => a['OS-EXT-IPS:type'] !== 'floating');
      return addr === undefined
        ? []
        : [
            {
              id: `port-${serverId}`,
              network_id: 'net-private',
              device_id: serverId,
              fixed_ips: [{ subnet_id: 'sub', ip_address: addr.addr }],
            },
          ];
    };
    const neutron: NeutronApi = {
      listNetworks: () => {
        this.log('neutron.listNetworks');
        return Promise.resolve(this.networks.map((n) => ({ ...n })));
      },
      listPorts: (o = {}) => {
        this.log(`neutron.listPorts ${o.deviceId ?? ''}`);
        return Promise.resolve(o.deviceId === undefined ? [] : ports(o.deviceId));
      },
      listFloatingIps: () => {
        this.log('neutron.listFloatingIps');
        return Promise.resolve(this.fips.map((f) => ({ ...f })));
      },
      createFloatingIp: (networkId, o = {}) => {
        this.log(`neutron.createFloatingIp ${o.portId ?? ''}`);
        const n = this.fips.length + 1;
        const serverId = o.portId?.replace(/^port-/, '');
        const fip: NeutronFloatingIp = {
          id: `fip-${n}`,
          floating_ip_address: `203.0.113.${n}`,
          floating_network_id: networkId,
          port_id: o.portId ?? null,
          fixed_ip_address: null,
        };
        this.fips.push(fip);
        const s = serverId === undefined ? undefined : this.servers.get(serverId);
        if (s?.addresses?.['private'] !== undefined)
          s.addresses['private'].push({
            addr: fip.floating_ip_address,
            version: 4,
            'OS-EXT-IPS:type': 'floating',
          });
        return Promise.resolve({ ...fip });
      },
      updateFloatingIp: () => notStubbed('neutron.updateFloatingIp'),
      deleteFloatingIp: (id) => {
        this.log(`neutron.deleteFloatingIp ${id}`);
        const i = this.fips.findIndex((f) => f.id === id);
        if (i < 0) return Promise.reject(this.missing(id, 'network'));
        this.fips.splice(i, 1);
        return Promise.resolve();
      },
    };
    const glance: GlanceApi = {
      createImage: () => notStubbed('glance.createImage'),
      uploadFile: () => notStubbed('glance.uploadFile'),
      getImage: (id) => {
        this.log(`glance.getImage ${id}`);
        const i = this.images.get(id);
        return i === undefined
          ? Promise.reject(this.missing(id, 'image'))
          : Promise.resolve({ ...i });
      },
      listImages: () => {
        this.log('glance.listImages');
        return Promise.resolve([...this.images.values()].map((i) => ({ ...i })));
      },
      deleteImage: (id) => {
        this.log(`glance.deleteImage ${id}`);
        if (!this.images.delete(id)) return Promise.reject(this.missing(id, 'image'));
        return Promise.resolve();
      },
    };
    return {
      nova,
      glance,
      neutron,
      hasService: (ref) => Promise.resolve(ref.type !== 'network' || this.hasNetwork),
    };
  }

  /** The body of the last server create. */
  lastCreate: NovaCreateServer | null = null;
}
