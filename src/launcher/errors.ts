/** Errors of the launcher's own steps; cloud and SSH failures keep their own classes. */
import { NodepoolError } from '../errors.js';

/**
 * A launch step failed for a reason nodepool itself detected (ERR_LAUNCH unless `code` says
 * more); `statsKey` names the result, `details.nodeId` the node.
 */
export function launchError(
  message: string,
  opts: { nodeId: number; statsKey: string; code?: string; cause?: unknown },
): NodepoolError {
  return new NodepoolError(message, {
    code: opts.code ?? 'ERR_LAUNCH',
    statsKey: opts.statsKey,
    cause: opts.cause,
    details: { nodeId: opts.nodeId },
  });
}

/**
 * A node could not be deleted (yet); it stays in state `delete` for the next cleanup
 * (ERR_DELETE unless `code` says more; `details.nodeId` names the node).
 */
export function deleteError(
  message: string,
  opts: { nodeId: number; code?: string; cause?: unknown },
): NodepoolError {
  return new NodepoolError(message, {
    code: opts.code ?? 'ERR_DELETE',
    cause: opts.cause,
    details: { nodeId: opts.nodeId },
  });
}

/** The result key a failed launch is reported under (docs/behaviour.md#launch-steps failure keys). */
export function launchResultKey(err: unknown): string {
  if (err instanceof NodepoolError && err.statsKey !== undefined) return err.statsKey;
  return 'error.unknown';
}
