/**
 * Errors of the Gearman client: plain `NodepoolError`s with an `ERR_GEARMAN_*` code (see
 * docs/errors.md); no caller tells them apart by class. `details.server` is `host:port` when
 * one server is concerned.
 */
import { NodepoolError } from '../errors.js';

/** How a foreground job ended without success. */
export type GearmanJobFailure = 'fail' | 'exception' | 'disconnect';

/** The client (or the one connection) is stopping or stopped. */
export function gearmanStopped(
  message = 'Cannot use the Gearman client: it is stopped',
): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_GEARMAN_STOPPED' });
}
