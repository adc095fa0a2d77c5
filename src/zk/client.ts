/**
 * A promise API over `node-zookeeper-client`: one chroot for every server, session states as
 * typed events, and a fresh session after expiry. All paths are relative to the chroot.
 */
import type { Client, ZkException, ZkState } from 'node-zookeeper-client';
import type { Logger } from 'pino';
import type { CompiledZooKeeperServer } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { BaseService, delay, TaskGroup } from '../util/index.js';
import type { Service, ServiceState } from '../util/index.js';
import { NodepoolError } from '../errors.js';
import { buildConnectTarget, validatePath } from './connect-string.js';
import { watchConnection } from './connection-watchdog.js';
import { NodeExistsError, SessionExpiredError, zkErrorFor } from './errors.js';
import { zkLibrary } from './library.js';
import { ZkOperations, rawCreate } from './operations.js';
import type { RawInvoke } from './operations.js';

/** Where the connection is: `suspended` means the socket dropped but the session may live. */
export type ZkConnectionState = 'connecting' | 'connected' | 'suspended' | 'closed';

/**
 * A session event, as Kazoo's listener states: `connected` (first connect, reconnect, or a
 * new session after `lost`), `suspended` (connection dropped; ephemerals may still exist),
 * `lost` (the session expired: its ephemeral nodes, hence its locks, are gone), `closed`
 * (the client was stopped).
 */
export interface ZkSessionEvent {
  readonly kind: 'connected' | 'suspended' | 'lost' | 'closed';
  /** Hex id of the session the event is about. */
  readonly sessionId: string;
  /** Counts sessions: increases by one each time a new session is established. */
  readonly generation: number;
  /** On `connected`: true for a new session, false when an existing one was resumed. */
  readonly isNewSession: boolean;
}

/** Options of {@link ZkClient}. */
export interface ZkClientOptions {
  /** `zookeeper-servers` entries; every chroot must be the same. */
  readonly servers: readonly CompiledZooKeeperServer[];
  /** Requested session timeout. @default 10_000 (Kazoo's default) */
  readonly sessionTimeoutMs?: number;
  /** How long `start()` waits for the first session. @default 15_000 (Kazoo's default) */
  readonly connectTimeoutMs?: number;
  /** @default a silent logger */
  readonly log?: Logger;
}

/**
 * The ZooKeeper client Service. `start()` resolves once a session exists and the chroot has
 * been created (with all its levels) when missing. Afterwards reconnection is automatic and
 * unbounded, and a server that stays silent (no handshake answer, no ping reply) is dropped
 * and reconnected to (`connection-watchdog.ts`); a session that expires is replaced by a new
 * one. Requests made while disconnected wait for the connection; reads, writes of data and
 * deletes are retried after a connection loss, creates are not (they may have been applied).
 * Watches survive a reconnect but not a lost session (as with Kazoo): re-read after a `lost`
 * event.
 */
export class ZkClient extends ZkOperations implements Service {
  /** `host:port,...` as sent to the library, without chroot. */
  readonly hosts: string;
  /** Requested session timeout. */
  readonly sessionTimeoutMs: number;
  private readonly service: ClientService;

  /** @throws RangeError when the server list is empty or names inconsistent chroots. */
  constructor(options: ZkClientOptions) {
    const target = buildConnectTarget(options.servers);
    super(target.chroot);
    this.hosts = target.hosts;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.service = new ClientService(target.hosts, target.chroot, options);
  }

  protected request<T>(
    invoke: RawInvoke<T>,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return this.service.request(invoke, path, signal);
  }

  /** Service state (new, starting, running, stopping, stopped, failed). */
  get state(): ServiceState {
    return this.service.state;
  }
  /** Connection state of the current session. */
  get connectionState(): ZkConnectionState {
    return this.service.connection;
  }
  /** Session counter; compare before and after a long operation to detect a lost session. */
  get generation(): number {
    return this.service.generation;
  }
  /** Hex id of the current session, `''` when none. */
  get sessionId(): string {
    return this.service.sessionId;
  }
  /**
   * The session timeout the server granted (it clamps the requested one to its
   * min/maxSessionTimeout); the requested one until a session exists.
   */
  get negotiatedSessionTimeoutMs(): number {
    return this.service.negotiatedTimeoutMs() ?? this.sessionTimeoutMs;
  }
  /** True when connected now. */
  get isConnected(): boolean {
    return this.service.connection === 'connected';
  }

  start(): Promise<void> {
    return this.service.start();
  }
  /** Closes the session (its ephemeral nodes go at once) and fails waiting requests. */
  stop(): Promise<void> {
    return this.service.stop();
  }

  /** Subscribes to session events; returns the unsubscribe function. */
  onSessionEvent(listener: (event: ZkSessionEvent) => void): () => void {
    this.service.listeners.add(listener);
    return () => this.service.listeners.delete(listener);
  }

  /** Resolves when connected; rejects with `SessionExpiredError` once the client is closed. */
  waitConnected(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.service.waitConnected(options);
  }

  /** Runs best-effort background work (e.g. removing an abandoned lock contender). */
  background(name: string, fn: () => Promise<unknown>): void {
    this.service.tasks.spawn(name, fn);
  }

  /** For tests: the raw session id and password, to open a second handle on the session. */
  sessionCredentials(): { id: Buffer; password: Buffer } | null {
    return this.service.credentials();
  }
}

class ClientService extends BaseService {
  readonly listeners = new Set<(event: ZkSessionEvent) => void>();
  readonly tasks: TaskGroup;
  connection: ZkConnectionState = 'connecting';
  generation = 0;
  sessionId = '';
  private zk: Client | null = null;
  private stopWatchdog: () => void = () => {};
  private inflight = new Set<(err: Error) => void>();
  private readonly log: Logger;
  private readonly sessionTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly hosts: string,
    private readonly chroot: string,
    options: ZkClientOptions,
  ) {
    super();
    this.log = (options.log ?? createLogger({ level: 'silent' })).child({ component: 'zookeeper' });
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.tasks = new TaskGroup((err, name) =>
      this.log.debug({ err }, 'Background task %s failed', name),
    );
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.log.debug({ from, to }, 'ZooKeeper client %s', to);
  }

  protected async doStart(): Promise<void> {
    this.openSession();
    const timeout = AbortSignal.timeout(this.connectTimeoutMs);
    try {
      await this.waitConnected({ signal: AbortSignal.any([this.signal, timeout]) });
    } catch (err) {
      await this.closeSession();
      if (timeout.aborted)
        throw new NodepoolError(
          `Cannot connect to ZooKeeper at "${this.hosts}": no session within ${this.connectTimeoutMs} ms`,
          { code: 'ERR_ZK_CONNECT_TIMEOUT' },
        );
      throw err;
    }
    if (this.chroot === '') return;
    try {
      await this.ensureChroot();
    } catch (err) {
      await this.closeSession();
      throw err;
    }
  }

  protected async doStop(): Promise<void> {
    // Closing first makes pending cleanups fail fast; the closed session drops its ephemerals.
    await this.closeSession(5000);
    await this.tasks.drain();
  }

  negotiatedTimeoutMs(): number | null {
    const ms = this.zk?.getSessionTimeout();
    return ms === undefined || ms <= 0 || this.sessionId === '' ? null : ms;
  }

  credentials(): { id: Buffer; password: Buffer } | null {
    const zk = this.zk;
    return zk === null ? null : { id: zk.getSessionId(), password: zk.getSessionPassword() };
  }

  waitConnected(options: { signal?: AbortSignal }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { signal } = options;
      if (this.connection === 'connected') return resolve();
      if (this.connection === 'closed')
        return reject(new SessionExpiredError(undefined, { reason: 'client closed' }));
      if (signal?.aborted) return reject(signal.reason);
      const done = (err?: unknown): void => {
        this.listeners.delete(onEvent);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onEvent = (e: ZkSessionEvent): void => {
        if (e.kind === 'connected') done();
        else if (e.kind === 'closed')
          done(new SessionExpiredError(undefined, { reason: 'client closed' }));
      };
      const onAbort = (): void => done(signal?.reason);
      this.listeners.add(onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sends one request on the current session; see {@link RawInvoke}. */
  request<T>(invoke: RawInvoke<T>, path: string, signal: AbortSignal | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const zk = this.zk;
      if (zk === null) return reject(new SessionExpiredError(path, { reason: 'client closed' }));
      if (signal?.aborted) return reject(signal.reason);
      let settled = false;
      const finish = (err: unknown, value?: T): void => {
        if (settled) return;
        settled = true;
        this.inflight.delete(fail);
        signal?.removeEventListener('abort', onAbort);
        if (err === null) resolve(value as T);
        else reject(err);
      };
      const fail = (err: Error): void => finish(err);
      const onAbort = (): void => finish(signal?.reason);
      this.inflight.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        invoke(zk, (err: ZkException | null, value?: T) => {
          finish(err === null || err === undefined ? null : zkErrorFor(err.code, path, err), value);
        });
      } catch (err) {
        finish(err);
      }
    });
  }

  private async ensureChroot(): Promise<void> {
    // The chroot is created level by level on the raw (unchrooted) tree.
    const parts = this.chroot.split('/').slice(1);
    for (let i = 1; i <= parts.length; i++) {
      const abs = '/' + parts.slice(0, i).join('/');
      validatePath(abs);
      try {
        await this.request<string>(
          (zk, cb) => rawCreate(zk, abs, Buffer.alloc(0), 0, cb),
          abs,
          this.signal,
        );
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
  }

  private emit(kind: ZkSessionEvent['kind'], sessionId: string, isNewSession = false): void {
    const event: ZkSessionEvent = { kind, sessionId, generation: this.generation, isNewSession };
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err }, 'ZooKeeper session listener failed');
      }
    }
  }

  private openSession(): void {
    const zk = zkLibrary().createClient(this.hosts, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 1000,
      retries: 0,
    });
    this.zk = zk;
    this.inflight = new Set();
    this.connection = 'connecting';
    zk.on('state', (s: ZkState) => {
      if (this.zk === zk) this.onRawState(zk, s);
    });
    this.stopWatchdog = watchConnection(zk, {
      servers: this.hosts.split(',').length,
      onDrop: ({ phase, silentMs }) =>
        this.log.warn(
          { sessionId: this.sessionId, phase, silentMs },
          phase === 'handshake'
            ? 'ZooKeeper server accepted the connection but did not answer the handshake; reconnecting'
            : 'ZooKeeper server sent nothing (not even a ping reply); reconnecting',
        ),
    });
    zk.connect();
  }

  private onRawState(zk: Client, s: ZkState): void {
    const { State } = zkLibrary();
    if (s.code === State.SYNC_CONNECTED.code || s.code === State.CONNECTED_READ_ONLY.code) {
      const sid = zk.getSessionId().toString('hex');
      const isNew = sid !== this.sessionId;
      if (isNew) {
        this.generation += 1;
        this.sessionId = sid;
      }
      this.connection = 'connected';
      this.log[isNew && this.generation === 1 ? 'debug' : 'info'](
        { sessionId: sid },
        'ZooKeeper connection: CONNECTED',
      );
      this.emit('connected', sid, isNew);
    } else if (s.code === State.DISCONNECTED.code && this.connection === 'connected') {
      this.connection = 'suspended';
      this.log.warn({ sessionId: this.sessionId }, 'ZooKeeper connection: SUSPENDED');
      this.emit('suspended', this.sessionId);
    } else if (s.code === State.EXPIRED.code) {
      this.onExpired(zk);
    }
  }

  /** Fails this session's requests, tells everyone, and starts a new session. */
  private onExpired(zk: Client): void {
    const old = this.sessionId;
    this.detach(zk, new SessionExpiredError(undefined));
    this.sessionId = '';
    this.log.warn({ sessionId: old }, 'ZooKeeper connection: LOST (session expired)');
    if (this.state === 'starting' || this.state === 'running') this.openSession();
    this.emit('lost', old);
  }

  /**
   * Closes the session. With `waitMs`, waits (that long at most) until the server has closed
   * the connection, so the session's ephemeral nodes are gone when this resolves.
   */
  private async closeSession(waitMs = 0): Promise<void> {
    const zk = this.zk;
    if (zk === null) return;
    const old = this.sessionId;
    const wasConnected = this.connection === 'connected';
    const disconnected = new Promise<void>((resolve) => zk.once('disconnected', () => resolve()));
    this.detach(zk, new SessionExpiredError(undefined, { reason: 'client closed' }));
    this.connection = 'closed';
    this.emit('closed', old);
    if (!wasConnected || waitMs <= 0) return;
    const timer = new AbortController();
    try {
      await Promise.race([disconnected, delay(waitMs, { signal: timer.signal })]);
    } finally {
      timer.abort();
    }
  }

  private detach(zk: Client, err: Error): void {
    // Our 'state' listener ignores a client that is no longer `this.zk`.
    this.zk = null;
    this.stopWatchdog();
    for (const fail of [...this.inflight]) fail(err);
    this.inflight.clear();
    try {
      zk.close();
    } catch (closeErr) {
      // The library throws when closing before its socket exists; nothing is left to close.
      this.log.debug({ err: closeErr }, 'Closing the ZooKeeper session failed');
    }
  }
}
