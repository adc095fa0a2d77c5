/**
 * Error classes shared by every area. Each carries a stable `code` that the CLI and logs key
 * on (every code is listed in `error-codes.ts` and docs/errors.md); the message is for people
 * and may change. A subclass exists only where some caller tells it apart with `instanceof`;
 * everything else is a plain {@link NodepoolError} with its code.
 */

/** Options accepted by every {@link NodepoolError}. */
export interface NodepoolErrorOptions {
  code: string;
  cause?: unknown;
  /** Launch/delete result key reported to statsd, e.g. `error.quota`. */
  statsKey?: string;
  /** Facts for logs and callers (`{ server, job }`); pino prints them with the error. */
  details?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Base of all errors this project throws on purpose. */
export class NodepoolError extends Error {
  readonly code: string;
  readonly statsKey?: string;
  readonly details?: Readonly<Record<string, string | number | boolean | undefined>>;

  constructor(message: string, opts: NodepoolErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    if (opts.statsKey !== undefined) this.statsKey = opts.statsKey;
    if (opts.details !== undefined) this.details = opts.details;
  }
}

/** A command-line usage problem (bad argument, unknown id format): ERR_USAGE, exit status 2. */
export function usageError(message: string, opts: { cause?: unknown } = {}): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_USAGE', ...opts });
}

/** Something the operator asked for does not exist ("Node 7 not found."): ERR_NOT_FOUND, exit status 1. */
export function notFoundError(message: string, opts: { cause?: unknown } = {}): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_NOT_FOUND', ...opts });
}

/**
 * An operation is not allowed in the object's current state: ERR_ILLEGAL_STATE, with the state
 * in `details.state`.
 */
export function illegalStateError(message: string, state: string): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_ILLEGAL_STATE', details: { state } });
}

/** The graceful stop took longer than allowed, or a second signal arrived: ERR_SHUTDOWN_TIMEOUT. */
export function shutdownTimeoutError(message: string): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_SHUTDOWN_TIMEOUT' });
}

/** Returns a one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
