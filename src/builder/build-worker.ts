/**
 * BuildWorker (docs/behaviour.md#building-images): each pass first starts scheduled builds (no ready
 * build, `rebuild-age` passed, or a format missing), then manual ones (`request-build`). A
 * build runs under the image's build lock, taken without waiting, so builders on any host
 * never build the same image at once. A ZooKeeper watch on each `request-build` wakes the
 * worker as soon as `nodepool image-build` asks.
 */
import type { CompiledConfig, CompiledDiskImage } from '../config/index.js';
import { imageBuildRequestPath } from '../zk/index.js';
import type { ZkLock } from '../zk/index.js';
import { runBuildJob } from './build-job.js';
import type { BuildJobResult } from './build-job.js';
import { BuilderWorker } from './worker.js';

/** One build worker. */
export class BuildWorker extends BuilderWorker {
  /** Request paths with a watch armed (one watch per path until it fires). */
  private readonly watched = new Set<string>();
  /** Images whose unbuildable manual request was already reported. */
  private readonly warnedRequests = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  protected async runOnce(signal: AbortSignal): Promise<boolean> {
    this.unsubscribe ??= this.ctx.zk.onSessionEvent((e) => {
      // Watches die with their session; arm them again on the next pass.
      if (e.kind === 'lost' || e.kind === 'closed') this.watched.clear();
    });
    const config = await this.ctx.loadConfig();
    await this.armRequestWatches(config, signal);
    for (const di of config.diskimages) {
      if (!this.canContinue(signal)) return false;
      await this.guard(
        di.name,
        'scheduled update',
        () => this.checkScheduled(config, di, signal),
        signal,
      );
    }
    for (const di of config.diskimages) {
      if (!this.canContinue(signal)) return false;
      await this.guard(
        di.name,
        'manual build request',
        () => this.checkManual(config, di, signal),
        signal,
      );
    }
    return false;
  }

  override close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    return Promise.resolve();
  }

  /** Runs one image's check; an error is logged and ends work on that image only. */
  private async guard(
    image: string,
    what: string,
    fn: () => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (signal.aborted) throw err;
      this.log.error({ err }, 'Exception checking for %s of diskimage %s', what, image);
    }
  }

  private async armRequestWatches(config: CompiledConfig, signal: AbortSignal): Promise<void> {
    for (const di of config.diskimages) {
      const path = imageBuildRequestPath(di.name);
      if (this.watched.has(path)) continue;
      this.watched.add(path);
      try {
        await this.ctx.zk.exists(path, {
          signal,
          watch: () => {
            this.watched.delete(path);
            this.ctx.wake('build');
          },
        });
      } catch (err) {
        this.watched.delete(path);
        throw err;
      }
    }
  }

  /** docs/behaviour.md#building-images: builds when there is no ready build, it is too old, or a format is missing. */
  private async checkScheduled(
    config: CompiledConfig,
    di: CompiledDiskImage,
    signal: AbortSignal,
  ): Promise<void> {
    if (di.pause || di.imageTypes.length === 0) return;
    const now = Math.floor(Date.now() / 1000);
    const [newest] = await this.ctx.images.getMostRecentBuilds(di.name, {
      state: 'ready',
      count: 1,
    });
    const isNeeded =
      newest === undefined ||
      now - (newest.stateTime ?? 0) >= di.rebuildAgeMs / 1000 ||
      !di.imageTypes.every((t) => newest.formats.includes(t));
    if (!isNeeded) return;
    await this.underBuildLock(di.name, signal, async (lock) => {
      // Another builder may have finished a build between the check and the lock.
      const [again] = await this.ctx.images.getMostRecentBuilds(di.name, {
        state: 'ready',
        count: 1,
      });
      if (again?.id !== newest?.id) return;
      this.log.info('Building image %s', di.name);
      await this.build(config, di, lock, signal);
    });
  }

  /** docs/behaviour.md#building-images: builds on `request-build`, deleting the request only after a ready build. */
  private async checkManual(
    config: CompiledConfig,
    di: CompiledDiskImage,
    signal: AbortSignal,
  ): Promise<void> {
    if (di.pause) return;
    if (!(await this.ctx.images.hasBuildRequest(di.name, { signal }))) {
      this.warnedRequests.delete(di.name);
      return;
    }
    if (di.imageTypes.length === 0) {
      // Compat: upstream ran dib with an empty `-t` here (docs/behaviour.md#where-we-differ-from-040); we refuse.
      if (!this.warnedRequests.has(di.name)) {
        this.warnedRequests.add(di.name);
        this.log.warn(
          'Cannot build image %s on request: no provider lists it, so it has no image-type; the request stays pending',
          di.name,
        );
      }
      return;
    }
    await this.underBuildLock(di.name, signal, async (lock) => {
      if (!(await this.ctx.images.hasBuildRequest(di.name, { signal }))) return;
      this.log.info('Manual build request for image %s', di.name);
      const result = await this.build(config, di, lock, signal);
      if (result.state === 'ready') await this.ctx.images.removeBuildRequest(di.name);
    });
  }

  /** Takes the build lock without waiting; a busy lock skips the image this pass. */
  private async underBuildLock(
    image: string,
    signal: AbortSignal,
    fn: (lock: ZkLock) => Promise<void>,
  ): Promise<void> {
    const lock = this.ctx.images.imageBuildLock(image);
    if (!(await lock.acquire({ blocking: false, signal }))) return;
    try {
      await fn(lock);
    } finally {
      await lock
        .release()
        .catch((err: unknown) => this.log.warn({ err }, 'Cannot release build lock of %s', image));
    }
  }

  private async build(
    config: CompiledConfig,
    di: CompiledDiskImage,
    lock: ZkLock,
    signal: AbortSignal,
  ): Promise<BuildJobResult> {
    const result = await runBuildJob(this.ctx, config, di, lock, {
      log: this.log,
      signal,
      types: di.imageTypes,
    });
    if (result.state === 'ready') this.ctx.wake('upload');
    this.ctx.wake('cleanup');
    return result;
  }
}
