/**
 * NodePoolBuilder (docs/behaviour.md#builder-processes): one ZooKeeper session shared by `buildWorkers` build
 * workers, `uploadWorkers` upload workers and one cleanup worker. Workers wake each other
 * (a finished build wakes the uploaders, an upload or build wakes cleanup) and also run on
 * upstream's fixed intervals.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import type { CompiledConfig } from '../config/index.js';
import { getLogger } from '../log/index.js';
import { createStatsFromEnv } from '../stats/index.js';
import type { Stats } from '../stats/index.js';
import { BaseService, TaskGroup } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { createHealthSource } from '../web/index.js';
import type { HealthSource } from '../web/index.js';
import { ImageBuilds, ZkClient } from '../zk/index.js';
import { BuildWorker } from './build-worker.js';
import { CleanupWorker } from './cleanup-worker.js';
import { checkBuilderConfig } from './config-check.js';
import { builderHealthProbes } from './health.js';
import type { BuilderOptions } from './options.js';
import { UploadBackoff } from './upload-backoff.js';
import { UploadWorker } from './upload-worker.js';
import type { BuilderContext, BuilderWorker } from './worker.js';

/** Default dib executable. */
export const DEFAULT_DIB_CMD = 'disk-image-create';
/** Default directory of per-build logs (HEAD~1's `build-log-dir` default). */
export const DEFAULT_BUILD_LOG_DIR = '/var/log/nodepool/builds';

function envSeconds(
  env: Readonly<Record<string, string | undefined>>,
  key: string,
): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(
      `Cannot use ${key}: expected a number of seconds: current value is "${raw}"`,
    );
  }
  return n === 0 ? undefined : n * 1000;
}

/** The builder daemon's service. */
export class NodePoolBuilder extends BaseService {
  private readonly log: Logger;
  private readonly tasks: TaskGroup;
  private readonly workers: BuilderWorker[] = [];
  private zk: ZkClient | null = null;
  private stats: Stats | null = null;
  private startConfig: CompiledConfig | null = null;
  /** `images-dir` of the config last loaded (the health check writes there). */
  private imagesDir: string | null = null;
  private warnedZkChange = false;

  constructor(private readonly options: BuilderOptions) {
    super();
    this.log = options.log;
    this.tasks = new TaskGroup((err, name) =>
      this.log.error({ err }, 'Builder task %s failed', name),
    );
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.log.info('Builder %s (was %s)', to, from);
  }

  /** The shared ZooKeeper client (after start), for tests and diagnostics. */
  get zooKeeper(): ZkClient | null {
    return this.zk;
  }

  protected async doStart(): Promise<void> {
    const o = this.options;
    const env = o.env ?? process.env;
    // Compat: like upstream, a config that does not load stops the builder from starting.
    const config = await loadConfig(o.configPath);
    checkBuilderConfig(config);
    this.startConfig = config;
    this.imagesDir = config.imagesDir ?? null;
    await mkdir(config.imagesDir ?? '', { recursive: true });
    this.stats = o.stats ?? createStatsFromEnv(env);
    const zk = new ZkClient({
      servers: config.zookeeperServers,
      log: getLogger(this.log, 'nodepool.zk.ZooKeeper'),
      ...(o.zkSessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.zkSessionTimeoutMs } : {}),
    });
    this.zk = zk;
    await zk.start();
    const ctx = this.context(zk, this.stats, env);
    const iv = {
      buildMs: 10_000,
      uploadMs: 10_000,
      cleanupMs: 60_000,
      errorMs: 10_000,
      ...o.intervals,
    };
    const timing = (intervalMs: number): { intervalMs: number; errorDelayMs: number } => ({
      intervalMs,
      errorDelayMs: iv.errorMs,
    });
    for (let i = 0; i < o.buildWorkers; i++) {
      const name = `BuildWorker.${i}`;
      this.workers.push(
        new BuildWorker(
          name,
          ctx,
          getLogger(this.log, `nodepool.builder.${name}`),
          timing(iv.buildMs),
        ),
      );
    }
    for (let i = 0; i < o.uploadWorkers; i++) {
      const name = `UploadWorker.${i}`;
      this.workers.push(
        new UploadWorker(
          name,
          ctx,
          getLogger(this.log, `nodepool.builder.${name}`),
          timing(iv.uploadMs),
        ),
      );
    }
    this.workers.push(
      new CleanupWorker(
        'CleanupWorker',
        ctx,
        getLogger(this.log, 'nodepool.builder.CleanupWorker'),
        timing(iv.cleanupMs),
      ),
    );
    for (const w of this.workers) this.tasks.spawn(w.name, () => w.run(this.signal));
    this.log.info(
      { buildWorkers: o.buildWorkers, uploadWorkers: o.uploadWorkers, hostname: ctx.hostname },
      'Builder workers started',
    );
  }

  private context(
    zk: ZkClient,
    stats: Stats,
    env: Readonly<Record<string, string | undefined>>,
  ): BuilderContext {
    const o = this.options;
    const wake = (kind: 'build' | 'upload' | 'cleanup'): void => {
      for (const w of this.workers) {
        if (
          (kind === 'build' && w instanceof BuildWorker) ||
          (kind === 'upload' && w instanceof UploadWorker) ||
          (kind === 'cleanup' && w instanceof CleanupWorker)
        )
          w.wakeup.wake();
      }
    };
    return {
      zk,
      images: new ImageBuilds(zk),
      hostname: o.hostname ?? os.hostname(),
      stats,
      dibCmd: this.dibCmd(),
      env,
      buildLogDir:
        o.buildLogDir === null
          ? undefined
          : (o.buildLogDir ?? (env.NODEPOOL_BUILD_LOG_DIR || DEFAULT_BUILD_LOG_DIR)),
      buildLogRetention: o.buildLogRetention ?? 7,
      buildTimeoutMs: o.buildTimeoutMs ?? envSeconds(env, 'NODEPOOL_DIB_TIMEOUT'),
      killGraceMs: o.killGraceMs ?? 5000,
      backoff: new UploadBackoff(o.uploadRetry ?? {}),
      providerDeps: { log: this.log, stats, ...o.providerDeps },
      drivers: o.drivers,
      loadConfig: () => this.reloadConfig(),
      wake,
    };
  }

  private dibCmd(): string {
    const env = this.options.env ?? process.env;
    return this.options.dibCmd ?? (env.NODEPOOL_DIB_CMD || DEFAULT_DIB_CMD);
  }

  /**
   * What `/health/live` and `/health/ready` answer (docs/web.md#health-endpoints): the worker
   * loops; the ZooKeeper session, `images-dir` and the dib command.
   */
  healthSource(): HealthSource {
    return createHealthSource(
      builderHealthProbes({
        state: () => this.state,
        workers: () => this.workers.map((w) => w.name),
        running: () => this.tasks.names(),
        zookeeper: () => this.zk,
        imagesDir: () => this.imagesDir,
        dibCmd: this.dibCmd(),
        path: (this.options.env ?? process.env).PATH,
      }),
    );
  }

  /** Each worker pass reads the config again; a changed ZooKeeper list needs a restart. */
  private async reloadConfig(): Promise<CompiledConfig> {
    const config = await loadConfig(this.options.configPath, { signal: this.signal });
    this.imagesDir = config.imagesDir ?? null;
    const first = this.startConfig;
    if (
      first !== null &&
      !this.warnedZkChange &&
      !isDeepStrictEqual(first.zookeeperServers, config.zookeeperServers)
    ) {
      this.warnedZkChange = true;
      this.log.error(
        'Cannot apply the changed zookeeper-servers without a restart: the builder keeps its current connection',
      );
    }
    return config;
  }

  protected async doStop(): Promise<void> {
    // Workers see the aborted signal: dib process groups are killed, uploads are abandoned,
    // and their records are written while the session is still open.
    const steps: Array<() => Promise<void>> = [
      () => this.tasks.drain(),
      ...this.workers.map((w) => () => w.close()),
      async () => this.zk?.stop(),
      async () => {
        if (this.options.stats === undefined) await this.stats?.close();
      },
    ];
    let first: unknown = null;
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first;
  }

  /** For the SIGUSR2 report. */
  diagnostics(): unknown {
    return {
      zookeeper:
        this.zk === null ? null : { state: this.zk.connectionState, sessionId: this.zk.sessionId },
      workers: this.workers.map((w) => ({ name: w.name, passes: w.passes })),
      tasks: this.tasks.names(),
    };
  }
}
