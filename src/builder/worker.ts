/**
 * What the three kinds of builder workers share: the builder context and the loop of
 * docs/behaviour.md#builder-processes (wait while ZooKeeper is away, run one pass, sleep the interval unless
 * woken early; a failed pass adds an extra pause).
 */
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { DriverRegistry, ProviderDeps } from '../provider/index.js';
import type { Stats } from '../stats/index.js';
import { Wakeup, delay } from '../util/index.js';
import type { ImageBuilds, ZkClient } from '../zk/index.js';
import type { UploadBackoff } from './upload-backoff.js';

/** Everything a worker needs from its builder. */
export interface BuilderContext {
  readonly zk: ZkClient;
  readonly images: ImageBuilds;
  /** This host's name, written as `builder` in build records. */
  readonly hostname: string;
  readonly stats: Stats;
  /** The dib executable. */
  readonly dibCmd: string;
  /** Environment dib starts from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory of per-build logs; undefined: none. */
  readonly buildLogDir: string | undefined;
  /** How many build logs of an image to keep. */
  readonly buildLogRetention: number;
  /** dib time limit; undefined: none. */
  readonly buildTimeoutMs: number | undefined;
  /** SIGTERM → SIGKILL grace when dib's process group is killed. */
  readonly killGraceMs: number;
  readonly backoff: UploadBackoff;
  /** What upload and cleanup workers give their providers. */
  readonly providerDeps: ProviderDeps;
  /** The drivers their providers are built by; undefined: the built-in ones. */
  readonly drivers: DriverRegistry | undefined;
  /** Reads nodepool.yaml again (each worker keeps its own copy, as upstream). */
  loadConfig(): Promise<CompiledConfig>;
  /** Makes the named workers start a pass now. */
  wake(kind: 'build' | 'upload' | 'cleanup'): void;
}

/** Timing of a worker loop. */
export interface WorkerTiming {
  /** Sleep between passes. */
  readonly intervalMs: number;
  /** Extra sleep after a pass that threw. */
  readonly errorDelayMs: number;
}

/** A builder worker: one loop, one `runOnce` per pass. */
export abstract class BuilderWorker {
  /** Cuts the sleep between passes short. */
  readonly wakeup = new Wakeup();
  /** Passes completed (for diagnostics and tests). */
  passes = 0;

  constructor(
    readonly name: string,
    protected readonly ctx: BuilderContext,
    protected readonly log: Logger,
    private readonly timing: WorkerTiming,
  ) {}

  /**
   * One pass. Resolves true to run the next pass at once (e.g. an upload worker that just
   * uploaded, to reload config before the next upload).
   */
  protected abstract runOnce(signal: AbortSignal): Promise<boolean>;

  /** Releases what the worker owns (provider clients); called once after the loop ends. */
  async close(): Promise<void> {}

  /** False once stopping or while ZooKeeper is not connected: end the pass early. */
  protected canContinue(signal: AbortSignal): boolean {
    return !signal.aborted && this.ctx.zk.isConnected;
  }

  /** Runs passes until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      for (;;) {
        if (!this.ctx.zk.isConnected) {
          this.log.info('ZooKeeper suspended. Waiting');
          await this.ctx.zk.waitConnected({ signal });
        }
        let again = false;
        try {
          again = await this.runOnce(signal);
        } catch (err) {
          if (signal.aborted) return;
          this.log.error({ err }, 'Exception in %s', this.name);
          await delay(this.timing.errorDelayMs, { signal });
        }
        this.passes += 1;
        if (!again) await this.wakeup.wait(this.timing.intervalMs, { signal });
        else if (signal.aborted) return;
      }
    } catch (err) {
      if (!signal.aborted) this.log.error({ err }, '%s stopped unexpectedly', this.name);
    }
  }
}
