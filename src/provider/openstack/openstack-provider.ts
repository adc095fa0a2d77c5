/**
 * The OpenStack provider: upstream's ProviderManager (0.4.0 `provider_manager.py`) on top of
 * our REST clients. Every cloud call is one task in the provider's rate-limited queue.
 */
import type { Logger } from 'pino';
import type { CompiledProvider } from '../../config/index.js';
import { TASK, taskTimer } from '../../stats/index.js';
import type { Stats, TaskName } from '../../stats/index.js';
import { BaseService, TaskQueue, delay, systemClock, untilAborted } from '../../util/index.js';
import type { Clock } from '../../util/index.js';
import type {
  CallOptions,
  CreateServerRequest,
  CreateSnapshotRequest,
  FloatingIpInfo,
  ImageInfo,
  Provider,
  ProviderDeps,
  QuotaInfo,
  ServerInfo,
  UploadImageRequest,
  WaitOptions,
} from '../driver.js';
import {
  ProviderError,
  providerStoppedError,
  ServerFailedError,
  quotaExceeded,
} from '../errors.js';
import { nodepoolMetadata, sessionOptions } from './config.js';
import { connectOverHttp } from './clients.js';
import type { OpenStackClients, OpenStackConnector } from './clients.js';
import { FloatingIps } from './floating-ips.js';
import * as images from './images.js';
import type { KeystoneSession } from './keystone.js';
import type { NeutronNetwork } from './neutron.js';
import type { NovaAbsoluteLimits, NovaCreateServer, NovaFlavor, NovaServer } from './nova.js';
import {
  ListedUsageCache,
  NO_COST,
  addCost,
  RecentCreates,
  costOf,
  quotaInfo,
  quotaShortfall,
  subtractCost,
} from './quota.js';
import type { ServerCost } from './quota.js';
import { SharedList } from './shared-list.js';
import * as snapshots from './snapshots.js';
import { toServerInfo } from './server-info.js';

/** Options of {@link OpenStackProvider}. */
export interface OpenStackProviderOptions extends ProviderDeps {
  /**
   * The Keystone URL that replaces 0.4.0's `auth-url: fake` (the fake cloud driver gives its
   * own); without it such a provider fails to start.
   */
  fakeAuthUrl?: () => Promise<string>;
  /** Builds the service clients at start. @default the REST clients over HTTP */
  connect?: OpenStackConnector;
}

/** True for the error a stopped provider's calls fail with (see providerStoppedError). */
function isStopped(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_PROVIDER_STOPPED';
}

const DEFAULTS = {
  serverListAgeMs: 5000,
  waitingListAgeMs: 500,
  activePollMs: 2000,
  deletePollMs: 2000,
  imagePollMs: 5000,
  floatingIpTimeoutMs: 120_000,
  limitsAgeMs: 300_000,
  checkQuota: true,
  /** Cloud API calls of one provider that may be in flight at once. */
  maxInFlight: 8,
};

/**
 * The server list age from clouds.yaml `cache: {expiration: {server: <seconds>}}`, as
 * os-client-config read it (docs/behaviour.md#list-caching); absent → our 5 s default.
 */
function cacheSettings(config: CompiledProvider): { serverListAgeMs?: number } {
  const cache = config.cloud.extra?.['cache'];
  const expiration =
    cache && typeof cache === 'object'
      ? (cache as Record<string, unknown>)['expiration']
      : undefined;
  const server =
    expiration && typeof expiration === 'object'
      ? (expiration as Record<string, unknown>)['server']
      : undefined;
  const seconds = typeof server === 'string' ? Number(server) : server;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? { serverListAgeMs: seconds * 1000 }
    : {};
}

/** One OpenStack cloud provider. */
export class OpenStackProvider extends BaseService implements Provider {
  readonly name: string;
  /** The provider's task queue (exposed for tests: recorded starts). */
  readonly queue: TaskQueue;
  private readonly log: Logger;
  private readonly stats: Stats;
  private readonly clock: Clock;
  private readonly tuning: typeof DEFAULTS;
  private clients: OpenStackClients | null = null;
  private servers!: SharedList<NovaServer>;
  private fips!: FloatingIps;
  private flavors: Promise<NovaFlavor[]> | null = null;
  private networks: Promise<NeutronNetwork[] | null> | null = null;
  private limits: { value: NovaAbsoluteLimits; at: number } | null = null;
  /** The limits fetch in flight, shared by every caller (see absoluteLimits). */
  private limitsFetch: Promise<NovaAbsoluteLimits> | null = null;
  /** The summed cost of the creates in flight (checked against the quota, not answered yet). */
  private inflightCost: ServerCost = NO_COST;
  private readonly listedUsage = new ListedUsageCache();
  private readonly recent = new RecentCreates();

  constructor(
    readonly config: CompiledProvider,
    private readonly options: OpenStackProviderOptions,
  ) {
    super();
    this.name = config.name;
    this.log = options.log.child({ provider: config.name });
    this.stats = options.stats;
    this.clock = options.clock ?? systemClock;
    this.tuning = { ...DEFAULTS, ...cacheSettings(config), ...options.tuning };
    // Starts stay `rate` apart as upstream, on average: a start that a busy machine woke late
    // lets the next come up to half a `rate` sooner (docs/behaviour.md#rate). A few calls may
    // overlap, so a slow reply does not stretch the spacing (upstream's single task thread
    // could not reach its own ceiling).
    this.queue = new TaskQueue({
      name: config.name,
      rateMs: config.rateMs,
      lateCreditMs: config.rateMs / 2,
      onTaskDone: taskTimer(this.stats, config.name),
      stoppedError: (name) => providerStoppedError(name),
      log: this.log,
      clock: this.clock,
      maxInFlight: this.tuning.maxInFlight,
    });
  }

  /** The Keystone session (after start, with HTTP clients), for tests and diagnostics. */
  get keystone(): KeystoneSession | null {
    return this.clients?.session ?? null;
  }

  /** The service clients; set by start. */
  private get api(): OpenStackClients {
    if (this.clients === null) throw providerStoppedError(this.name);
    return this.clients;
  }

  private get nova(): OpenStackClients['nova'] {
    return this.api.nova;
  }

  private get glance(): OpenStackClients['glance'] {
    return this.api.glance;
  }

  protected override onStateChange(from: string, to: string): void {
    this.log.info('Provider %s: %s -> %s', this.name, from, to);
  }

  protected async doStart(): Promise<void> {
    const fake = this.config.cloud.isFake ? await this.options.fakeAuthUrl?.() : undefined;
    const clients = (this.options.connect ?? connectOverHttp)(
      sessionOptions(this.config, fake),
      this.config,
    );
    this.clients = clients;
    this.servers = new SharedList(
      () => this.fetchServers(),
      this.tuning.serverListAgeMs,
      this.clock,
    );
    this.fips = new FloatingIps({
      provider: this.name,
      neutron: clients.neutron,
      log: this.log,
      task: (n, fn, o) => this.task(n, fn, o),
      networks: (o) => this.listNetworks(o),
      server: (id, o) => this.freshServer(id, o),
      pollMs: this.tuning.activePollMs,
      timeoutMs: this.tuning.floatingIpTimeoutMs,
    });
    await this.queue.start();
  }

  protected async doStop(): Promise<void> {
    await this.queue.stop();
  }

  /** Runs one cloud call in the queue. */
  private task<T>(
    name: TaskName,
    fn: (signal?: AbortSignal) => Promise<T>,
    o: CallOptions = {},
  ): Promise<T> {
    return this.queue.submit(name, fn, o.signal ? { signal: o.signal } : {});
  }

  private async fetchServers(): Promise<NovaServer[]> {
    const startedAt = this.clock.now();
    const list = await this.task(TASK.serverList, (s) =>
      this.nova.listServers(s ? { signal: s } : {}),
    );
    // Servers we created before this list started are now either in it or gone.
    this.recent.forgetUntil(startedAt);
    return list;
  }

  /** Networks (cached for the provider's life); null when the cloud has no Neutron. */
  private async listNetworks(o: CallOptions = {}): Promise<NeutronNetwork[] | null> {
    if (!this.networks) {
      const p = (async () => {
        if (!(await this.api.hasService({ type: 'network' }, o.signal))) return null;
        return this.task(TASK.networkList, (s) =>
          this.api.neutron.listNetworks(s ? { signal: s } : {}),
        );
      })();
      this.networks = p;
      void p.catch(() => {
        if (this.networks === p) this.networks = null;
      });
    }
    return this.networks;
  }

  private async toInfo(servers: NovaServer[], o: CallOptions): Promise<ServerInfo[]> {
    const nets = (await this.listNetworks(o)) ?? [];
    const externalNetworks = new Set(
      nets.filter((n) => n['router:external'] === true).map((n) => n.name),
    );
    return servers.map((s) =>
      toServerInfo(s, { externalNetworks, ipv6Preferred: this.config.ipv6Preferred }),
    );
  }

  async refresh(o: CallOptions = {}): Promise<void> {
    await this.listFlavors(o);
    await this.absoluteLimits(o, true);
  }

  /** Flavors sorted by RAM (stable), fetched once for the provider's life. */
  async listFlavors(o: CallOptions = {}): Promise<NovaFlavor[]> {
    if (!this.flavors) {
      const p = this.task(
        TASK.flavorList,
        (s) => this.nova.listFlavors(s ? { signal: s } : {}),
        o,
      ).then((f) => [...f].sort((a, b) => a.ram - b.ram));
      this.flavors = p;
      void p.catch(() => {
        if (this.flavors === p) this.flavors = null;
      });
    }
    return this.flavors;
  }

  /** The smallest flavor with at least `minRam` MB whose name contains `nameFilter`. */
  async findFlavor(minRam: number, nameFilter?: string, o: CallOptions = {}): Promise<NovaFlavor> {
    const flavors = await this.listFlavors(o);
    const f = flavors.find((x) => x.ram >= minRam && (!nameFilter || x.name.includes(nameFilter)));
    if (!f) {
      throw new ProviderError(`Unable to find flavor with min ram: ${minRam}`, {
        provider: this.name,
        service: 'compute',
        code: 'ERR_PROVIDER_NO_FLAVOR',
      });
    }
    return f;
  }

  private async absoluteLimits(o: CallOptions, force = false): Promise<NovaAbsoluteLimits> {
    const now = this.clock.now();
    if (!force && this.limits && now - this.limits.at < this.tuning.limitsAgeMs)
      return this.limits.value;
    // One fetch at a time, shared by every caller that finds the cache stale: hundreds of
    // creates queued on a provider would otherwise each spend a rate-limited call on it.
    // It runs without any one caller's signal; each caller stops waiting on its own.
    if (this.limitsFetch === null) {
      const fetch = this.task(TASK.novaLimitsGet, (s) =>
        this.nova.getLimits(s ? { signal: s } : {}),
      )
        .then((value) => {
          this.limits = { value, at: this.clock.now() };
          return value;
        })
        .finally(() => {
          if (this.limitsFetch === fetch) this.limitsFetch = null;
        });
      this.limitsFetch = fetch;
    }
    return untilAborted(this.limitsFetch, o.signal);
  }

  async getQuota(o: CallOptions = {}): Promise<QuotaInfo> {
    const [limits, flavors, list] = await Promise.all([
      this.absoluteLimits(o),
      this.listFlavors(o),
      this.servers.get(o),
    ]);
    return this.quotaFrom(limits, flavors, list);
  }

  private quotaFrom(
    limits: NovaAbsoluteLimits,
    flavors: NovaFlavor[],
    list: NovaServer[],
  ): QuotaInfo {
    const listed = this.listedUsage.of(list, flavors);
    return quotaInfo(limits, listed.cost, addCost(this.inflightCost, this.recent.unlisted(listed)));
  }

  async listServers(o: CallOptions = {}): Promise<ServerInfo[]> {
    return this.toInfo(await this.servers.get(o), o);
  }

  async getServer(id: string, o: CallOptions = {}): Promise<ServerInfo | null> {
    return (await this.listServers(o)).find((s) => s.id === id) ?? null;
  }

  /** One server straight from Nova (not the shared list). */
  private async freshServer(id: string, o: CallOptions = {}): Promise<ServerInfo> {
    const s = await this.task(
      TASK.serverGet,
      (sig) => this.nova.getServer(id, sig ? { signal: sig } : {}),
      o,
    );
    const [info] = await this.toInfo([s], o);
    return info!;
  }

  async createServer(req: CreateServerRequest, o: CallOptions = {}): Promise<ServerInfo> {
    const flavor = await this.findFlavor(req.minRam, req.nameFilter, o);
    const networks = await this.nics(o);
    const cost = costOf(flavor);
    if (this.tuning.checkQuota) {
      const [limits, list] = await Promise.all([this.absoluteLimits(o), this.servers.get(o)]);
      // Checked and reserved in one synchronous step, so concurrent creates cannot both pass.
      const short = quotaShortfall(this.quotaFrom(limits, await this.listFlavors(o), list), cost);
      if (short) {
        throw quotaExceeded(
          `Cannot create server "${req.name}" in provider "${this.name}": ${short}`,
          {
            provider: this.name,
            service: 'compute',
          },
        );
      }
    }
    this.inflightCost = addCost(this.inflightCost, cost);
    const body: NovaCreateServer = {
      name: req.name,
      imageRef: req.imageId,
      flavorRef: flavor.id,
      metadata: { ...req.extraMetadata, ...nodepoolMetadata(this.name, req) },
    };
    if (req.az) body.availability_zone = req.az;
    if (networks.length > 0) body.networks = networks;
    if (req.keyName) body.key_name = req.keyName;
    if (req.configDrive !== undefined) body.config_drive = req.configDrive;
    let id: string;
    try {
      ({ id } = await this.task(
        TASK.serverCreate,
        (s) => this.nova.createServer(body, s ? { signal: s } : {}),
        o,
      ));
      this.recent.add(id, cost, this.clock.now());
    } finally {
      this.inflightCost = subtractCost(this.inflightCost, cost);
    }
    // What the create answered, without a GET (as upstream, whose create returned the id
    // alone): the waiter's list shows the server's progress, and ERROR, soon enough, and
    // under load a GET per create doubled the calls queued ahead of that list.
    return {
      id,
      name: req.name,
      status: 'building',
      rawStatus: 'BUILD',
      metadata: body.metadata ?? {},
      flavorId: flavor.id,
      imageId: req.imageId,
      ...(req.az ? { az: req.az } : {}),
      ...(req.keyName ? { keyName: req.keyName } : {}),
    };
  }

  /** `networks` entries as Nova nics, names resolved through Neutron (cached). */
  private async nics(o: CallOptions): Promise<Array<{ uuid: string }>> {
    const out: Array<{ uuid: string }> = [];
    for (const n of this.config.networks) {
      if (n.id) out.push({ uuid: n.id });
      else if (n.name) {
        const found = ((await this.listNetworks(o)) ?? []).find((x) => x.name === n.name);
        if (!found) {
          throw new ProviderError(`Cannot find network "${n.name}" in provider "${this.name}"`, {
            provider: this.name,
            service: 'network',
            code: 'ERR_PROVIDER_NO_NETWORK',
          });
        }
        out.push({ uuid: found.id });
      } else {
        throw new ProviderError("Invalid 'networks' configuration.", {
          provider: this.name,
          service: 'provider',
        });
      }
    }
    return out;
  }

  private failed(info: ServerInfo): ServerFailedError {
    const why = info.fault ? `: ${info.fault.message}` : '';
    return new ServerFailedError(
      `Server "${info.id}" in provider "${this.name}" is in status ${info.rawStatus}${why}`,
      {
        provider: this.name,
        service: 'compute',
        serverId: info.id,
        serverStatus: info.rawStatus,
        ...(info.fault ? { fault: info.fault } : {}),
      },
    );
  }

  /**
   * How old the server list may be while launches wait: `waitingListAgeMs`, but at least
   * four `rate` slots (lists take at most a quarter of the provider's calls) and 10 ms per
   * listed server (a list's cost, to the cloud and to us, grows with its length: a pool of
   * 400 waits on a 4 s list, close to the 5 s `serverListAgeMs`), and never older than
   * `serverListAgeMs`.
   */
  private waitingListAge(): number {
    const floor = Math.max(
      this.tuning.waitingListAgeMs,
      4 * this.config.rateMs,
      10 * this.servers.size,
    );
    return Math.min(floor, Math.max(this.tuning.serverListAgeMs, this.tuning.waitingListAgeMs));
  }

  /**
   * Polls the shared server list until the server is ACTIVE. While launches wait, the list
   * is refreshed every {@link waitingListAge} (one call for every waiter) rather than
   * every `serverListAgeMs`, so in a small pool an ACTIVE server is noticed within about
   * half a second.
   */
  async waitForServer(id: string, o: WaitOptions): Promise<ServerInfo> {
    const deadline = Date.now() + o.timeoutMs;
    let last = 'not listed yet';
    // The start of the newest list seen. A poll takes any list younger than the waiting age
    // (every waiter of the provider shares one fetch per age, however many poll); once the
    // list seen is older, it asks for a newer one and shares one that is in flight, so a slow
    // list is never overlapped by the next.
    let seen = Number.NEGATIVE_INFINITY;
    for (;;) {
      const ageMs = this.waitingListAge();
      const pollMs = Math.min(this.tuning.activePollMs, ageMs);
      const fresh = this.clock.now() - ageMs;
      const minStart = seen === Number.NEGATIVE_INFINITY ? fresh : Math.min(fresh, seen + 1e-3);
      let list: NovaServer[] | null = null;
      try {
        list = await this.servers.get({ ...o, minStart });
      } catch (err) {
        // As upstream: a list that fails is tried again at the next poll, until the
        // timeout; only a stop (of the caller or of this provider) ends the wait early.
        if (o.signal?.aborted === true || isStopped(err)) throw err;
        last = `the last server list failed: ${err instanceof Error ? err.message : String(err)}`;
        this.log.warn(
          { err },
          'Unable to list servers while waiting for server %s in provider %s: will retry',
          id,
          this.name,
        );
      }
      if (list !== null) {
        seen = Math.max(seen, this.servers.cachedAt ?? seen);
        const raw = list.find((s) => s.id === id);
        const info = raw === undefined ? null : ((await this.toInfo([raw], o))[0] ?? null);
        if (info?.status === 'active') return this.withPublicAddress(info, o);
        if (info?.status === 'error') throw this.failed(info);
        if (info) last = `status is ${info.rawStatus}`;
      }
      if (Date.now() >= deadline) {
        throw new ProviderError(
          `Cannot wait for server "${id}" in provider "${this.name}": not ACTIVE after ${o.timeoutMs} ms: ${last}`,
          {
            provider: this.name,
            service: 'compute',
            code: 'ERR_PROVIDER_TIMEOUT',
          },
        );
      }
      await delay(pollMs, o.signal ? { signal: o.signal } : {});
    }
  }

  /** Adds a floating IP when the server has a private v4 but no public v4 and the cloud can. */
  private async withPublicAddress(info: ServerInfo, o: CallOptions): Promise<ServerInfo> {
    if (info.publicIpv4 || !info.privateIpv4) return info;
    if (!(await this.fips.canAdd(o))) return info;
    await this.fips.add(info.id, o);
    return this.freshServer(info.id, o);
  }

  async addFloatingIp(serverId: string, o: CallOptions = {}): Promise<string> {
    return this.fips.add(serverId, o);
  }

  async listFloatingIps(o: CallOptions = {}): Promise<FloatingIpInfo[]> {
    return this.fips.list(o);
  }

  async cleanFloatingIps(o: CallOptions = {}): Promise<number> {
    return this.fips.cleanUnattached(o);
  }

  async deleteServer(id: string, o: CallOptions = {}): Promise<void> {
    // Compat: 0.4.0 also deleted the server's key pair unless it was the provider's `keypair`;
    // 0.5.0 dropped that (it deleted operators' key pairs), and so do we.
    await this.task(TASK.serverGet, (s) => this.nova.getServer(id, s ? { signal: s } : {}), o);
    await this.fips.deleteForServer(id, o);
    await this.task(
      TASK.serverDelete,
      (s) => this.nova.deleteServer(id, s ? { signal: s } : {}),
      o,
    );
    this.recent.delete(id);
  }

  async waitForServerDeletion(id: string, o: WaitOptions): Promise<void> {
    const deadline = Date.now() + o.timeoutMs;
    const since = this.clock.now();
    for (;;) {
      const list = await this.servers.get({ ...o, minStart: since });
      const s = list.find((x) => x.id === id);
      if (!s) return;
      if (Date.now() >= deadline) {
        throw new ProviderError(
          `Cannot wait for deletion of server "${id}" in provider "${this.name}": still there after ${o.timeoutMs} ms: status is ${s.status}`,
          {
            provider: this.name,
            service: 'compute',
            code: 'ERR_PROVIDER_TIMEOUT',
          },
        );
      }
      await delay(this.tuning.deletePollMs, o.signal ? { signal: o.signal } : {});
    }
  }

  private imageDeps(): images.ImageDeps {
    return {
      provider: this.name,
      glance: this.glance,
      stats: this.stats,
      log: this.log,
      pollMs: this.tuning.imagePollMs,
      task: (n, fn, o) => this.task(n, fn, o),
    };
  }

  listImages(o: CallOptions = {}): Promise<ImageInfo[]> {
    return images.listImages(this.imageDeps(), o);
  }

  getImage(id: string, o: CallOptions = {}): Promise<ImageInfo | null> {
    return images.getImage(this.imageDeps(), id, o);
  }

  uploadImage(req: UploadImageRequest, o: CallOptions = {}): Promise<ImageInfo> {
    return images.uploadImage(this.imageDeps(), req, o);
  }

  deleteImage(id: string, o: CallOptions = {}): Promise<void> {
    return images.deleteImage(this.imageDeps(), id, o);
  }

  createSnapshot(
    serverId: string,
    req: CreateSnapshotRequest,
    o: CallOptions = {},
  ): Promise<ImageInfo> {
    return snapshots.createSnapshot({ ...this.imageDeps(), nova: this.nova }, serverId, req, o);
  }

  createKeypair(name: string, publicKey: string, o: CallOptions = {}): Promise<void> {
    return snapshots.createKeypair({ ...this.imageDeps(), nova: this.nova }, name, publicKey, o);
  }

  deleteKeypair(name: string, o: CallOptions = {}): Promise<void> {
    return snapshots.deleteKeypair({ ...this.imageDeps(), nova: this.nova }, name, o);
  }
}
