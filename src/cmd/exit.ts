import { NodepoolError } from '../errors.js';
import { ConfigError, formatProblem } from '../config/index.js';

/** Exit status for an error: 2 for usage and configuration problems, 1 for the rest. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof NodepoolError) {
    return err.code === 'ERR_USAGE' || err.code === 'ERR_CONFIG_INVALID' ? 2 : 1;
  }
  return 1;
}

/**
 * Renders an error for the terminal: our own errors as their message (every config problem
 * on its own line), anything else with its stack. `debug` always adds the stack.
 */
export function renderError(err: unknown, debug: boolean): string {
  if (err instanceof ConfigError) {
    const lines = err.problems.map((p) => formatProblem(p));
    return (debug && err.stack ? err.stack + '\n' : '') + lines.join('\n');
  }
  if (err instanceof NodepoolError) {
    return debug && err.stack ? err.stack : err.message;
  }
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/** The single exit path of every executable: prints the error, sets the status, exits. */
export function exitWithError(err: unknown, debug: boolean): never {
  process.stderr.write(renderError(err, debug) + '\n');
  process.exit(exitCodeFor(err));
}
