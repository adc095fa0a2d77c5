/** Polling helper for tests: wait for a condition instead of sleeping. */
import { delay } from '../../src/util/index.js';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** @default 50 */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value (which is returned) or the time is up.
 * Errors thrown by `check` count as "not yet"; the last one is the timeout error's cause.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}`,
        {
          cause: lastError,
        },
      );
    }
    await delay(options.intervalMs ?? 50);
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects after `timeoutMs` with an error naming
 * `step`, so a test that hangs says where. Not a speed check: give the step ample time.
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, step: string): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(timeoutMs, { signal: timer.signal }).then(() => {
        throw new Error(`Timed out after ${timeoutMs} ms: ${step}`);
      }),
    ]);
  } finally {
    timer.abort();
  }
}
