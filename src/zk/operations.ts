/**
 * The znode operations of {@link ZkClient}, as promises over chroot-relative paths. Kept apart
 * from the session handling in `client.ts`.
 */
import type { Client, ZkEvent, ZkException, ZkStat as RawStat } from 'node-zookeeper-client';
import { parentPath, toAbsolute, toRelative, validatePath } from './connect-string.js';
import { ConnectionLossError, NoNodeError, NodeExistsError, zkErrorFor } from './errors.js';
import { zkJute, zkLibrary } from './library.js';

/** Calls one library method on `zk` and reports through `done`. */
export type RawInvoke<T> = (zk: Client, done: (err: ZkException | null, value?: T) => void) => void;

/** How a znode is created. Sequential modes append a 10-digit counter kept by the parent. */
export type ZkCreateMode =
  'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

const MODE_FLAGS: Record<ZkCreateMode, number> = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
};

/** The parts of a znode's stat the port uses. */
export interface ZkStat {
  /** Data version, for conditional `set` and `delete`. */
  readonly version: number;
  /** Child version; the parent's sequence counter follows it. */
  readonly cversion: number;
  readonly numChildren: number;
  readonly dataLength: number;
  /** Hex session id owning an ephemeral node; all zeros for persistent nodes. */
  readonly ephemeralOwner: string;
  readonly ctimeMs: number;
  readonly mtimeMs: number;
}

/** What a watch reports. Watches fire once; `path` is chroot-relative. */
export interface ZkWatchEvent {
  readonly type: 'created' | 'deleted' | 'changed' | 'children';
  readonly path: string;
}

/** A one-shot watch callback. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** Options common to every operation. */
export interface ZkCallOptions {
  readonly signal?: AbortSignal;
}

/** Options of reads that can leave a watch. */
export interface ZkWatchOptions extends ZkCallOptions {
  readonly watch?: ZkWatcher;
}

/** Options of {@link ZkOperations.create}. */
export interface ZkCreateOptions extends ZkCallOptions {
  /** @default empty */
  readonly data?: Buffer | string;
  /** @default 'persistent' */
  readonly mode?: ZkCreateMode;
  /** Create missing parents (persistent, empty), as Kazoo's `makepath`. @default false */
  readonly makeParents?: boolean;
}

/** Options of versioned writes. */
export interface ZkVersionOptions extends ZkCallOptions {
  /** Expected data version; -1 matches any. @default -1 */
  readonly version?: number;
}

/** One operation of {@link ZkOperations.multi}. */
export type ZkMultiOp =
  | {
      readonly op: 'create';
      readonly path: string;
      readonly data?: Buffer | string;
      readonly mode?: 'persistent' | 'ephemeral';
    }
  | { readonly op: 'delete'; readonly path: string; readonly version?: number };

/** Options of {@link ZkOperations.delete}. */
export interface ZkDeleteOptions extends ZkVersionOptions {
  /** Delete children first, ignoring ones already gone. @default false */
  readonly recursive?: boolean;
}

const EVENT_TYPES: Record<number, ZkWatchEvent['type']> = {
  1: 'created',
  2: 'deleted',
  3: 'changed',
  4: 'children',
};

function int64(buf: Buffer): number {
  return buf.length === 8 ? Number(buf.readBigInt64BE(0)) : 0;
}

function toStat(raw: RawStat): ZkStat {
  return {
    version: raw.version,
    cversion: raw.cversion,
    numChildren: raw.numChildren,
    dataLength: raw.dataLength,
    ephemeralOwner: raw.ephemeralOwner.toString('hex'),
    ctimeMs: int64(raw.ctime),
    mtimeMs: int64(raw.mtime),
  };
}

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * Sends a create request without the library's path check, which rejects the trailing `/`
 * that sequential creates need to produce bare 10-digit child names (docs/behaviour.md#the-image-tree).
 */
export function rawCreate(
  zk: Client,
  absPath: string,
  data: Buffer,
  flags: number,
  done: (err: ZkException | null, value?: string) => void,
): void {
  const jute = zkJute();
  const header = new jute.protocol.RequestHeader();
  header.type = jute.OP_CODES.CREATE;
  const payload = new jute.protocol.CreateRequest();
  payload.path = absPath;
  payload.acl = zkLibrary().ACL.OPEN_ACL_UNSAFE.map((a) => a.toRecord());
  payload.flags = flags;
  payload.data = data;
  zk.connectionManager.queue(new jute.Request(header, payload), (err, response) => {
    if (err !== null && err !== undefined) done(err);
    else done(null, response?.payload.path);
  });
}

/** Promise API over chroot-relative paths; subclasses send the requests. */
export abstract class ZkOperations {
  /** `''` or the absolute chroot, e.g. `/nodepool`. */
  readonly chroot: string;

  protected constructor(chroot: string) {
    this.chroot = chroot;
  }

  /** Sends one request on the current session. */
  protected abstract request<T>(
    invoke: RawInvoke<T>,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<T>;

  /** Resolves when connected. */
  abstract waitConnected(options?: { signal?: AbortSignal }): Promise<void>;

  private abs(path: string): string {
    return toAbsolute(this.chroot, path);
  }

  private wrapWatcher(watch: ZkWatcher | undefined): ((e: ZkEvent) => void) | undefined {
    if (watch === undefined) return undefined;
    return (e: ZkEvent) => {
      const type = EVENT_TYPES[e.type];
      if (type !== undefined) watch({ type, path: toRelative(this.chroot, e.path) });
    };
  }

  /** Runs a request again after a connection loss, once the connection is back. */
  private async retrying<T>(
    path: string,
    invoke: RawInvoke<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (;;) {
      try {
        return await this.request(invoke, path, signal);
      } catch (err) {
        if (!(err instanceof ConnectionLossError) || signal?.aborted === true) throw err;
        await this.waitConnected({ signal });
      }
    }
  }

  /**
   * Creates a znode and returns its chroot-relative path (with the sequence number for
   * sequential modes). A sequential path may end in `/` to get a bare number as the name.
   * Not retried after a connection loss (it may have been applied).
   *
   * @throws NodeExistsError, NoNodeError (parent missing without `makeParents`), ConnectionLossError
   */
  async create(path: string, options: ZkCreateOptions = {}): Promise<string> {
    const mode = options.mode ?? 'persistent';
    validatePath(path, mode.endsWith('_sequential'));
    const data = toBuffer(options.data);
    for (let attempt = 0; ; attempt++) {
      try {
        const abs = this.abs(path);
        const created = await this.request<string>(
          (zk, cb) => rawCreate(zk, abs, data, MODE_FLAGS[mode], cb),
          path,
          options.signal,
        );
        return toRelative(this.chroot, created);
      } catch (err) {
        if (!(err instanceof NoNodeError) || options.makeParents !== true || attempt > 0) throw err;
        await this.mkdirp(parentPath(path), { signal: options.signal });
      }
    }
  }

  /**
   * Reads a znode's data and stat; `watch` fires on its next change or deletion.
   *
   * @throws NoNodeError
   */
  get(path: string, options: ZkWatchOptions = {}): Promise<{ data: Buffer; stat: ZkStat }> {
    validatePath(path);
    const watcher = this.wrapWatcher(options.watch);
    return this.retrying<{ data: Buffer; stat: ZkStat }>(
      path,
      (zk, cb) =>
        zk.getData(this.abs(path), watcher, (err, data, stat) =>
          err
            ? cb(err)
            : cb(null, { data: data ?? Buffer.alloc(0), stat: toStat(stat as RawStat) }),
        ),
      options.signal,
    );
  }

  /**
   * Replaces a znode's data.
   *
   * @throws NoNodeError, BadVersionError
   */
  set(path: string, data: Buffer | string, options: ZkVersionOptions = {}): Promise<ZkStat> {
    validatePath(path);
    const buf = toBuffer(data);
    return this.retrying<ZkStat>(
      path,
      (zk, cb) =>
        zk.setData(this.abs(path), buf, options.version ?? -1, (err, stat) =>
          err ? cb(err) : cb(null, toStat(stat as RawStat)),
        ),
      options.signal,
    );
  }

  /** Returns the stat, or null when missing; `watch` fires on creation, change or deletion. */
  exists(path: string, options: ZkWatchOptions = {}): Promise<ZkStat | null> {
    validatePath(path);
    const watcher = this.wrapWatcher(options.watch);
    return this.retrying<ZkStat | null>(
      path,
      (zk, cb) =>
        zk.exists(this.abs(path), watcher, (err, stat) =>
          err ? cb(err) : cb(null, stat === null || stat === undefined ? null : toStat(stat)),
        ),
      options.signal,
    );
  }

  /**
   * Lists child names in server order (unspecified); `watch` fires when children change.
   *
   * @throws NoNodeError
   */
  getChildren(path: string, options: ZkWatchOptions = {}): Promise<string[]> {
    validatePath(path);
    const watcher = this.wrapWatcher(options.watch);
    return this.retrying<string[]>(
      path,
      (zk, cb) =>
        zk.getChildren(this.abs(path), watcher, (err, children) =>
          err ? cb(err) : cb(null, children ?? []),
        ),
      options.signal,
    );
  }

  /**
   * Deletes a znode; `recursive` removes its subtree first (children already gone are fine).
   *
   * @throws NoNodeError, BadVersionError, ZooKeeperError `ERR_ZK_NOT_EMPTY`
   */
  async delete(path: string, options: ZkDeleteOptions = {}): Promise<void> {
    validatePath(path);
    if (options.recursive === true) {
      const children = await this.getChildren(path, { signal: options.signal });
      for (const child of children) {
        try {
          await this.delete(`${path === '/' ? '' : path}/${child}`, {
            recursive: true,
            signal: options.signal,
          });
        } catch (err) {
          if (!(err instanceof NoNodeError)) throw err;
        }
      }
    }
    if (path === '/') return;
    await this.retrying<void>(
      path,
      (zk, cb) => zk.remove(this.abs(path), options.version ?? -1, (err) => cb(err)),
      options.signal,
    );
  }

  /**
   * Applies `ops` in one ZooKeeper transaction: all of them or none. One round trip and one
   * write to the ensemble's log however many ops, which is what makes handing thousands of
   * znodes over cheap. Not retried after a connection loss (it may have been applied).
   *
   * @throws the error of the first op that failed (NodeExistsError, NoNodeError, ...) with
   *   that op's path; ConnectionLossError
   */
  async multi(ops: readonly ZkMultiOp[], options: ZkCallOptions = {}): Promise<void> {
    if (ops.length === 0) return;
    for (const o of ops) validatePath(o.path);
    const failure = await this.request<{ index: number; code: number } | null>(
      (zk, cb) => {
        const t = zk.transaction();
        for (const o of ops) {
          if (o.op === 'create')
            t.create(this.abs(o.path), toBuffer(o.data), MODE_FLAGS[o.mode ?? 'persistent']);
          else t.remove(this.abs(o.path), o.version ?? -1);
        }
        t.commit((err, results) => {
          const index = results?.findIndex((r) => r.err !== undefined && r.err !== 0) ?? -1;
          if (index >= 0) cb(null, { index, code: results![index]!.err! });
          else cb(err);
        });
      },
      ops[0]!.path,
      options.signal,
    );
    if (failure !== null && failure !== undefined)
      throw zkErrorFor(failure.code, ops[failure.index]!.path);
  }

  /** Creates `path` and any missing ancestors (persistent, empty data), as Kazoo's `ensure_path`. */
  async mkdirp(path: string, options: ZkCallOptions = {}): Promise<void> {
    validatePath(path);
    if (path === '/') return;
    if ((await this.exists(path, options)) !== null) return;
    const parts = path.split('/').slice(1);
    for (let i = 1; i <= parts.length; i++) {
      const level = '/' + parts.slice(0, i).join('/');
      for (;;) {
        try {
          await this.create(level, { signal: options.signal });
        } catch (err) {
          if (err instanceof ConnectionLossError && options.signal?.aborted !== true) {
            // Idempotent: try again once connected; an applied create shows up as NodeExists.
            await this.waitConnected({ signal: options.signal });
            continue;
          }
          if (!(err instanceof NodeExistsError)) throw err;
        }
        break;
      }
    }
  }
}
