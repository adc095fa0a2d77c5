/** Called with every error a background task rejected with. */
export type TaskErrorHandler = (err: unknown, name: string) => void;

/**
 * Owns background promises: each one gets a `.catch` that hands its error to `onError`, is
 * kept until it settles, and `drain()` waits for all of them. Nothing floats.
 */
export class TaskGroup {
  private readonly running = new Map<number, { name: string; promise: Promise<void> }>();
  private nextId = 0;

  constructor(private readonly onError: TaskErrorHandler) {}

  /** Number of tasks still running. */
  get size(): number {
    return this.running.size;
  }

  /** Names of the tasks still running, for diagnostics. */
  names(): string[] {
    return [...this.running.values()].map((t) => t.name);
  }

  /** Starts `fn` in the background under `name`. */
  spawn(name: string, fn: () => Promise<unknown>): void {
    const id = this.nextId++;
    const promise = Promise.resolve()
      .then(fn)
      .then(
        () => undefined,
        (err: unknown) => this.onError(err, name),
      )
      .finally(() => this.running.delete(id));
    this.running.set(id, { name, promise });
  }

  /** Resolves once every task, including ones spawned while waiting, has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all([...this.running.values()].map((t) => t.promise));
    }
  }
}
