import { illegalStateError } from '../errors.js';

/** Life-cycle states of a {@link Service}. */
export type ServiceState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Every long-lived component: started once, stopped once (stop is idempotent). */
export interface Service {
  readonly state: ServiceState;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Base class implementing the {@link Service} state machine. Subclasses implement
 * `doStart()` and `doStop()`; `signal` aborts when stop begins.
 */
export abstract class BaseService implements Service {
  private current: ServiceState = 'new';
  private stopping: Promise<void> | null = null;
  private readonly abort = new AbortController();

  /** Called on every state change, e.g. to log it. */
  protected onStateChange(_from: ServiceState, _to: ServiceState): void {}

  get state(): ServiceState {
    return this.current;
  }

  /** Aborted when `stop()` is first called. */
  protected get signal(): AbortSignal {
    return this.abort.signal;
  }

  private setState(to: ServiceState): void {
    const from = this.current;
    this.current = to;
    this.onStateChange(from, to);
  }

  async start(): Promise<void> {
    if (this.current !== 'new') {
      throw illegalStateError(
        `Cannot start a service twice: state is "${this.current}"`,
        this.current,
      );
    }
    this.setState('starting');
    try {
      await this.doStart();
    } catch (err) {
      // A stop() that began meanwhile owns the final state; don't overwrite it.
      if ((this.current as ServiceState) === 'starting') this.setState('failed');
      throw err;
    }
    if ((this.current as ServiceState) === 'starting') this.setState('running');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const wasStarted = this.current !== 'new';
      this.setState('stopping');
      this.abort.abort(new Error('service stopping'));
      try {
        if (wasStarted) await this.doStop();
        this.setState('stopped');
      } catch (err) {
        this.setState('failed');
        throw err;
      }
    })();
    return this.stopping;
  }

  protected abstract doStart(): Promise<void>;
  protected abstract doStop(): Promise<void>;
}

/**
 * Stops each item in turn, each in its own try/catch so one failure does not skip the
 * rest; rethrows the first error at the end.
 */
export async function stopAll(
  items: Array<{ stop(): Promise<void> } | null | undefined>,
): Promise<void> {
  let first: unknown = null;
  for (const item of items) {
    if (!item) continue;
    try {
      await item.stop();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== null) throw first;
}
