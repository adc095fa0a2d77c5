/**
 * Kazoo's exclusive `Lock` recipe, node for node, so that Python (Kazoo) and TypeScript
 * processes exclude each other on the same lock path (docs/behaviour.md#locks):
 * contenders `<lockpath>/<uuid4 hex>__lock__<10-digit seq>`, ephemeral + sequential, data =
 * identifier (empty by default); the lowest sequence holds the lock; the others watch their
 * predecessor. A session that expires releases the lock on the server, so the holder is told
 * through {@link ZkLock.signal}.
 */
import { randomUUID } from 'node:crypto';
import { illegalStateError, NodepoolError } from '../errors.js';
import { untilAborted } from '../util/index.js';
import type { ZkClient, ZkSessionEvent } from './client.js';
import { ConnectionLossError, NoNodeError, SessionExpiredError } from './errors.js';

/** Kazoo's contender marker for exclusive locks. Never `__rlock__` (docs/behaviour.md#locks). */
export const LOCK_NODE_MARKER = '__lock__';
const CONTENDER_RE = /__lock__(-?\d{10})$/;

/** Options of {@link ZkLock.acquire}. */
export interface LockAcquireOptions {
  /** Wait for the lock; false returns at once. @default true */
  readonly blocking?: boolean;
  /** With `blocking`, give up after this long with `ERR_ZK_LOCK_TIMEOUT`. @default no limit */
  readonly timeoutMs?: number;
  /** Aborting gives up (rejects with `signal.reason`) and removes our contender. */
  readonly signal?: AbortSignal;
}

/** Internal: our contender node vanished (an old session's ephemeral); start over. */
class RetryAcquire extends Error {}

/** A one-shot latch set by a watch or a session event. */
function latch(): { promise: Promise<void>; set: () => void } {
  let set = (): void => {};
  const promise = new Promise<void>((resolve) => (set = resolve));
  return { promise, set };
}

/**
 * One exclusive lock on `path`. A `ZkLock` object is one contender: it can be acquired,
 * released and acquired again, but not by two callers at once.
 */
export class ZkLock {
  /** Chroot-relative lock path (the parent of the contender nodes). */
  readonly path: string;
  /** Written as the contender's data (Kazoo's `identifier`). */
  readonly identifier: string;
  private readonly prefix = randomUUID().replace(/-/g, '') + LOCK_NODE_MARKER;
  private node: string | null = null;
  private acquired = false;
  private busy = false;
  private held: AbortController = new AbortController();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly client: ZkClient,
    path: string,
    options: { identifier?: string } = {},
  ) {
    this.path = path;
    this.identifier = options.identifier ?? '';
  }

  /** True while held by this object and its session is alive. */
  get isAcquired(): boolean {
    return this.acquired;
  }

  /** Name of our contender node (e.g. `8f14...__lock__0000000007`), or null. */
  get nodeName(): string | null {
    return this.node;
  }

  /**
   * Aborts (reason: a `ERR_ZK_LOCK_LOST` error) when the session that holds the lock expires or the
   * client is stopped. Pass it to the work done under the lock. A new signal per acquisition.
   */
  get signal(): AbortSignal {
    return this.held.signal;
  }

  /**
   * Tries to take the lock. Resolves true when held, false when `blocking` is false and
   * someone else holds it. Our contender node is removed whenever we do not end up holding.
   *
   * @throws `ERR_ZK_LOCK_TIMEOUT` when `timeoutMs` passes first; `signal.reason` on abort;
   *   NodepoolError ERR_ILLEGAL_STATE when this object already holds or is acquiring.
   */
  async acquire(options: LockAcquireOptions = {}): Promise<boolean> {
    const blocking = options.blocking ?? true;
    if (this.acquired || this.busy) {
      throw illegalStateError(
        `Cannot acquire lock "${this.path}": this contender is already ${this.acquired ? 'holding' : 'acquiring'} it`,
        this.acquired ? 'held' : 'acquiring',
      );
    }
    this.busy = true;
    const timeout =
      blocking && options.timeoutMs !== undefined
        ? AbortSignal.timeout(options.timeoutMs)
        : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
    try {
      const gotten = await this.acquireRetrying(blocking, signal);
      if (gotten) this.markHeld();
      else await this.cleanup();
      return gotten;
    } catch (err) {
      await this.cleanup();
      if (timeout?.aborted === true && options.signal?.aborted !== true) {
        throw new NodepoolError(
          `Timeout trying to acquire lock "${this.path}": not acquired within ${options.timeoutMs ?? 0} ms`,
          { code: 'ERR_ZK_LOCK_TIMEOUT', details: { lockPath: this.path } },
        );
      }
      throw err;
    } finally {
      this.busy = false;
    }
  }

  /**
   * As {@link acquire}, but a busy lock (non-blocking) throws `ERR_ZK_LOCK_BUSY`, as
   * upstream's `ZKLockException("Did not get lock on ...")`.
   */
  async acquireOrThrow(options: LockAcquireOptions = {}): Promise<void> {
    if (!(await this.acquire(options))) {
      // Upstream's ZKLockException: someone else is working on it; callers skip.
      throw new NodepoolError(`Did not get lock on "${this.path}"`, {
        code: 'ERR_ZK_LOCK_BUSY',
        details: { lockPath: this.path },
      });
    }
  }

  /** Releases the lock by deleting our contender. Resolves false when not held. */
  async release(): Promise<boolean> {
    if (!this.acquired) return false;
    const node = this.node;
    this.markReleased();
    this.node = null;
    if (node !== null) {
      try {
        await this.client.delete(`${this.path}/${node}`);
      } catch (err) {
        // Gone already (e.g. the session expired meanwhile): the lock is free either way.
        if (!(err instanceof NoNodeError) && !(err instanceof SessionExpiredError)) throw err;
      }
    }
    return true;
  }

  /**
   * Contender node names in lock order, holder first (Kazoo's `contenders()` reads their
   * data instead). Empty when nobody holds or waits.
   */
  async contenders(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    let children: string[];
    try {
      children = await this.client.getChildren(this.path, options);
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    const seq = (c: string): string => CONTENDER_RE.exec(c)?.[1] ?? '~';
    return children.filter((c) => CONTENDER_RE.test(c)).sort((a, b) => (seq(a) < seq(b) ? -1 : 1));
  }

  /** Kazoo's `acquire` retry loop: connection loss and session loss start over. */
  private async acquireRetrying(
    blocking: boolean,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let createTried = false;
    await this.client.mkdirp(this.path, { signal });
    for (;;) {
      try {
        let node: string | null = null;
        if (createTried) node = await this.findNode(signal);
        createTried = true;
        node ??= await this.createContender(signal);
        this.node = node;
        return await this.waitTurn(node, blocking, signal);
      } catch (err) {
        const retry =
          err instanceof RetryAcquire ||
          err instanceof ConnectionLossError ||
          (err instanceof SessionExpiredError && this.client.state === 'running');
        if (!retry || signal?.aborted === true) throw err;
        await this.client.waitConnected({ signal });
      }
    }
  }

  private async createContender(signal: AbortSignal | undefined): Promise<string> {
    const creating = this.client.create(`${this.path}/${this.prefix}`, {
      data: this.identifier,
      mode: 'ephemeral_sequential',
    });
    try {
      const created = await untilAborted(creating, signal);
      return created.slice(this.path.length + 1);
    } catch (err) {
      if (signal?.aborted === true) {
        // The request may still be applied later: remove whatever it creates.
        this.client.background(`remove abandoned contender under ${this.path}`, async () => {
          const late = await creating;
          await this.client.delete(late);
        });
      }
      throw err;
    }
  }

  /** Loops until our node is first; false at once when not blocking and not first. */
  private async waitTurn(
    node: string,
    blocking: boolean,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    for (;;) {
      const wake = latch();
      const onSession = (): void => wake.set();
      const predecessor = await this.predecessor(node, signal);
      if (predecessor === null) return true;
      if (!blocking) return false;
      // Any session event also wakes us, as Kazoo's `_watch_session`.
      const unsubscribe = this.client.onSessionEvent(onSession);
      try {
        await this.client.get(`${this.path}/${predecessor}`, { watch: () => wake.set(), signal });
        await untilAborted(wake.promise, signal);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      } finally {
        unsubscribe();
      }
    }
  }

  /**
   * The contender just before ours (largest sequence below ours), or null when we are
   * first. Only `__lock__` contenders count, as Kazoo's exclusive Lock.
   */
  private async predecessor(node: string, signal: AbortSignal | undefined): Promise<string | null> {
    const ourSeq = node.slice(this.prefix.length);
    const children = await this.client.getChildren(this.path, { signal });
    let found = false;
    let best: { seq: string; name: string } | null = null;
    for (const child of children) {
      if (child === node) found = true;
      const seq = CONTENDER_RE.exec(child)?.[1];
      if (seq !== undefined && seq < ourSeq && (best === null || seq > best.seq))
        best = { seq, name: child };
    }
    if (!found) throw new RetryAcquire();
    return best?.name ?? null;
  }

  private async findNode(signal: AbortSignal | undefined): Promise<string | null> {
    const children = await this.client.getChildren(this.path, { signal });
    return children.find((c) => c.startsWith(this.prefix)) ?? null;
  }

  /** Best effort: remove our contender (ours, or found by prefix after a lost reply). */
  private async cleanup(): Promise<void> {
    try {
      const node = this.node ?? (await this.findNode(undefined));
      if (node !== null) await this.client.delete(`${this.path}/${node}`);
    } catch {
      // Best effort, as Kazoo: an expired session already removed it; nothing else to do.
    }
    this.node = null;
  }

  private markHeld(): void {
    this.acquired = true;
    this.held = new AbortController();
    const generation = this.client.generation;
    const onSession = (e: ZkSessionEvent): void => {
      if (
        e.kind === 'closed' ||
        e.kind === 'lost' ||
        (e.kind === 'connected' && e.generation !== generation)
      ) {
        const reason =
          e.kind === 'closed'
            ? 'the ZooKeeper client was stopped'
            : 'the ZooKeeper session expired';
        this.markReleased();
        this.node = null;
        this.held.abort(
          new NodepoolError(`Lost lock "${this.path}": ${reason}`, {
            code: 'ERR_ZK_LOCK_LOST',
            details: { lockPath: this.path },
          }),
        );
      }
    };
    this.unsubscribe = this.client.onSessionEvent(onSession);
  }

  private markReleased(): void {
    this.acquired = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

/**
 * Runs `fn` while holding `lock` (upstream's lock context managers), passing the lock's
 * loss signal; releases afterwards whatever happens.
 *
 * @throws NodepoolError `ERR_ZK_LOCK_BUSY` (busy, non-blocking) or `ERR_ZK_LOCK_TIMEOUT`
 */
export async function withLock<T>(
  lock: ZkLock,
  options: LockAcquireOptions,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  await lock.acquireOrThrow(options);
  try {
    return await fn(lock.signal);
  } finally {
    await lock.release();
  }
}
