/**
 * Turns stop signals into one graceful stop. The first signal starts `stop()`; a second one,
 * or the force time of the first elapsing, gives up with a `ERR_SHUTDOWN_TIMEOUT` error and a
 * non-zero status. Kept free of `process` so it can be tested alone; `daemon.ts` wires it.
 */
import type { Logger } from 'pino';
import type { NodepoolError } from '../errors.js';
import { shutdownTimeoutError } from '../errors.js';
import { schedule } from '../util/index.js';

/** Options of {@link ShutdownController}. */
export interface ShutdownOptions {
  log: Logger;
  /** Stops every service; rejects when a stop step failed. */
  stop: () => Promise<void>;
  /** How long a stop started by `signal` may take; `undefined` waits as long as it takes. */
  forceTimeMs: (signal: string) => number | undefined;
}

/** One daemon's shutdown; `done` resolves with the exit status. */
export class ShutdownController {
  /** Resolves with 0 after a clean stop, 1 after a failed or forced one. */
  readonly done: Promise<number>;
  private resolve!: (code: number) => void;
  private cancelForce: (() => void) | null = null;
  private trigger: string | null = null;
  private finished = false;

  constructor(private readonly options: ShutdownOptions) {
    this.done = new Promise<number>((resolve) => {
      this.resolve = resolve;
    });
  }

  /** What started the stop (`SIGINT`, ...), or `null` while running. */
  get stoppedBy(): string | null {
    return this.trigger;
  }

  /** Handles a stop signal (or any named reason, e.g. `startup failure`). */
  handle(signal: string): void {
    const { log } = this.options;
    if (this.finished) return;
    if (this.trigger !== null) {
      this.force(
        shutdownTimeoutError(
          `Cannot stop gracefully: received ${signal} while stopping after ${this.trigger}`,
        ),
      );
      return;
    }
    this.trigger = signal;
    log.info('Received %s: stopping', signal);
    const forceMs = this.options.forceTimeMs(signal);
    if (forceMs !== undefined) {
      this.cancelForce = schedule(() => {
        this.force(
          shutdownTimeoutError(
            `Cannot stop gracefully: still stopping ${forceMs} ms after ${signal}`,
          ),
        );
      }, forceMs);
    }
    this.options.stop().then(
      () => {
        log.info('Stopped');
        this.finish(0);
      },
      (err: unknown) => {
        log.error({ err }, 'Cannot stop cleanly');
        this.finish(1);
      },
    );
  }

  private force(err: NodepoolError): void {
    this.options.log.error({ err }, 'Forcing exit');
    this.finish(1);
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    this.cancelForce?.();
    this.cancelForce = null;
    this.resolve(code);
  }
}
