import { onAbort } from './abort.js';

/** Options for {@link delay}. */
export interface DelayOptions {
  signal?: AbortSignal;
}

/**
 * Resolves after `ms` milliseconds. Rejects with `signal.reason` at once if the signal is
 * already aborted, or as soon as it aborts; the timer and the listener are always removed.
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      cancel?.();
      resolve();
    }, ms);
    const cancel =
      signal === undefined
        ? undefined
        : onAbort(signal, () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
  });
}

/**
 * Runs `fn` after `ms` unless cancelled; returns the cancel function. For watchdogs and
 * debounces owned by a Service, which must call the cancel function on stop.
 */
export function schedule(
  fn: () => void,
  ms: number,
  options: { unref?: boolean } = {},
): () => void {
  const timer = setTimeout(fn, ms);
  if (options.unref === true) timer.unref();
  return () => clearTimeout(timer);
}
