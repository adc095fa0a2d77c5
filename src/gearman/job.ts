/**
 * A submitted Gearman job as seen by the client: its handle, the data packets received so
 * far, and an outcome promise that always resolves (never rejects), so a job nobody waits
 * for (a revoke) can end in failure without an unhandled rejection.
 */
import { NodepoolError } from '../errors.js';
import type { JobSink } from './connection.js';

/** How a job ended. */
export type GearmanJobOutcome =
  | { kind: 'complete' }
  | { kind: 'fail' }
  | { kind: 'exception'; exception: string }
  | { kind: 'disconnect' };

/** A job submitted through {@link GearmanClient.submitJob}. */
export class GearmanJob implements JobSink {
  /** Set once the server accepted the job. */
  handle = '';
  /** Server (`host:port`) that accepted the job. */
  server = '';
  /** Data of WORK_DATA, WORK_WARNING and WORK_COMPLETE packets, non-empty ones only (as gear). */
  readonly data: string[] = [];
  /** Last WORK_STATUS numerator/denominator. */
  status: { numerator: string; denominator: string } | null = null;
  /** Resolves when the job ends, however it ends. */
  readonly outcome: Promise<GearmanJobOutcome>;
  private settle!: (o: GearmanJobOutcome) => void;
  private ended: GearmanJobOutcome | null = null;

  constructor(
    readonly name: string,
    readonly unique: string,
    readonly args: Buffer,
  ) {
    this.outcome = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** The outcome if the job has ended, else null. */
  get result(): GearmanJobOutcome | null {
    return this.ended;
  }

  /**
   * Waits for the end of the job and returns its data packets.
   * @throws GearmanJobFailedError when the job failed, raised an exception or lost its server
   * @throws the signal's reason when `signal` aborts first (the job keeps running)
   */
  async wait(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { signal } = options;
    let outcome: GearmanJobOutcome;
    if (signal === undefined) {
      outcome = await this.outcome;
    } else {
      signal.throwIfAborted();
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        outcome = await Promise.race([this.outcome, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
    if (outcome.kind === 'complete') return [...this.data];
    const what =
      outcome.kind === 'fail'
        ? 'the worker reported failure'
        : outcome.kind === 'exception'
          ? `the worker raised an exception: ${outcome.exception}`
          : `the connection to Gearman server ${this.server} was lost`;
    throw new NodepoolError(
      `Gearman job "${this.name}" (${this.handle || 'not created'}) did not complete: ${what}`,
      {
        code: 'ERR_GEARMAN_JOB_FAILED',
        details: {
          job: this.name,
          failure: outcome.kind,
          server: this.server,
          ...(outcome.kind === 'exception' ? { exception: outcome.exception } : {}),
        },
      },
    );
  }

  private end(o: GearmanJobOutcome): void {
    if (this.ended !== null) return;
    this.ended = o;
    this.settle(o);
  }

  /** @internal */
  onData(_kind: 'data' | 'warning', data: Buffer): void {
    if (data.length > 0) this.data.push(data.toString('utf8'));
  }

  /** @internal */
  onStatus(numerator: string, denominator: string): void {
    this.status = { numerator, denominator };
  }

  /** @internal */
  onComplete(data: Buffer): void {
    if (data.length > 0) this.data.push(data.toString('utf8'));
    this.end({ kind: 'complete' });
  }

  /** @internal */
  onFail(): void {
    this.end({ kind: 'fail' });
  }

  /** @internal */
  onException(data: Buffer): void {
    this.end({ kind: 'exception', exception: data.toString('utf8') });
  }

  /** @internal */
  onDisconnect(): void {
    this.end({ kind: 'disconnect' });
  }
}
