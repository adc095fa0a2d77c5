/** Options of the builder service (what `nodepool-builder` and tests pass). */
import type { Logger } from 'pino';
import type { DriverRegistry, ProviderDeps } from '../provider/index.js';
import type { Stats } from '../stats/index.js';
import type { UploadBackoffOptions } from './upload-backoff.js';

/** Loop timings; upstream's are fixed, tests shorten them. */
export interface BuilderIntervals {
  /** @default 10_000 */
  readonly buildMs?: number;
  /** @default 10_000 */
  readonly uploadMs?: number;
  /** @default 60_000 */
  readonly cleanupMs?: number;
  /** Extra sleep after a pass that threw. @default 10_000 */
  readonly errorMs?: number;
}

/** Options of {@link createBuilderService}. */
export interface BuilderOptions {
  /** nodepool.yaml (`-c`), absolute. The builder never reads secure.conf. */
  configPath: string;
  /** Logger named `nodepool.builder.NodePoolBuilder`; worker loggers derive from it. */
  log: Logger;
  /** `--build-workers`. @default 1 */
  buildWorkers: number;
  /** `--upload-workers`. @default 4 */
  uploadWorkers: number;
  /** The dib executable. @default `$NODEPOOL_DIB_CMD`, else `disk-image-create` from PATH */
  dibCmd?: string;
  /** Environment dib inherits and `NODEPOOL_*`/`STATSD_*` are read from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Written as `builder` in build records. @default os.hostname() */
  hostname?: string;
  /**
   * Directory of per-build logs `<image>-<bid>.log`; null: none.
   * @default `$NODEPOOL_BUILD_LOG_DIR`, else `/var/log/nodepool/builds`
   */
  buildLogDir?: string | null;
  /** Build logs kept per image. @default 7 */
  buildLogRetention?: number;
  /** Kill dib after this long and fail the build. @default `$NODEPOOL_DIB_TIMEOUT` seconds, else no limit */
  buildTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when dib's process group is killed. @default 5000 */
  killGraceMs?: number;
  intervals?: BuilderIntervals;
  /** Backoff between failed uploads of one (image, provider). */
  uploadRetry?: UploadBackoffOptions;
  /** statsd client. @default from `STATSD_HOST`/`STATSD_PORT` in `env` */
  stats?: Stats;
  /** Overrides for the providers' dependencies (tests: short polls). */
  providerDeps?: Partial<Pick<ProviderDeps, 'tuning' | 'clock'>>;
  /**
   * The provider drivers (`cmd/` adds the fake cloud's for `auth-url: fake`).
   * @default the built-in drivers
   */
  drivers?: DriverRegistry;
  /** Requested ZooKeeper session timeout. @default 10_000 */
  zkSessionTimeoutMs?: number;
}
