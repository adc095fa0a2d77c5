import { exitStatusOf } from '../error-codes.js';
import { NodepoolError } from '../errors.js';
import { ConfigError, formatProblem } from '../config/index.js';

/**
 * Exit status for an error: the status `src/error-codes.ts` gives its code (2 for problems
 * only the operator can fix, which the systemd units do not restart on), 1 for the rest.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof NodepoolError) return exitStatusOf(err.code);
  return 1;
}

/**
 * Whether `err` is a condition an operator meets (ours, with a stable code, or one caused by
 * a system call failing: a busy port, a refused connection, a missing file) rather than a
 * bug: those are reported by their message, without a stack.
 */
export function isExpectedFailure(err: unknown): boolean {
  if (err instanceof NodepoolError) return true;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
    e = e.cause;
  }
  return false;
}

/**
 * Renders an error for the terminal: expected failures as their message (every config
 * problem on its own line), anything else with its stack. `debug` always adds the stack.
 */
export function renderError(err: unknown, debug: boolean): string {
  if (err instanceof ConfigError) {
    const lines = err.problems.map((p) => formatProblem(p));
    return (debug && err.stack ? err.stack + '\n' : '') + lines.join('\n');
  }
  if (err instanceof NodepoolError) {
    return debug && err.stack ? err.stack : err.message;
  }
  if (err instanceof Error) {
    return debug || !isExpectedFailure(err) ? (err.stack ?? err.message) : err.message;
  }
  return String(err);
}

/** The single exit path of every executable: prints the error, sets the status, exits. */
export function exitWithError(err: unknown, debug: boolean): never {
  process.stderr.write(renderError(err, debug) + '\n');
  process.exit(exitCodeFor(err));
}
