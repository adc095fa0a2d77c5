/**
 * What the launcher's parts (launches, deletions, crons, recovery) share: the current
 * configuration, the database, the providers, the image cache, hooks and timing knobs.
 * Everything is read through functions at each step, so a reconfigure between two steps of
 * a launch is picked up (a replaced provider is used for the next call).
 */
import type { ActivityCounters } from '../status/index.js';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { RepoPorts } from '../db/index.js';
import type { Provider } from '../provider/index.js';
import type { Stats } from '../stats/index.js';
import type { GearmanHooks, JenkinsHooks, SshSeam } from './hooks.js';
import type { ImageUpload } from '../zk/index.js';
import type { LoginSlots } from '../ssh/index.js';
import type { LaunchPlan, NodeCount } from './allocation/index.js';

/**
 * Where the current `ready` upload of an image to a provider is read: the ZooKeeper
 * `ImageCache` in nodepoold, an in-memory one in unit tests.
 */
export interface UploadSource {
  /** The newest `ready` upload, or null when there is none. */
  get(
    image: string,
    provider: string,
    options?: { signal?: AbortSignal },
  ): Promise<ImageUpload | null>;
}

/** The wall clock time-based policies read (min-ready schedules, ready-node age). */
export interface WallClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system wall clock. */
export const systemWallClock: WallClock = { now: () => Date.now() };

/** Timing knobs; production defaults, tests shorten them. */
export interface LauncherTiming {
  /** Longest sleep of the main loop between passes (`WATERMARK_SLEEP`). @default 10_000 */
  intervalMs: number;
  /** Wait for a deleted server to disappear. @default 600_000 */
  deleteTimeoutMs: number;
  /** Poll interval while a primary node waits for its subnodes. @default 2000 */
  subnodePollMs: number;
  /** How long a primary waits for its subnodes before carrying on (8 h − 60 s). */
  subnodeWaitMs: number;
  /** Age after which `building`/`used` nodes are deleted by cleanup. @default 8 h */
  nodeCleanupMs: number;
  /**
   * Age (since `state_time`) after which the cleanup cron deletes a `building` node or
   * subnode that has no launch in flight in this process (an orphan). @default 60_000
   */
  orphanGraceMs: number;
  /** Age after which `test` nodes are deleted by cleanup. @default 5 min */
  testCleanupMs: number;
  /** How long stop() lets launches and deletions finish before aborting them. @default 30_000 */
  stopGraceMs: number;
  /** Parallel SSH probes of the `check` cron. @default 8 */
  checkConcurrency: number;
  /** Timeout of one `check` probe. @default 60_000 */
  checkTimeoutMs: number;
  /** Delay between a job's `onFinalized` event and its node's deletion (`DELETE_DELAY`). @default 60_000 */
  jobDeleteDelayMs: number;
  /** How often the node tables' change fingerprint is read (foreign writers). @default 1000 */
  changePollMs: number;
}

/** Production timing. */
export const DEFAULT_TIMING: Readonly<LauncherTiming> = Object.freeze({
  intervalMs: 10_000,
  deleteTimeoutMs: 600_000,
  subnodePollMs: 2000,
  subnodeWaitMs: 8 * 3600_000 - 60_000,
  nodeCleanupMs: 8 * 3600_000,
  orphanGraceMs: 60_000,
  testCleanupMs: 300_000,
  stopGraceMs: 30_000,
  checkConcurrency: 8,
  checkTimeoutMs: 60_000,
  jobDeleteDelayMs: 60_000,
  changePollMs: 1000,
});

/** The shared state of one launcher (or of one `nodepool delete --now`). */
export interface LauncherContext {
  /** `nodepool.NodePool`; parts derive their upstream-named loggers from it. */
  readonly log: Logger;
  readonly stats: Stats;
  readonly timing: LauncherTiming;
  readonly ssh: SshSeam;
  /** Bounds SSH login attempts over every launch and check (`ssh.maxConcurrentLogins`). */
  readonly sshSlots?: LoginSlots;
  readonly jenkins: JenkinsHooks;
  readonly gearman: GearmanHooks;
  /** The configuration in force. */
  config(): CompiledConfig;
  /** The database in force (its repositories). */
  db(): RepoPorts;
  /** The running provider called `name`, if configured. */
  provider(name: string): Provider | undefined;
  /** The image cache, when ZooKeeper is configured. */
  images(): UploadSource | null;
  /** Aborted when launches and deletions must give up (end of the stop grace). */
  readonly signal: AbortSignal;
  /** Runs the main pass as soon as possible. */
  wake(): void;
  /** Node counts changed: the gauges should be sent again. */
  gaugesChanged(): void;
  /** Launch and delete counts since start, for the web app's `/metrics`. */
  readonly activity: ActivityCounters;
  /** Wall clock of the min-ready schedules and `max-ready-age`. @default systemWallClock */
  readonly clock?: WallClock;
  /** Quota failover, launch attempts and the stuck alarm (beyond 0.4.0); none when absent. */
  readonly policies?: PolicyHooks;
}

/** How a launch ended, as the launch reports it to the policies. */
export interface LaunchEnd {
  readonly label: string;
  readonly provider: string;
  /** `ready` or the statsd error key (`error.quota`, `error.status`, ...). */
  readonly result: string;
  readonly error?: unknown;
}

/** What one pass saw, for the stuck-demand alarm. */
export interface PassView {
  readonly plan: LaunchPlan;
  readonly counts: readonly NodeCount[];
  readonly onlineTargets: ReadonlySet<string>;
  hasImage(image: string, provider: string): boolean;
}

/**
 * What the pass and the launches ask of the pool policies beyond 0.4.0 (quota failover,
 * launch attempts, the stuck alarm); `LaunchPolicies` in `policies/` implements it.
 */
export interface PolicyHooks {
  /** Before allocation (ends quota episodes whose limits show room). */
  beforePass(ctx: LauncherContext): Promise<void>;
  /** The (label, provider) pairs allocation may link, on top of its image check. */
  usable(
    config: CompiledConfig,
    hasImage: (image: string, provider: string) => boolean,
  ): (label: string, provider: string) => boolean;
  /** After allocation, before the creates: the providers among `names` with no quota room. */
  checkRoom(ctx: LauncherContext, names: Iterable<string>): Promise<Set<string>>;
  /** What the pass saw. */
  observe(ctx: LauncherContext, view: PassView): void;
  /** A launch ended. */
  launchEnded(ctx: LauncherContext, e: LaunchEnd): void;
}
