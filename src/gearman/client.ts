/**
 * The Gearman client (upstream 0.4.0 `nodepool.GearmanClient`, a gear `Client` with id
 * `nodepool`): one connection per `gearman-servers` entry, each re-made with back-off when
 * lost, job submission round-robin over the connected servers, and the admin `status`
 * command on every connected server.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CompiledGearmanServer } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { BaseService } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { GearmanConnection } from './connection.js';
import type { ConnectionOptions } from './connection.js';
import { NodepoolError } from '../errors.js';
import { gearmanStopped } from './errors.js';
import { GearmanJob } from './job.js';
import { PacketType } from './protocol.js';

/** Options of {@link GearmanClient}. */
export interface GearmanClientOptions {
  servers: readonly CompiledGearmanServer[];
  /** @default 'nodepool' */
  clientId?: string;
  /** @default a silent logger */
  log?: Logger;
  /** First reconnect wait, doubled per failure. @default 500 */
  reconnectInitialMs?: number;
  /** @default 10_000 */
  reconnectMaxMs?: number;
  /** @default 10_000 */
  connectTimeoutMs?: number;
  /** Period of the ECHO liveness probe per connection; 0 disables it. @default 30_000 */
  echoIntervalMs?: number;
  /** @default 10_000 */
  echoTimeoutMs?: number;
}

/** Options of {@link GearmanClient.submitJob}. */
export interface SubmitJobOptions {
  /** Unique id; a new random UUID (hex, no dashes) by default. */
  unique?: string;
  /** Background job: the server keeps it and the client gets no progress. @default false */
  background?: boolean;
  /** How long each server may take to answer JOB_CREATED. @default 30_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The admin `status` reply of one server. */
export interface ServerStatus {
  server: string;
  reply: string;
}

/** A Gearman client over several servers. `start()` does not wait for any connection. */
export class GearmanClient extends BaseService {
  private readonly conns = new Map<string, GearmanConnection>();
  private readonly listeners = new Set<() => void>();
  private readonly log: Logger;
  private readonly connOptions: ConnectionOptions;
  private servers: readonly CompiledGearmanServer[];
  private next = 0;

  constructor(options: GearmanClientOptions) {
    super();
    this.log = options.log ?? createLogger({ level: 'silent' });
    this.servers = options.servers;
    this.connOptions = {
      clientId: options.clientId ?? 'nodepool',
      reconnectInitialMs: options.reconnectInitialMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      echoIntervalMs: options.echoIntervalMs ?? 30_000,
      echoTimeoutMs: options.echoTimeoutMs ?? 10_000,
      log: this.log,
      onChange: () => this.notify(),
    };
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.log.debug({ from, to }, 'Gearman client %s', to);
  }

  protected doStart(): Promise<void> {
    this.apply(this.servers);
    return Promise.resolve();
  }

  protected async doStop(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  /** `host:port` of every configured server. */
  get serverNames(): string[] {
    return [...this.conns.keys()];
  }

  /** The connected servers, in configuration order. */
  connected(): GearmanConnection[] {
    return [...this.conns.values()].filter((c) => c.isConnected);
  }

  /** True when at least one server is connected. */
  get isConnected(): boolean {
    return this.connected().length > 0;
  }

  /**
   * Registers `fn` to be called whenever a server connects or disconnects.
   * @returns the unsubscribe function
   */
  onConnectionChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Replaces the server list (config reload): connections to removed servers are closed
   * (their jobs see a disconnect), new ones are opened, unchanged ones are kept.
   */
  async setServers(servers: readonly CompiledGearmanServer[]): Promise<void> {
    this.servers = servers;
    if (this.state !== 'running' && this.state !== 'starting') return;
    const removed = this.apply(servers);
    await Promise.all(removed.map((c) => c.close()));
    if (removed.length > 0) this.notify();
  }

  private apply(servers: readonly CompiledGearmanServer[]): GearmanConnection[] {
    const wanted = new Map(servers.map((s) => [`${s.host}:${s.port}`, s]));
    const removed: GearmanConnection[] = [];
    for (const [name, conn] of this.conns) {
      if (!wanted.has(name)) {
        this.conns.delete(name);
        removed.push(conn);
      }
    }
    for (const [name, s] of wanted) {
      if (this.conns.has(name)) continue;
      const conn = new GearmanConnection(s.host, s.port, this.connOptions);
      this.conns.set(name, conn);
      this.log.debug('Adding Gearman server %s', name);
      conn.start();
    }
    return removed;
  }

  private notify(): void {
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'Gearman connection listener failed');
      }
    }
  }

  /**
   * Waits until at least one server is connected.
   * @throws the signal's reason when it aborts (use `AbortSignal.timeout` for a limit)
   */
  async waitForServer(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.isConnected) return;
    const signals = [this.signal, ...(options.signal ? [options.signal] : [])];
    const signal = AbortSignal.any(signals);
    signal.throwIfAborted();
    let unsubscribe = (): void => {};
    let onAbort = (): void => {};
    try {
      await new Promise<void>((resolve, reject) => {
        unsubscribe = this.onConnectionChange(() => {
          if (this.isConnected) resolve();
        });
        onAbort = () => reject(this.signal.aborted ? gearmanStopped() : signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Submits a job to the next connected server, trying the others in turn when one fails or
   * refuses (as gear does). Resolves once a server created the job; use `job.wait()` for the
   * result of a foreground job.
   * @throws NodepoolError `ERR_GEARMAN_NOT_CONNECTED` when no server is connected, `ERR_GEARMAN`
   *   when every connected server failed (its cause is the last failure)
   */
  async submitJob(
    name: string,
    args: string | Buffer,
    options: SubmitJobOptions = {},
  ): Promise<GearmanJob> {
    if (this.state !== 'running')
      throw gearmanStopped(`Cannot submit Gearman job "${name}": client is ${this.state}`);
    const unique = options.unique ?? randomUUID().replaceAll('-', '');
    const job = new GearmanJob(
      name,
      unique,
      typeof args === 'string' ? Buffer.from(args, 'utf8') : args,
    );
    const conns = this.connected();
    if (conns.length === 0) {
      throw new NodepoolError(
        `Cannot submit Gearman job "${name}": no Gearman server is connected`,
        { code: 'ERR_GEARMAN_NOT_CONNECTED' },
      );
    }
    const type = options.background === true ? PacketType.SUBMIT_JOB_BG : PacketType.SUBMIT_JOB;
    let last: unknown;
    for (let i = 0; i < conns.length; i++) {
      const conn = conns[(this.next++ + i) % conns.length];
      if (conn === undefined) continue;
      try {
        job.handle = await conn.submit(type, [name, unique, job.args], job, {
          timeoutMs: options.timeoutMs ?? 30_000,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        job.server = conn.name;
        this.log.debug({ server: conn.name, handle: job.handle }, 'Submitted Gearman job %s', name);
        return job;
      } catch (err) {
        if (options.signal?.aborted) throw err;
        last = err;
        this.log.warn(
          { err, server: conn.name },
          'Cannot submit Gearman job %s to %s',
          name,
          conn.name,
        );
      }
    }
    throw new NodepoolError(`Cannot submit Gearman job "${name}": every connected server failed`, {
      code: 'ERR_GEARMAN',
      cause: last,
    });
  }

  /**
   * Sends the admin `status` command to every connected server. A server that fails or does
   * not answer within `timeoutMs` is skipped and its connection dropped (upstream does the
   * same; it waited 300 s).
   */
  async status(
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ServerStatus[]> {
    const replies = await Promise.all(
      this.connected().map(async (conn): Promise<ServerStatus | null> => {
        try {
          const reply = await conn.admin('status', 'dotted', {
            timeoutMs: options.timeoutMs ?? 30_000,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          return { server: conn.name, reply };
        } catch (err) {
          if (options.signal?.aborted) throw err;
          this.log.error(
            { err, server: conn.name },
            'Cannot list functions on Gearman server %s',
            conn.name,
          );
          conn.drop('status request failed');
          return null;
        }
      }),
    );
    return replies.filter((r): r is ServerStatus => r !== null);
  }
}
