/** Waiting for a world to settle after the faults, with the last accounting kept for the report. */
import { delay } from '../../../src/util/index.js';
import { isClean } from './accounting.js';
import type { Accounting } from './accounting.js';

/**
 * Resolves or rejects as `work` does, or rejects after `ms` with a message naming `what`: a
 * chaos probe that hangs (a client waiting for a server that is not back) must fail the
 * round with its logs instead of hanging the run.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = new AbortController();
  const timeout = delay(ms, { signal: timer.signal }).then(() => {
    throw new Error(`${what} did not answer within ${ms} ms`);
  });
  // Aborted once `work` settles: that rejection is expected and handled here.
  timeout.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer.abort();
  }
}

/**
 * Polls `account` until it is clean or `timeoutMs` passes; resolves to the last accounting
 * (clean or not) and how long it took. Errors while accounting count as "not yet" and are
 * reported when time runs out; an attempt that takes longer than
 * `attemptMs` counts as an error.
 */
export async function settle(
  account: () => Promise<Accounting>,
  timeoutMs: number,
  intervalMs = 500,
  attemptMs = 30_000,
): Promise<{ accounting: Accounting; ms: number }> {
  const started = Date.now();
  let last: Accounting = { figures: {}, problems: ['not accounted yet'] };
  for (;;) {
    try {
      last = await withTimeout(account(), attemptMs, 'The accounting');
      if (isClean(last)) return { accounting: last, ms: Date.now() - started };
    } catch (err) {
      last = {
        figures: last.figures,
        problems: [`Cannot account: ${err instanceof Error ? err.message : String(err)}`],
      };
    }
    if (Date.now() - started > timeoutMs) return { accounting: last, ms: Date.now() - started };
    await delay(intervalMs);
  }
}
