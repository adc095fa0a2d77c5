/**
 * The clock port (`CronClock`, the provider `Clock`) in memory: time moves only when a test
 * calls {@link ManualClock.advance}, which wakes the sleepers in due order and lets the
 * woken work run before moving on.
 */
import type { CronClock } from '../../../src/util/index.js';
import type { Clock } from '../../../src/util/index.js';

interface Sleeper {
  due: number;
  seq: number;
  resolve(): void;
}

/** Lets queued callbacks and the microtasks they start run (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock that stands still until advanced. */
export class ManualClock implements CronClock, Clock {
  private readonly sleepers = new Set<Sleeper>();
  private seq = 0;

  /** @param t the start time, in epoch milliseconds */
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  /** Sleeps still waiting. */
  get pending(): number {
    return this.sleepers.size;
  }

  sleep(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        due: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers.delete(sleeper);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.add(sleeper);
    });
  }

  turn(): Promise<void> {
    return settle();
  }

  /** Moves time forward by `ms`, waking each sleeper at its due time, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.sleepers]
        .filter((s) => s.due <= end)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.sleepers.delete(next);
      this.t = Math.max(this.t, next.due);
      next.resolve();
    }
    this.t = end;
    await settle();
  }
}
