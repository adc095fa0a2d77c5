/**
 * A list fetched at most once per `ageMs` and shared by every caller (docs/behaviour.md#list-caching):
 * callers arriving while a fetch runs wait for that same fetch.
 */
import { onAbort } from '../../util/index.js';
import type { Clock } from '../../util/index.js';

/** Resolves with `promise`, or rejects with `signal.reason` as soon as the signal aborts. */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const cancel = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        cancel();
        reject(e);
      },
    );
  });
}

/** A cached, shared list. */
export class SharedList<T> {
  private value: { items: T[]; fetchedAt: number; startedAt: number } | null = null;
  private inflight: { promise: Promise<T[]>; startedAt: number } | null = null;
  /** How many real fetches ran (tests). */
  fetchCount = 0;

  constructor(
    private readonly fetch: () => Promise<T[]>,
    private readonly ageMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * The cached list when younger than the age, else a fresh one. `minStart` asks for a list
   * whose fetch started at or after that clock time (to see a change we just made).
   */
  get(options: { signal?: AbortSignal; minStart?: number } = {}): Promise<T[]> {
    const now = this.clock.now();
    const min = options.minStart ?? Number.NEGATIVE_INFINITY;
    const v = this.value;
    if (v && now - v.fetchedAt < this.ageMs && v.startedAt >= min) return Promise.resolve(v.items);
    if (!this.inflight || this.inflight.startedAt < min) {
      const startedAt = now;
      this.fetchCount += 1;
      const promise = this.fetch().then((items) => {
        if (!this.value || this.value.startedAt <= startedAt) {
          this.value = { items, fetchedAt: this.clock.now(), startedAt };
        }
        return items;
      });
      const entry = { promise, startedAt };
      this.inflight = entry;
      void promise
        .finally(() => {
          if (this.inflight === entry) this.inflight = null;
        })
        .catch(() => {});
    }
    return raceSignal(this.inflight.promise, options.signal);
  }

  /** Items in the cached list (0 when none is cached). */
  get size(): number {
    return this.value?.items.length ?? 0;
  }

  /** The start time of the cached list, if any. */
  get cachedAt(): number | null {
    return this.value?.startedAt ?? null;
  }

  /** Drops the cached value (the next `get` fetches). */
  invalidate(): void {
    this.value = null;
  }
}
