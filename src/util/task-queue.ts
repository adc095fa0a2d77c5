/**
 * A rate-limited FIFO of calls (upstream 0.4.0 `task_manager.py`): calls start in order, each
 * `rateMs` after the previous one started; with `lateCreditMs`, a start that came late (a
 * timer fires late on a busy machine) lets the next one come that much sooner, so the rate
 * holds on average. A provider uses one for its cloud calls,
 * a Jenkins target for its REST calls; each says what a finished call reports and what a
 * stopped queue rejects with.
 */
import type { Logger } from 'pino';
import { illegalStateError } from '../errors.js';
import { onAbort } from './abort.js';
import { delay, nextTurn } from './delay.js';
import { BaseService } from './service.js';

/** Time source of the queue; tests pass a fake one. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when it aborts. */
  sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Resolves after one turn of the event loop (I/O runs in between), for waits shorter
   * than a timer's millisecond. Without it such waits sleep 1 ms.
   */
  turn?(): Promise<void>;
}

/** The real clock: `performance.now()`, the abortable `delay` and `setImmediate`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, options) => delay(ms, options),
  turn: nextTurn,
};

/** Options of {@link TaskQueue}. */
export interface TaskQueueOptions {
  /** Provider (or Jenkins target) name, for logs and the default stopped error. */
  name: string;
  /** Time between the starts of two calls (less a late start's credit, see `lateCreditMs`). */
  rateMs: number;
  /**
   * How much of a start's lateness the next start makes up for: it may come up to this much
   * sooner than `rateMs` after a late start (never sooner than `rateMs - lateCreditMs`, and
   * only for lateness while the call was waiting to start, not for an idle queue). Over any
   * period of length T there are at most (T + lateCreditMs) / rateMs + 1 starts, yet a
   * machine whose timers fire a few milliseconds late still reaches `1 / rate`. 0 is upstream's
   * strict spacing, whose busy launcher lost a tenth or more of its calls to late timers.
   * @default 0
   */
  lateCreditMs?: number;
  /** Called after every call, failed or not, with its task name and duration. */
  onTaskDone?: (task: string, ms: number) => void;
  /** What queued and later calls reject with once the queue stops. */
  stoppedError?: (name: string) => Error;
  log?: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** How many recent starts {@link TaskQueue.recentStarts} keeps. @default 1000 */
  historySize?: number;
  /**
   * How many calls may run at once. Starts stay `rateMs` apart and in FIFO order either
   * way; with more than one, a slow call no longer holds back the next start, so the queue
   * reaches its `1 / rate` ceiling. 1 is upstream's single task thread.
   * @default 1
   */
  maxInFlight?: number;
}

/** One recorded task start. */
export interface TaskStart {
  task: string;
  /** Clock time the call started. */
  at: number;
}

interface Entry {
  task: string;
  /** Clock time it was submitted. */
  queuedAt: number;
  fn: (signal?: AbortSignal) => Promise<unknown>;
  signal?: AbortSignal;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** Cancels the abort callback (see `onAbort` in util). */
  cancelAbort?: () => void;
}

/**
 * A rate-limited FIFO. `submit()` resolves with the call's result once it ran. Stopping
 * rejects queued calls with the `stoppedError` and waits for the running one.
 */
export class TaskQueue extends BaseService {
  private readonly queue: Entry[] = [];
  private readonly clock: Clock;
  private readonly history: TaskStart[] = [];
  private pumping: Promise<void> = Promise.resolve();
  private isPumping = false;
  /** Clock time the next start is due (the previous start plus `rateMs`, less its credit). */
  private nextDue = Number.NEGATIVE_INFINITY;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: TaskQueueOptions) {
    super();
    this.clock = options.clock ?? systemClock;
  }

  /** Calls waiting to run (not counting the running one). */
  get pending(): number {
    return this.queue.length;
  }

  /** The most recent call starts, oldest first (for tests and diagnostics). */
  recentStarts(): TaskStart[] {
    return [...this.history];
  }

  /**
   * Queues `fn` under the task name `task`. A call whose signal aborts while queued is dropped
   * (rejects with `signal.reason`) and never runs; the signal is passed to `fn` too.
   * @throws the `stoppedError` when the queue is stopping or stopped
   */
  submit<T>(
    task: string,
    fn: (signal?: AbortSignal) => Promise<T>,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') {
      return Promise.reject(this.stoppedError());
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        task,
        queuedAt: this.clock.now(),
        fn,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (signal) {
        entry.signal = signal;
        entry.cancelAbort = onAbort(signal, () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason);
          }
        });
      }
      this.queue.push(entry);
      this.kick();
    });
  }

  protected doStart(): Promise<void> {
    return Promise.resolve();
  }

  protected async doStop(): Promise<void> {
    for (const entry of this.queue.splice(0)) {
      this.detach(entry);
      entry.reject(this.stoppedError());
    }
    await this.pumping;
    await Promise.all([...this.running]);
  }

  private stoppedError(): Error {
    const make = this.options.stoppedError;
    if (make !== undefined) return make(this.options.name);
    return illegalStateError(
      `Cannot run a call: queue "${this.options.name}" is stopped`,
      this.state,
    );
  }

  /** Calls running right now. */
  get inFlight(): number {
    return this.running.size;
  }

  private detach(entry: Entry): void {
    entry.cancelAbort?.();
  }

  private kick(): void {
    if (this.isPumping) return;
    this.isPumping = true;
    this.pumping = this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const entry = this.queue[0];
        // Leaving here runs `finally` in this same step, so a submit that comes right after
        // finds no pump and starts one; a submit before this check is seen by it.
        if (!entry) return;
        if (this.running.size >= Math.max(1, this.options.maxInFlight ?? 1)) {
          await Promise.race(this.running);
          continue;
        }
        const wait = this.nextDue - this.clock.now();
        if (wait > 0) {
          // Timers count whole milliseconds and may fire a fraction early: sleep the whole
          // milliseconds, then wait out the last fraction in event-loop turns, so starts come
          // `rate` apart, not `rate` plus up to 2 ms.
          try {
            if (wait < 1 && this.clock.turn !== undefined) await this.clock.turn();
            else await this.clock.sleep(Math.max(1, Math.floor(wait)), { signal: this.signal });
          } catch {
            // Stopped: doStop rejected the queue; look at it again.
          }
          // An entry that aborted meanwhile left the queue (its listener removed it); the
          // next one waits for the same start time.
          continue;
        }
        if (this.queue[0] !== entry) continue;
        this.queue.shift();
        this.detach(entry);
        // run() never rejects: it settles the entry's own promise.
        const running: Promise<void> = this.run(entry).finally(() => this.running.delete(running));
        this.running.add(running);
      }
    } finally {
      this.isPumping = false;
    }
  }

  private async run(entry: Entry): Promise<void> {
    const start = this.clock.now();
    // Late by how long it was due and waiting (an idle queue earns nothing).
    const late = Math.max(0, start - Math.max(this.nextDue, entry.queuedAt));
    const credit = Math.min(late, this.options.lateCreditMs ?? 0, this.options.rateMs);
    this.nextDue = start + this.options.rateMs - credit;
    this.history.push({ task: entry.task, at: start });
    if (this.history.length > (this.options.historySize ?? 1000)) this.history.shift();
    this.options.log?.debug(
      'Manager %s running task %s (queue: %d)',
      this.options.name,
      entry.task,
      this.queue.length,
    );
    try {
      entry.resolve(await entry.fn(entry.signal));
    } catch (err) {
      entry.reject(err);
    } finally {
      const ms = this.clock.now() - start;
      this.options.log?.debug(
        'Manager %s ran task %s in %d ms',
        this.options.name,
        entry.task,
        Math.round(ms),
      );
      this.options.onTaskDone?.(entry.task, ms);
    }
  }
}
