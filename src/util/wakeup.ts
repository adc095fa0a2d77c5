import { delay } from './delay.js';

/**
 * A sleep that can be cut short. Loops wait on it between passes; events call `wake()` to
 * make the next pass start at once. A wake that arrives while nobody waits is remembered,
 * so no event is lost between two waits.
 */
export class Wakeup {
  private pending = false;
  private waiter: AbortController | null = null;

  /** Ends the current wait, or makes the next one return at once. */
  wake(): void {
    this.pending = true;
    this.waiter?.abort();
  }

  /**
   * Waits up to `ms`, or until `wake()` is called. Resolves `true` when woken.
   * Rejects with `signal.reason` when the signal aborts.
   */
  async wait(ms: number, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return true;
    }
    const local = new AbortController();
    this.waiter = local;
    const signals = options.signal ? [local.signal, options.signal] : [local.signal];
    try {
      await delay(ms, { signal: AbortSignal.any(signals) });
      return false;
    } catch {
      if (options.signal?.aborted) throw options.signal.reason;
      this.pending = false;
      return true;
    } finally {
      this.waiter = null;
    }
  }
}
