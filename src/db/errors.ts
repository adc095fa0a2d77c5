import { NodepoolError } from '../errors.js';

/**
 * A `dburi` is malformed or names a database we cannot use. The message names the scheme
 * and never contains the password.
 */
export class DbUriError extends NodepoolError {
  /** The scheme as written (`mysql+pymysql`), when one could be read. */
  readonly scheme?: string;

  constructor(message: string, opts: { scheme?: string; cause?: unknown } = {}) {
    super(message, { code: 'ERR_DBURI_INVALID', cause: opts.cause });
    if (opts.scheme !== undefined) this.scheme = opts.scheme;
  }
}
