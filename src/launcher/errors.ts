/** Errors of the launcher's own steps; cloud and SSH failures keep their own classes. */
import { NodepoolError } from '../errors.js';

/** A launch step failed for a reason nodepool itself detected; `statsKey` names the result. */
export class LaunchError extends NodepoolError {
  readonly nodeId: number;
  constructor(
    message: string,
    opts: { nodeId: number; statsKey: string; code?: string; cause?: unknown },
  ) {
    super(message, { code: opts.code ?? 'ERR_LAUNCH', statsKey: opts.statsKey, cause: opts.cause });
    this.nodeId = opts.nodeId;
  }
}

/** A node could not be deleted (yet); it stays in state `delete` for the next cleanup. */
export class DeleteError extends NodepoolError {
  readonly nodeId: number;
  constructor(message: string, opts: { nodeId: number; code?: string; cause?: unknown }) {
    super(message, { code: opts.code ?? 'ERR_DELETE', cause: opts.cause });
    this.nodeId = opts.nodeId;
  }
}

/** The result key a failed launch is reported under (docs/behaviour.md#launch-steps failure keys). */
export function launchResultKey(err: unknown): string {
  if (err instanceof NodepoolError && err.statsKey !== undefined) return err.statsKey;
  return 'error.unknown';
}
