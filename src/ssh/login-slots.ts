/**
 * A bound on SSH login attempts in flight at once (TCP connect, key exchange, login and the
 * access check): past it, attempts wait their turn in order. A burst of nodes turning
 * ACTIVE together then costs a steady share of CPU and memory instead of all of it at once.
 * Waiting between attempts (a node still booting) holds no slot.
 */
import { onAbort } from '../util/index.js';

/** Slots for SSH login attempts. */
export class LoginSlots {
  private used = 0;
  private readonly queue: Array<() => void> = [];

  /** @param max attempts in flight at once (≥ 1) */
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`Cannot bound SSH logins to ${max}: expected an integer ≥ 1`);
  }

  /** Attempts in flight and waiting (diagnostics, tests). */
  get counts(): { inFlight: number; waiting: number } {
    return { inFlight: this.used, waiting: this.queue.length };
  }

  /**
   * Resolves with the function that frees the slot once one is free; rejects with
   * `signal.reason` if the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      const grant = (): void => {
        cancel?.();
        resolve(this.releaser());
      };
      const cancel = signal
        ? onAbort(signal, () => {
            const i = this.queue.indexOf(grant);
            if (i >= 0) this.queue.splice(i, 1);
            reject(signal.reason);
          })
        : undefined;
      this.queue.push(grant);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter.
      if (next !== undefined) next();
      else this.used--;
    };
  }
}
