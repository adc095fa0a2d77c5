/**
 * Errors of the ZooKeeper area. Every one carries a stable `code`; `ZooKeeperError.zkCode`
 * keeps the server's numeric error code when there is one. Subclasses exist for the
 * conditions callers test with `instanceof`; the rest are `ZooKeeperError`s with a code.
 */
import { NodepoolError } from '../errors.js';

/** Numeric ZooKeeper error codes the port acts on (from the ZooKeeper protocol). */
export const ZK_CODES = {
  CONNECTION_LOSS: -4,
  NO_NODE: -101,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
} as const;

/** A ZooKeeper request failed. `path` is relative to the chroot. */
export class ZooKeeperError extends NodepoolError {
  /** Server or client error code (e.g. -101 for NoNode), or 0 when not from ZooKeeper. */
  readonly zkCode: number;
  readonly path?: string;

  constructor(
    message: string,
    opts: { zkCode?: number; path?: string; code?: string; cause?: unknown } = {},
  ) {
    super(message, { code: opts.code ?? 'ERR_ZOOKEEPER', cause: opts.cause });
    this.zkCode = opts.zkCode ?? 0;
    if (opts.path !== undefined) this.path = opts.path;
  }
}

/** The znode does not exist. */
export class NoNodeError extends ZooKeeperError {
  constructor(path: string, opts: { cause?: unknown } = {}) {
    super(`Cannot find znode "${path}"`, {
      zkCode: ZK_CODES.NO_NODE,
      path,
      code: 'ERR_ZK_NO_NODE',
      ...opts,
    });
  }
}

/** The znode already exists. */
export class NodeExistsError extends ZooKeeperError {
  constructor(path: string, opts: { cause?: unknown } = {}) {
    super(`Cannot create znode "${path}": it already exists`, {
      zkCode: ZK_CODES.NODE_EXISTS,
      path,
      code: 'ERR_ZK_NODE_EXISTS',
      ...opts,
    });
  }
}

/** A versioned write or delete found another version (someone else wrote first). */
export class BadVersionError extends ZooKeeperError {
  constructor(path: string, opts: { cause?: unknown } = {}) {
    super(`Cannot update znode "${path}": its version changed`, {
      zkCode: ZK_CODES.BAD_VERSION,
      path,
      code: 'ERR_ZK_BAD_VERSION',
      ...opts,
    });
  }
}

/**
 * The connection dropped while a request was in flight; it may or may not have been applied.
 * The session may still be alive (state `suspended`).
 */
export class ConnectionLossError extends ZooKeeperError {
  constructor(path: string | undefined, opts: { cause?: unknown } = {}) {
    super(
      `Cannot complete ZooKeeper request${path === undefined ? '' : ` on "${path}"`}: connection lost`,
      {
        zkCode: ZK_CODES.CONNECTION_LOSS,
        code: 'ERR_ZK_CONNECTION_LOSS',
        ...(path === undefined ? {} : { path }),
        ...opts,
      },
    );
  }
}

/** The session expired (or the client was closed): every ephemeral node of it is gone. */
export class SessionExpiredError extends ZooKeeperError {
  constructor(path: string | undefined, opts: { cause?: unknown; reason?: string } = {}) {
    super(
      `Cannot complete ZooKeeper request${path === undefined ? '' : ` on "${path}"`}: ${opts.reason ?? 'session expired'}`,
      {
        zkCode: ZK_CODES.SESSION_EXPIRED,
        code: 'ERR_ZK_SESSION_EXPIRED',
        ...(path === undefined ? {} : { path }),
        cause: opts.cause,
      },
    );
  }
}

/** Maps a ZooKeeper error code to the matching error class. */
export function zkErrorFor(
  zkCode: number,
  path: string | undefined,
  cause?: unknown,
): ZooKeeperError {
  const p = path ?? '/';
  switch (zkCode) {
    case ZK_CODES.NO_NODE:
      return new NoNodeError(p, { cause });
    case ZK_CODES.NODE_EXISTS:
      return new NodeExistsError(p, { cause });
    case ZK_CODES.BAD_VERSION:
      return new BadVersionError(p, { cause });
    case ZK_CODES.NOT_EMPTY:
      return new ZooKeeperError(`Cannot delete znode "${p}": it has children`, {
        zkCode: ZK_CODES.NOT_EMPTY,
        path: p,
        code: 'ERR_ZK_NOT_EMPTY',
        cause,
      });
    case ZK_CODES.CONNECTION_LOSS:
      return new ConnectionLossError(path, { cause });
    case ZK_CODES.SESSION_EXPIRED:
      return new SessionExpiredError(path, { cause });
    default:
      return new ZooKeeperError(`ZooKeeper request on "${p}" failed with code ${zkCode}`, {
        zkCode,
        path: p,
        cause,
      });
  }
}
