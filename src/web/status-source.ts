/**
 * The read-only data the status web app shows, as an interface the daemon implements (or
 * builds with {@link createStatusSource} from what it already holds). The web app never
 * writes anything and never holds a lock.
 */
import type { LauncherListEntry } from '../cluster/index.js';
import { effectiveMinReady } from '../config/index.js';
import type { CompiledConfig } from '../config/index.js';
import type { NodeRecord, Repos, SnapshotImageRecord } from '../db/index.js';
import { NodepoolError } from '../errors.js';
import { collectBuilds, collectUploads } from '../status/index.js';
import type {
  ActivityCounters,
  CounterEntry,
  LabelInfo,
  NodeHistory,
  NodeSample,
  PolicyAlarms,
} from '../status/index.js';
import type { ImageBuild, ImageBuilds, ImageUpload } from '../zk/index.js';

/** Options of the source's reads. */
export interface StatusCallOptions {
  readonly signal?: AbortSignal;
}

/** What the web app shows of a configured provider. */
export interface ProviderInfo {
  readonly name: string;
  /** -1 when the provider is being drained (`max-servers: -1`). */
  readonly maxServers: number;
}

/**
 * A source cannot answer because what it needs is not configured (no `zookeeper-servers`,
 * no `dburi`). The web app answers 503 with the message as a one-line reason.
 */
export class StatusUnavailableError extends NodepoolError {
  constructor(message: string) {
    super(message, { code: 'ERR_STATUS_UNAVAILABLE' });
    this.name = 'StatusUnavailableError';
  }
}

/** The read-only data behind every endpoint of the web app. */
export interface StatusSource {
  /**
   * Every build record, images by name, build ids ascending (`dib-image-list` order).
   * @throws StatusUnavailableError when no ZooKeeper is configured
   */
  listBuilds(o?: StatusCallOptions): Promise<ImageBuild[]>;
  /**
   * Every upload record in any state (`image-list` order). None without ZooKeeper when the
   * config has snapshot images (as `nodepool image-list`).
   * @throws StatusUnavailableError when no ZooKeeper is configured and there are no snapshot images
   */
  listUploads(o?: StatusCallOptions): Promise<ImageUpload[]>;
  /**
   * The 0.3-era `snapshot_image` rows (`image-list` order) when the config has snapshot
   * images (`base-image`); none otherwise, as `nodepool image-list`.
   * @throws StatusUnavailableError when there are snapshot images but no database
   */
  listSnapshotImages(o?: StatusCallOptions): Promise<SnapshotImageRecord[]>;
  /**
   * Every node, ordered by provider, label and id (`nodepool list` order).
   * @throws StatusUnavailableError when there is no database
   */
  listNodes(o?: StatusCallOptions): Promise<NodeRecord[]>;
  /** The labels of the configuration in force, in config order. */
  labels(): readonly LabelInfo[];
  /** The providers of the configuration in force, in config order. */
  providers(): readonly ProviderInfo[];
  /** Node counts over time, oldest first (empty when nothing records them). */
  history(): readonly NodeSample[];
  /**
   * The launchers of the cluster, the leader and their provider claims (`launcher-list`);
   * none when the daemon gave no reader.
   */
  listLaunchers(o?: StatusCallOptions): Promise<LauncherListEntry[]>;
  /** Launch and delete counters since the daemon started. */
  counters(): {
    readonly launches: readonly CounterEntry[];
    readonly deletes: readonly CounterEntry[];
  };
  /** Quota episodes and stuck labels (pool policies beyond 0.4.0); none when absent. */
  alarms?(): PolicyAlarms;
}

/** What {@link createStatusSource} reads from; each getter is called on every request. */
export interface StatusSourceDeps {
  /** The configuration in force; null before the first one loaded. */
  readonly config: () => CompiledConfig | null;
  /** The image records over the daemon's ZooKeeper session; null when none is configured. */
  readonly imageBuilds: () => ImageBuilds | null;
  /** The daemon's database; null when there is none. */
  readonly database: () => Pick<Repos, 'nodes' | 'snapshotImages'> | null;
  /** Recorded by the launcher once per pass. */
  readonly history?: NodeHistory;
  /** Counted by the launcher as it reports statsd launches and deletes. */
  readonly counters?: ActivityCounters;
  /** The cluster's `list()` (issue #15); absent: `/launcher-list` is empty. */
  readonly launchers?: () => Promise<LauncherListEntry[]>;
  /** The wall clock min-ready schedules are read at (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** Labels with their effective min-ready at `nowMs` (a schedule's period, else their own). */
function labelsOf(config: CompiledConfig | null, nowMs: number): LabelInfo[] {
  return (config?.labels ?? []).map((l) => {
    const eff = effectiveMinReady(l, nowMs);
    return {
      name: l.name,
      image: l.image,
      minReady: eff.minReady,
      subnodes: l.subnodes,
      providers: l.providers.map((p) => p.name),
      ...(l.minReadySchedule !== undefined
        ? {
            schedule: {
              period: eff.period,
              ...(eff.cron !== undefined ? { cron: eff.cron } : {}),
              timezone: l.minReadySchedule.timezone,
              configured: l.minReady,
            },
          }
        : {}),
    };
  });
}

/** True when some provider image is a 0.3-era snapshot image (`base-image`). */
function hasSnapshotImages(config: CompiledConfig | null): boolean {
  return (config?.providers ?? []).some((p) => p.images.some((i) => i.baseImage !== undefined));
}

/** Builds a {@link StatusSource} over the daemon's config, ZooKeeper session and database. */
export function createStatusSource(deps: StatusSourceDeps): StatusSource {
  const images = (): ImageBuilds => {
    const zk = deps.imageBuilds();
    if (zk === null) {
      throw new StatusUnavailableError(
        'Cannot list images: no ZooKeeper is configured: add "zookeeper-servers" to nodepool.yaml',
      );
    }
    return zk;
  };
  const database = (what: string): Pick<Repos, 'nodes' | 'snapshotImages'> => {
    const db = deps.database();
    if (db === null) {
      throw new StatusUnavailableError(
        `Cannot list ${what}: no database is configured: add "dburi" to the [database] section of secure.conf`,
      );
    }
    return db;
  };
  return {
    listBuilds: (o = {}) => collectBuilds(images(), o),
    async listUploads(o = {}) {
      // As the CLI: a snapshot-only config (no ZooKeeper) lists its snapshot rows alone.
      if (deps.imageBuilds() === null && hasSnapshotImages(deps.config())) return [];
      return collectUploads(images(), o);
    },
    async listSnapshotImages() {
      if (!hasSnapshotImages(deps.config())) return [];
      return database('snapshot images').snapshotImages.list();
    },
    async listNodes() {
      return database('nodes').nodes.list();
    },
    labels: () => labelsOf(deps.config(), (deps.now ?? Date.now)()),
    providers: () =>
      (deps.config()?.providers ?? []).map((p) => ({ name: p.name, maxServers: p.maxServers })),
    history: () => deps.history?.samples() ?? [],
    listLaunchers: () => deps.launchers?.() ?? Promise.resolve([]),
    counters: () => ({
      launches: deps.counters?.launchEntries() ?? [],
      deletes: deps.counters?.deleteEntries() ?? [],
    }),
    alarms: () =>
      deps.counters?.policies.snapshot() ?? { quotaExceeded: [], overQuota: [], stuck: [] },
  };
}
