/**
 * Zuul over Gearman (docs/behaviour.md#gearman-and-zuul, docs/behaviour.md#applying-a-new-configuration "Gearman client"): a client for the configured
 * `gearman-servers`, kept across reloads (servers added and removed in place), the demand it
 * reads for the allocation, and node assignment for `assign-via-gearman` targets.
 *
 * Deliberate change from upstream (docs/behaviour.md#gearman-and-zuul): nodepoold does not wait for a Gearman server
 * at start or reload. Until one connects the demand is empty (as upstream's with no
 * connected server) and assignments fail their launch.
 */
import type { Logger } from 'pino';
import type { CompiledGearmanServer } from '../config/index.js';
import { NodepoolError } from '../errors.js';
import { GearmanClient, GearmanDemand, assignNode, revokeNode } from '../gearman/index.js';
import type { NodeRecord } from '../db/index.js';
import { getLogger } from '../log/index.js';
import type { DemandSource, GearmanHooks, ReadyNodeInfo } from '../launcher/index.js';

/** Tuning of {@link GearmanLink}. */
export interface GearmanLinkOptions {
  log: Logger;
  /** Called when the demand changes (the launcher runs a pass). */
  onDemandChange: () => void;
  /** Background `status` poll period. @default 5_000 */
  pollIntervalMs?: number;
  /** Limit of one server's `status` reply. @default 10_000 */
  requestTimeoutMs?: number;
  /** Limit of a node assignment (upstream waits forever). @default 300_000 */
  assignTimeoutMs?: number;
  /** First reconnect wait. @default 500 */
  reconnectInitialMs?: number;
}

const NO_DEMAND: ReadonlyMap<string, number> = new Map();

/** The Gearman part of the SIGUSR2 report. */
export interface GearmanLinkStatus {
  /** `host:port` of every configured server. */
  servers: string[];
  /** The connected ones. */
  connected: string[];
  /** Queued jobs per label at the last poll (empty before it, or without Gearman). */
  lastDemand: Record<string, number>;
  /** When the last poll answered (ISO time), or null. */
  lastDemandAt: string | null;
}

/** The Gearman client and demand poller of one launcher, following the config. */
export class GearmanLink {
  private client: GearmanClient | null = null;
  private demand: GearmanDemand | null = null;
  private unsubscribe: () => void = () => {};
  private key = '[]';
  private readonly log: Logger;

  constructor(private readonly options: GearmanLinkOptions) {
    this.log = getLogger(options.log, 'nodepool.GearmanClient');
  }

  /** The running client, if Gearman is configured. */
  get gearman(): GearmanClient | null {
    return this.client;
  }

  /** Servers, connections and the last demand, for diagnostics. */
  status(): GearmanLinkStatus {
    const at = this.demand?.lastPollAt ?? null;
    return {
      servers: this.client?.serverNames ?? [],
      connected: this.client?.connected().map((c) => c.name) ?? [],
      lastDemand: Object.fromEntries(this.demand?.lastDemand() ?? NO_DEMAND),
      lastDemandAt: at === null ? null : new Date(at).toISOString(),
    };
  }

  /** Applies `gearman-servers`: the client is created, updated in place, or stopped. */
  async configure(servers: readonly CompiledGearmanServer[]): Promise<void> {
    const key = JSON.stringify(servers.map((s) => `${s.host}:${s.port}`).sort());
    if (key === this.key) return;
    this.key = key;
    if (servers.length === 0) {
      this.log.info('No gearman-servers configured: no Zuul demand');
      await this.stop();
      return;
    }
    if (this.client !== null) {
      this.log.info(
        'Gearman servers changed: %s',
        servers.map((s) => `${s.host}:${s.port}`).join(', '),
      );
      await this.client.setServers(servers);
      return;
    }
    const client = new GearmanClient({
      servers,
      log: this.log,
      ...(this.options.reconnectInitialMs !== undefined
        ? { reconnectInitialMs: this.options.reconnectInitialMs }
        : {}),
    });
    const demand = new GearmanDemand(client, {
      intervalMs: this.options.pollIntervalMs ?? 5_000,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 10_000,
      log: this.log,
    });
    await client.start();
    await demand.start();
    this.unsubscribe = demand.onChange(() => this.options.onDemandChange());
    this.client = client;
    this.demand = demand;
    this.log.info(
      'Connecting to Gearman servers %s (not waiting)',
      servers.map((s) => `${s.host}:${s.port}`).join(', '),
    );
  }

  /** Stops the poller and the client (jobs in flight see a disconnect). */
  async stop(): Promise<void> {
    const { client, demand } = this;
    this.client = null;
    this.demand = null;
    this.unsubscribe();
    this.unsubscribe = () => {};
    for (const s of [demand, client]) {
      try {
        await s?.stop();
      } catch (err) {
        this.log.warn({ err }, 'Cannot stop the Gearman client cleanly');
      }
    }
  }

  /**
   * Demand per label for the pass: a fresh `status` from every connected server; with none
   * connected (or Gearman not configured) there is none. Throws only on abort.
   */
  demandSource(signal: () => AbortSignal): DemandSource {
    return async () => {
      const d = this.demand;
      if (d === null) return NO_DEMAND;
      return d.refresh({ signal: signal() });
    };
  }

  /** The launcher hooks for `assign-via-gearman` targets. */
  hooks(): Required<GearmanHooks> {
    return {
      assignNode: (info, opts) => this.assign(info, opts.signal),
      revokeNode: (node) => this.revoke(node),
    };
  }

  private requireClient(what: string): GearmanClient {
    if (this.client === null) {
      throw new NodepoolError(`Cannot ${what}: no gearman-servers are configured`, {
        code: 'ERR_GEARMAN_NOT_CONNECTED',
      });
    }
    return this.client;
  }

  private async assign(info: ReadyNodeInfo, signal?: AbortSignal): Promise<string> {
    const { node, label, target } = info;
    const client = this.requireClient(`assign node ${node.id} via Gearman`);
    const limit = AbortSignal.timeout(this.options.assignTimeoutMs ?? 300_000);
    this.log.info(
      { nodeId: node.id, target: target.name },
      'Node id: %d assigning via gearman',
      node.id,
    );
    const result = await assignNode(
      client,
      target.name,
      { name: node.nodename ?? '', host: node.ip ?? '', label: label.name, root: info.userHome },
      { signal: signal ? AbortSignal.any([signal, limit]) : limit },
    );
    this.log.info(
      { nodeId: node.id, manager: result.manager },
      'Node id: %d received %j from assignment',
      node.id,
      result.data,
    );
    return result.manager;
  }

  private async revoke(node: NodeRecord): Promise<void> {
    if (node.managerName === null || node.managerName === '') return;
    const client = this.requireClient(`revoke node ${node.id} from ${node.managerName}`);
    await revokeNode(client, node.managerName, node.nodename ?? '');
    this.log.info(
      { nodeId: node.id, manager: node.managerName },
      'Revoked node id: %d from %s',
      node.id,
      node.managerName,
    );
  }
}
