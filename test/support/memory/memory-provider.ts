/**
 * The launcher's provider port (`Provider`) in memory: servers in a map, every call logged in
 * order, and knobs for the failures the launcher must handle (a refused create, a server
 * that goes to ERROR, a wait that times out, a server without a public address).
 */
import { illegalStateError } from '../../../src/errors.js';
import type { CompiledProvider } from '../../../src/config/index.js';
import {
  providerStoppedError,
  quotaExceeded,
  ResourceNotFoundError,
  nodepoolMetadata,
} from '../../../src/provider/index.js';
import type {
  CallOptions,
  CreateServerRequest,
  ImageInfo,
  Provider,
  QuotaInfo,
  ServerInfo,
  WaitOptions,
} from '../../../src/provider/index.js';
import { BaseService } from '../../../src/util/index.js';

/** The calls a test can make fail or watch. */
export type ProviderOp =
  | 'refresh'
  | 'listServers'
  | 'createServer'
  | 'waitForServer'
  | 'deleteServer'
  | 'waitForServerDeletion'
  | 'cleanFloatingIps';

/** One logged call: the operation and its main argument (server name or id). */
export interface ProviderCall {
  op: ProviderOp;
  arg: string;
}

/** A cloud provider in memory. */
export class MemoryProvider extends BaseService implements Provider {
  readonly name: string;
  /** Servers by id. */
  readonly servers = new Map<string, ServerInfo>();
  /** Every call, in order. */
  readonly calls: ProviderCall[] = [];
  /** Give ACTIVE servers no public address. */
  hasNoPublicIp = false;
  /** Unattached floating IPs `cleanFloatingIps` removes. */
  unattachedFips = 0;
  /**
   * Instance quota (-1: unlimited): a create beyond it is refused with ERR_PROVIDER_QUOTA and
   * `getQuota` reports it, as the OpenStack provider's own limit check does.
   */
  maxInstances = -1;
  /** Called at the start of each call (after logging it), e.g. to abort the launcher. */
  onCall: ((call: ProviderCall) => void | Promise<void>) | null = null;
  private readonly failures = new Map<ProviderOp, unknown[]>();
  private nextServer = 1;

  constructor(readonly config: CompiledProvider) {
    super();
    this.name = config.name;
  }

  protected doStart(): Promise<void> {
    return Promise.resolve();
  }

  protected doStop(): Promise<void> {
    return Promise.resolve();
  }

  /** Makes the next `count` calls of `op` throw `error` (before doing anything). */
  failNext(op: ProviderOp, error: unknown, count = 1): void {
    const queue = this.failures.get(op) ?? [];
    for (let i = 0; i < count; i++) queue.push(error);
    this.failures.set(op, queue);
  }

  /** Adds a server as another process (or a crash) left it. */
  addServer(fields: Partial<ServerInfo> & { name: string }): ServerInfo {
    const id = fields.id ?? `srv-${this.nextServer++}`;
    const server: ServerInfo = {
      status: 'active',
      rawStatus: 'ACTIVE',
      metadata: {},
      ...fields,
      id,
    };
    this.servers.set(id, server);
    return server;
  }

  /** The calls of one operation, by argument. */
  callsOf(op: ProviderOp): string[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.arg);
  }

  private async enter(op: ProviderOp, arg: string, o: CallOptions = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped')
      throw providerStoppedError(this.name);
    if (this.state !== 'running')
      throw illegalStateError(
        `Cannot call provider "${this.name}": state is "${this.state}"`,
        this.state,
      );
    o.signal?.throwIfAborted();
    const call = { op, arg };
    this.calls.push(call);
    await this.onCall?.(call);
    o.signal?.throwIfAborted();
    const failure = this.failures.get(op)?.shift();
    if (failure !== undefined) throw failure;
  }

  private notFound(id: string): ResourceNotFoundError {
    return new ResourceNotFoundError(`Server "${id}" not found in provider "${this.name}"`, {
      provider: this.name,
      service: 'compute',
      status: 404,
    });
  }

  async refresh(o?: CallOptions): Promise<void> {
    await this.enter('refresh', '', o);
  }

  async listServers(o?: CallOptions): Promise<ServerInfo[]> {
    await this.enter('listServers', '', o);
    return [...this.servers.values()].map((s) => ({ ...s }));
  }

  getServer(id: string): Promise<ServerInfo | null> {
    const s = this.servers.get(id);
    return Promise.resolve(s === undefined ? null : { ...s });
  }

  async createServer(req: CreateServerRequest, o?: CallOptions): Promise<ServerInfo> {
    await this.enter('createServer', req.name, o);
    if (this.maxInstances >= 0 && this.servers.size >= this.maxInstances)
      throw quotaExceeded(
        `Cannot create server "${req.name}" in provider "${this.name}": the instances quota of ${this.maxInstances} would be exceeded`,
        { provider: this.name, service: 'compute' },
      );
    const n = this.nextServer;
    return this.addServer({
      id: `srv-${this.nextServer++}`,
      name: req.name,
      status: 'building',
      rawStatus: 'BUILD',
      imageId: req.imageId,
      ...(req.az !== undefined ? { az: req.az } : {}),
      privateIpv4: `10.0.0.${n}`,
      metadata: { ...req.extraMetadata, ...nodepoolMetadata(this.name, req) },
    });
  }

  async waitForServer(id: string, o: WaitOptions): Promise<ServerInfo> {
    await this.enter('waitForServer', id, o);
    const s = this.servers.get(id);
    if (s === undefined) throw this.notFound(id);
    const n = id.replace(/^srv-/, '');
    const active: ServerInfo = {
      ...s,
      status: 'active',
      rawStatus: 'ACTIVE',
      ...(this.hasNoPublicIp ? {} : { publicIpv4: `192.0.2.${n}`, publicIp: `192.0.2.${n}` }),
      privateIp: s.privateIpv4 ?? `10.0.0.${n}`,
    };
    this.servers.set(id, active);
    return { ...active };
  }

  async deleteServer(id: string, o?: CallOptions): Promise<void> {
    await this.enter('deleteServer', id, o);
    const s = this.servers.get(id);
    if (s === undefined) throw this.notFound(id);
    this.servers.set(id, { ...s, status: 'deleting', rawStatus: 'DELETED' });
  }

  async waitForServerDeletion(id: string, o: WaitOptions): Promise<void> {
    await this.enter('waitForServerDeletion', id, o);
    this.servers.delete(id);
  }

  listImages(): Promise<ImageInfo[]> {
    return Promise.resolve([]);
  }

  getImage(): Promise<ImageInfo | null> {
    return Promise.resolve(null);
  }

  deleteImage(id: string): Promise<void> {
    return Promise.reject(
      new ResourceNotFoundError(`Image "${id}" not found`, {
        provider: this.name,
        service: 'image',
        status: 404,
      }),
    );
  }

  async cleanFloatingIps(o?: CallOptions): Promise<number> {
    await this.enter('cleanFloatingIps', '', o);
    const n = this.unattachedFips;
    this.unattachedFips = 0;
    return n;
  }

  getQuota(): Promise<QuotaInfo> {
    return Promise.resolve({
      maxInstances: this.maxInstances,
      maxCores: -1,
      maxRamMb: -1,
      usedInstances: this.servers.size,
      usedCores: 0,
      usedRamMb: 0,
    });
  }
}
