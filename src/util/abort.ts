/**
 * One `abort` listener per signal, whatever the number of waiters. EventTarget scans its
 * listener list on every `addEventListener`, so thousands of waits on one long-lived signal
 * (a daemon's stop signal shared by every launch) cost O(n²); here each waiter is one Set
 * entry and removing it is O(1).
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

function fire(signal: AbortSignal): void {
  const set = waiters.get(signal);
  waiters.delete(signal);
  for (const fn of set ?? []) fn();
}

/**
 * Calls `fn` once when `signal` aborts; returns the function that cancels that call.
 * Must not be called with an already aborted signal (check `signal.aborted` first).
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = waiters.get(signal);
  if (set === undefined) {
    set = new Set();
    waiters.set(signal, set);
    signal.addEventListener('abort', () => fire(signal), { once: true });
  }
  // A distinct wrapper, so the same `fn` may wait twice.
  const entry = (): void => fn();
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as `signal` aborts.
 * The work is left to its owner; its later failure is then ignored here (never unhandled).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const cancel = onAbort(signal, () => {
      work.catch(() => undefined);
      reject(signal.reason as Error);
    });
    work.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (err: unknown) => {
        cancel();
        reject(err);
      },
    );
  });
}
