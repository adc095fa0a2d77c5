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
 * Resolves after the current turn of the event loop: I/O and timers that are due run first.
 * For long synchronous stretches (an embedded database answers without a turn) that must let
 * other work through now and then.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
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
