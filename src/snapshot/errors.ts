/** Errors of the snapshot image area. */
import { NodepoolError } from '../errors.js';

/** A snapshot image update could not be made; `cause` holds the failing step's error. */
export class SnapshotImageError extends NodepoolError {
  readonly provider: string;
  readonly image: string;
  constructor(message: string, opts: { provider: string; image: string; code?: string; cause?: unknown }) {
    super(message, { code: opts.code ?? 'ERR_SNAPSHOT_IMAGE', cause: opts.cause });
    this.provider = opts.provider;
    this.image = opts.image;
  }
}
