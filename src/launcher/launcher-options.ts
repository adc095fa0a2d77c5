/** The options and public surface of the launcher service (kept apart from the pool to avoid an import cycle). */
import type { Logger } from 'pino';
import type { DriverRegistry, ProviderTuning } from '../provider/index.js';
import type { Stats } from '../stats/index.js';
import type { CronClock, Service } from '../util/index.js';
import type { HealthSource, StatusSource } from '../web/index.js';
import type { LauncherTiming } from './context.js';
import type { DemandSource, GearmanHooks, JenkinsHooks, SshSeam } from './hooks.js';
import type { LauncherIntegration } from './integration.js';
import type { ClusterFactory } from './launcher-runtime.js';

/** Options of `createLauncherService`. */
export interface LauncherOptions {
  /** nodepool.yaml (`-c`), absolute. */
  configPath: string;
  /** secure.conf (`-s`), absolute. */
  securePath: string;
  /** Logger named `nodepool.NodePool`. */
  log: Logger;
  /** `--no-deletes`: no cleanup/check crons, no ZeroMQ listeners. */
  noDeletes: boolean;
  /** `--no-launches`: the main loop launches nothing. */
  noLaunches: boolean;
  /** Main loop interval. @default 10_000 */
  intervalMs?: number;
  /** statsd client. @default from STATSD_HOST/STATSD_PORT */
  stats?: Stats;
  /** Timing knobs (tests shorten them). */
  timing?: Partial<LauncherTiming>;
  /** Where nodes are reached over SSH (tests, demos). */
  ssh?: SshSeam;
  /** Jenkins integration (target online flags, node registration/removal). */
  jenkins?: JenkinsHooks;
  /** Gearman integration (assignment/revocation). */
  gearman?: GearmanHooks;
  /** Zuul demand per label, asked once per pass. @default none */
  demandSource?: DemandSource;
  /** Long-lived integrations (Jenkins/ZeroMQ/Gearman) that follow the config. @default none */
  integrations?: readonly LauncherIntegration[];
  /** Provider timing knobs. */
  providerTuning?: ProviderTuning;
  /**
   * The provider drivers (`cmd/` adds the fake cloud's for `auth-url: fake`).
   * @default the built-in drivers
   */
  drivers?: DriverRegistry;
  /** Upper bound of the database pool. @default 10 */
  dbPoolMax?: number;
  /** Watch the config files for changes. @default true */
  watchConfig?: boolean;
  /** `--launcher-name`: this launcher's name among the live members. @default `host-pid` */
  launcherName?: string;
  /** How the cluster of launchers is built (tests). @default `defaultClusterFactory` */
  createCluster?: ClusterFactory;
  /** Wall clock of the min-ready schedules, ready-node age and the minute ticker. @default the system's */
  clock?: CronClock;
}

/** What the pool exposes beyond the Service contract. */
export interface LauncherService extends Service {
  /** Runs a pass as soon as possible (Jenkins and Gearman events call this). */
  wake(): void;
  /** The SIGUSR2 report: launches/deletes in flight, last pass, database pool, integrations. */
  diagnostics(): LauncherDiagnostics;
  /** Runs a cron job now (`cleanup` or `check`), unless it is running; resolves when done. */
  runCron(name: 'cleanup' | 'check'): Promise<void>;
  /** Number of passes run so far. */
  readonly passes: number;
  /**
   * What the status web app shows (composed beside the launcher, as upstream composed
   * `NodePool` and `WebApp`): the config, ZooKeeper and database in force at each request,
   * and the node history, which the launcher records from the first call on.
   */
  statusSource(): StatusSource;
  /**
   * What `/health/live` and `/health/ready` answer (docs/web.md#health-endpoints): the main
   * loop's last pass; the config, database, ZooKeeper session and providers in force.
   */
  healthSource(): HealthSource;
}

/** The launcher part of the SIGUSR2 report. */
export interface LauncherDiagnostics {
  state: string;
  passes: number;
  lastPassAt: string | null;
  lastPassMs: number | null;
  launchesInFlight: number[];
  subnodeLaunchesInFlight: number[];
  deletesInFlight: number[];
  instanceDeletesInFlight: string[];
  cronsRunning: string[];
  config: { loads: number; lastLoadAt: string | null; path: string };
  database: {
    dialect: string;
    poolMax: number;
    used: number;
    free: number;
    pendingAcquires: number;
  } | null;
  providers: string[];
  /** This launcher in the cluster: its name, whether it leads, the providers it owns. */
  cluster: { name: string; leader: boolean; owned: string[] } | null;
  /** Each attached integration's `status()`, by integration name (`{ error }` when it threw). */
  integrations: Record<string, unknown>;
}
