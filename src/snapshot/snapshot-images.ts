/**
 * Snapshot images inside nodepoold (upstream 0.3.1 `NodePool`'s image parts), as a launcher
 * integration: the `update-image` cron updates every snapshot image in use; a check every
 * few seconds starts an update for a snapshot image in use that has no `ready` or
 * `building` row ("Missing image"); the `cleanup` cron's schedule also runs the snapshot
 * cleanup. Idle (no timers) while the config has no snapshot image.
 */
import type { CompiledConfig } from '../config/index.js';
import { snapshotStateCode } from '../db/index.js';
import type { IntegrationHost, LauncherIntegration } from '../launcher/index.js';
import { getLogger } from '../log/index.js';
import { CronScheduler, TaskGroup, delay } from '../util/index.js';
import { hasSnapshotImages, runSnapshotCleanup } from './cleanup.js';
import { updateSnapshotImage } from './updater.js';
import { DEFAULT_SNAPSHOT_TIMING } from './types.js';
import type { SnapshotContext, SnapshotTiming } from './types.js';

/** Options of {@link SnapshotImages}. */
export interface SnapshotImagesOptions {
  /** `--no-launches`: no missing-image check (0.3.1 checked in the launch pass). */
  noLaunches?: boolean;
  /** `--no-deletes`: no snapshot cleanup. */
  noDeletes?: boolean;
  timing?: Partial<SnapshotTiming>;
}

/** A snapshot image of the config: provider and image names. */
interface Pair {
  readonly provider: string;
  readonly image: string;
}

const MAX_BACKOFF_MS = 3600_000;

/** What the SIGUSR2 report shows of the snapshot images integration. */
export interface SnapshotImagesStatus {
  /** True while the config in force has snapshot images (the crons are installed). */
  isActive: boolean;
  /** True once the missing-image check runs. */
  isChecking: boolean;
  /** Updates in progress. */
  updatesRunning: Array<{ provider: string; image: string }>;
  /** Its cron jobs running right now (`update-image`, `snapshot-cleanup`). */
  cronsRunning: string[];
  /** Images whose last updates failed: how many in a row and when the check retries. */
  failures: Array<{ provider: string; image: string; count: number; retryAfter: string }>;
}

function splitKey(key: string): { provider: string; image: string } {
  const [provider = '', image = ''] = key.split('\0');
  return { provider, image };
}

/** Snapshot images in use by a label with `min-ready` ≥ 0 (0.3.1 `images_in_use`). */
export function snapshotImagesInUse(config: CompiledConfig): Pair[] {
  const inUse = new Set(config.labels.filter((l) => l.minReady >= 0).map((l) => l.image));
  return config.providers.flatMap((p) =>
    p.images
      .filter((i) => i.baseImage !== undefined && inUse.has(i.name))
      .map((i) => ({ provider: p.name, image: i.name })),
  );
}

/** The nodepoold integration that keeps snapshot images current. */
export class SnapshotImages implements LauncherIntegration {
  readonly name = 'snapshot images';
  private ctx: SnapshotContext | null = null;
  private wakeLauncher: () => void = () => {};
  private scheduler: CronScheduler | null = null;
  private readonly tasks: TaskGroup;
  private readonly abort = new AbortController();
  private readonly running = new Set<string>();
  private readonly failures = new Map<string, { count: number; until: number }>();
  private isRecovered = false;
  private isChecking = false;
  /** Several launchers (issue #15): snapshot work runs on the leader only. */
  private isLeader: () => boolean = () => true;
  private isActive = false;
  private readonly timing: SnapshotTiming;

  constructor(private readonly options: SnapshotImagesOptions = {}) {
    this.timing = { ...DEFAULT_SNAPSHOT_TIMING, ...options.timing };
    this.tasks = new TaskGroup((err, name) => this.ctx?.log.error({ err }, '%s failed', name));
  }

  attach(host: IntegrationHost): void {
    const l = host.ctx;
    this.ctx = {
      log: getLogger(l.log, 'nodepool.SnapshotImageUpdater'),
      stats: l.stats,
      timing: this.timing,
      ssh: l.ssh,
      config: () => l.config(),
      db: () => l.db(),
      provider: (name) => l.provider(name),
    };
    this.wakeLauncher = () => l.wake();
    this.isLeader = () => host.isLeader?.() ?? true;
    this.scheduler = new CronScheduler(this.ctx.log);
  }

  async configure(config: CompiledConfig): Promise<void> {
    const ctx = this.ctx;
    const scheduler = this.scheduler;
    if (ctx === null || scheduler === null) return;
    this.isActive = hasSnapshotImages({ config: () => config });
    if (!this.isActive) {
      scheduler.set([]);
      return;
    }
    if (!this.isRecovered && this.isLeader()) await this.recover(ctx);
    scheduler.set([
      {
        name: 'update-image',
        parserSpec: config.cron.updateImage.parserSpec,
        run: () => this.updateAll(),
      },
      ...(this.options.noDeletes === true
        ? []
        : [
            {
              name: 'snapshot-cleanup',
              parserSpec: config.cron.cleanup.parserSpec,
              run: (s: AbortSignal) =>
                this.isLeader() ? runSnapshotCleanup(ctx, s) : Promise.resolve(),
            },
          ]),
    ]);
    if (!this.isChecking && this.options.noLaunches !== true) {
      this.isChecking = true;
      this.tasks.spawn('missing snapshot image check', () => this.checkLoop());
    }
  }

  /** Runs the `update-image` job now (tests, operators); resolves when its updates ended. */
  async updateAll(): Promise<void> {
    const ctx = this.ctx;
    if (ctx === null) return;
    await Promise.all(snapshotImagesInUse(ctx.config()).map((p) => this.update(p)));
  }

  /** Runs the snapshot cleanup now (tests). */
  async cleanupNow(): Promise<void> {
    if (this.ctx !== null) await runSnapshotCleanup(this.ctx, this.abort.signal);
  }

  /** Number of updates running. */
  get updatesRunning(): number {
    return this.running.size;
  }

  /** Updates, crons and failures, for the SIGUSR2 report. */
  status(): SnapshotImagesStatus {
    return {
      isActive: this.isActive,
      isChecking: this.isChecking,
      updatesRunning: [...this.running].map(splitKey),
      cronsRunning: this.scheduler?.running ?? [],
      failures: [...this.failures].map(([key, f]) => ({
        ...splitKey(key),
        count: f.count,
        retryAfter: new Date(f.until).toISOString(),
      })),
    };
  }

  /** Starts an update of `pair` unless one is running; resolves when it ends (never rejects). */
  private update(pair: Pair): Promise<void> {
    const ctx = this.ctx;
    const key = `${pair.provider}\0${pair.image}`;
    if (ctx === null || this.running.has(key) || this.abort.signal.aborted || !this.isLeader())
      return Promise.resolve();
    this.running.add(key);
    const done = updateSnapshotImage(ctx, pair.provider, pair.image, { signal: this.abort.signal })
      .then(
        () => {
          this.failures.delete(key);
          this.wakeLauncher();
        },
        (err: unknown) => {
          const f = this.failures.get(key) ?? { count: 0, until: 0 };
          f.count += 1;
          f.until =
            Date.now() + Math.min(this.timing.checkIntervalMs * 2 ** f.count, MAX_BACKOFF_MS);
          this.failures.set(key, f);
          if (!this.abort.signal.aborted)
            ctx.log.error({ err }, 'Could not update image %s on %s', pair.image, pair.provider);
        },
      )
      .finally(() => this.running.delete(key));
    this.tasks.spawn(`update image ${pair.image} in ${pair.provider}`, () => done);
    return done;
  }

  /** Rows left `building` by a previous process can never finish: hand them to the cleanup. */
  private async recover(ctx: SnapshotContext): Promise<void> {
    try {
      for (const row of await ctx.db().snapshotImages.list()) {
        if (row.state !== snapshotStateCode('building')) continue;
        ctx.log.warn(
          'Image id: %d of %s in %s was building when nodepoold stopped: deleting it',
          row.id,
          row.imageName,
          row.providerName,
        );
        await ctx.db().snapshotImages.update(row.id, { state: 'delete' });
      }
      this.isRecovered = true;
    } catch (err) {
      ctx.log.error({ err }, 'Cannot recover snapshot images: retrying with the next config');
    }
  }

  private async checkLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.checkMissing();
      } catch (err) {
        if (signal.aborted) return;
        this.ctx?.log.error({ err }, 'Exception in missing image check');
      }
      try {
        await delay(this.timing.checkIntervalMs, { signal });
      } catch {
        return;
      }
    }
  }

  /** 0.3.1 `checkForMissingSnapshotImage`, for every snapshot image in use. */
  private async checkMissing(): Promise<void> {
    const ctx = this.ctx;
    if (ctx === null) return;
    const config = ctx.config();
    if (!hasSnapshotImages({ config: () => config }) || !this.isLeader()) return;
    // A launcher that became leader recovers what the previous one left building.
    if (!this.isRecovered) await this.recover(ctx);
    const rows = await ctx.db().snapshotImages.list();
    const live = new Set([snapshotStateCode('ready'), snapshotStateCode('building')]);
    for (const pair of snapshotImagesInUse(config)) {
      const key = `${pair.provider}\0${pair.image}`;
      if (this.running.has(key) || (this.failures.get(key)?.until ?? 0) > Date.now()) continue;
      const found = rows.some(
        (r) =>
          r.providerName === pair.provider &&
          r.imageName === pair.image &&
          r.state !== null &&
          live.has(r.state),
      );
      if (found) continue;
      ctx.log.warn('Missing image %s on %s', pair.image, pair.provider);
      void this.update(pair).catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('nodepoold is stopping'));
    try {
      await this.scheduler?.stop();
    } finally {
      await this.tasks.drain();
    }
  }
}
