/**
 * CleanupWorker (docs/behaviour.md#builder-cleanup): keeps the two newest ready builds of each image and
 * the two newest ready uploads per (image, provider); deletes everything else — uploads
 * (cloud image first, then record), local files and build records — and carries out the
 * `deleting` marks of `nodepool dib-image-delete` and `nodepool image-delete`.
 */
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import { ProviderSet } from '../provider/index.js';
import { buildWithState } from '../zk/index.js';
import type { ImageBuild, ImageUpload } from '../zk/index.js';
import { removeBuildFiles, scanImagesDir } from './image-files.js';
import type { DibImageFile } from './image-files.js';
import { UploadDeleter } from './upload-deleter.js';
import { builderProviderConfigs } from './upload-worker.js';
import type { BuilderContext, WorkerTiming } from './worker.js';
import { BuilderWorker } from './worker.js';

/** What one pass works from. */
interface Pass {
  readonly config: CompiledConfig;
  /** Keys of the recent uploads (docs/behaviour.md#builder-cleanup): `<image>/<bid>/<provider>/<uid>`. */
  readonly recent: ReadonlySet<string>;
  readonly files: ReadonlyMap<string, DibImageFile[]>;
  readonly signal: AbortSignal;
}

function uploadKey(u: ImageUpload): string {
  return `${u.image}/${u.buildId}/${u.provider}/${u.id}`;
}

function newestFirst(a: ImageUpload, b: ImageUpload): number {
  return (b.stateTime ?? -Infinity) - (a.stateTime ?? -Infinity);
}

/** The cleanup worker, with its own provider clients. */
export class CleanupWorker extends BuilderWorker {
  private readonly providers: ProviderSet;
  private readonly deleter: UploadDeleter;

  constructor(name: string, ctx: BuilderContext, log: Logger, timing: WorkerTiming) {
    super(name, ctx, log, timing);
    this.providers = new ProviderSet(
      { ...ctx.providerDeps, log },
      ctx.drivers ? { registry: ctx.drivers } : {},
    );
    this.deleter = new UploadDeleter({ images: ctx.images, providers: this.providers, log });
  }

  override async close(): Promise<void> {
    await this.providers.stop();
  }

  protected async runOnce(signal: AbortSignal): Promise<boolean> {
    const config = await this.ctx.loadConfig();
    await this.providers.reconfigure(builderProviderConfigs(config));
    const names = await this.ctx.images.getImageNames({ signal });
    const before = this.deleter.removed;
    const pass: Pass = {
      config,
      recent: await this.recentUploads(names, signal),
      files: await scanImagesDir(config.imagesDir ?? ''),
      signal,
    };
    for (const image of names) {
      if (!this.canContinue(signal)) break;
      try {
        await this.cleanupImage(pass, image);
      } catch (err) {
        if (signal.aborted) throw err;
        this.log.error({ err }, 'Exception cleaning up image %s', image);
      }
    }
    // A removed upload of the newest build is uploaded again (docs/behaviour.md#operator-actions, image-delete).
    if (this.deleter.removed !== before) this.ctx.wake('upload');
    return false;
  }

  /** docs/behaviour.md#builder-cleanup: per (image, provider), the two newest ready uploads of ready builds. */
  private async recentUploads(names: readonly string[], signal: AbortSignal): Promise<Set<string>> {
    const { images } = this.ctx;
    const recent = new Set<string>();
    for (const image of names) {
      const perProvider = new Map<string, ImageUpload[]>();
      for (const build of await images.getBuilds(image, { states: ['ready'], signal })) {
        for (const provider of await images.getBuildProviders(image, build.id, { signal })) {
          const ups = await images.getMostRecentBuildUploads(image, build.id, provider, {
            state: 'ready',
            count: 2,
            signal,
          });
          perProvider.set(provider, [...(perProvider.get(provider) ?? []), ...ups]);
        }
      }
      for (const ups of perProvider.values()) {
        for (const u of ups.sort(newestFirst).slice(0, 2)) recent.add(uploadKey(u));
      }
    }
    return recent;
  }

  /** docs/behaviour.md#builder-cleanup. */
  private async cleanupImage(pass: Pass, image: string): Promise<void> {
    const { images, hostname } = this.ctx;
    const { config, signal } = pass;
    const all = await images.getBuilds(image, { signal });
    const keep = new Set(
      (await images.getMostRecentBuilds(image, { state: 'ready', count: 2, signal })).map(
        (b) => b.id,
      ),
    );
    // Port (0.5.0 rule): a build recorded as ours counts as local even without files.
    const local = all
      .filter((b) => pass.files.has(`${image}-${b.id}`) || b.builder === hostname)
      .map((b) => b.id);
    const isConfigured = config.diskimages.some((d) => d.name === image);
    if (!isConfigured && local.length === 0) return;
    const isInUse = config.providers.some((p) =>
      p.images.some((i) => i.diskimage === image && i.baseImage === undefined),
    );
    if (!isConfigured || !isInUse) for (const id of local) keep.delete(id);
    for (const build of all) {
      if (!this.canContinue(signal)) return;
      await this.cleanupBuild(pass, build, keep.has(build.id));
    }
  }

  private async uploadsOf(
    image: string,
    buildId: string,
    provider: string,
    signal: AbortSignal,
  ): Promise<ImageUpload[]> {
    return this.ctx.images.getUploads(image, buildId, provider, { signal });
  }

  /** docs/behaviour.md#builder-cleanup for one build. */
  private async cleanupBuild(pass: Pass, build: ImageBuild, isKept: boolean): Promise<void> {
    const { config, signal } = pass;
    const image = build.image;
    for (const p of config.providers) {
      const listsImage = p.images.some((i) => i.diskimage === image && i.baseImage === undefined);
      for (const u of await this.uploadsOf(image, build.id, p.name, signal)) {
        if (!listsImage) await this.deleter.delete(u, signal);
        else if (isKept) await this.cleanupKeptUpload(u, signal);
      }
    }
    if (build.state !== 'deleting') {
      if (isKept) return;
      if (build.state === 'building' && (await this.isBuildInProgress(image, build.id, signal)))
        return;
    }
    for (const p of config.providers) {
      for (const u of await this.uploadsOf(image, build.id, p.name, signal)) {
        if (!pass.recent.has(uploadKey(u))) await this.deleter.delete(u, signal);
      }
    }
    if (await this.hasUploads(pass, build)) return;
    await this.deleteBuild(pass, build);
  }

  /**
   * Step 2: hard-failed `uploading` records go (their cloud image first, when they name one);
   * `deleting` and (port) `failed` ones are deleted.
   */
  private async cleanupKeptUpload(u: ImageUpload, signal: AbortSignal): Promise<void> {
    if (u.state === 'uploading') {
      await this.deleter.removeIfAbandoned(u, signal);
    } else if (u.state === 'deleting' || u.state === 'failed') {
      await this.deleter.delete(u, signal);
    }
  }

  /** A `building` build is in progress while its image's build lock is held (or it changed). */
  private async isBuildInProgress(
    image: string,
    buildId: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    const lock = this.ctx.images.imageBuildLock(image);
    if (!(await lock.acquire({ blocking: false, signal }))) return true;
    try {
      const current = await this.ctx.images.getBuild(image, buildId, { signal });
      return current?.state !== 'building';
    } finally {
      await lock.release();
    }
  }

  /** Step 5: true while any upload record remains; warns about providers not in config. */
  private async hasUploads(pass: Pass, build: ImageBuild): Promise<boolean> {
    const { images } = this.ctx;
    let remaining = false;
    for (const provider of await images.getBuildProviders(build.image, build.id, {
      signal: pass.signal,
    })) {
      const ids = await images.getUploadIds(build.image, build.id, provider, {
        signal: pass.signal,
      });
      if (ids.length === 0) continue;
      remaining = true;
      if (!pass.config.providers.some((p) => p.name === provider)) {
        this.log.warn(
          'Cannot clean up build %s-%s: %d upload(s) to provider "%s", which is not in the config; remove its images from the provider before removing the provider',
          build.image,
          build.id,
          ids.length,
          provider,
        );
      }
    }
    return remaining;
  }

  /** Step 6: mark `deleting`, remove local files, then the record (by the owning host only). */
  private async deleteBuild(pass: Pass, build: ImageBuild): Promise<void> {
    const { images, hostname } = this.ctx;
    const { signal } = pass;
    const base = `${build.image}-${build.id}`;
    if (build.state !== 'deleting') {
      const lock = images.imageBuildNumberLock(build.image, build.id);
      if (!(await lock.acquire({ blocking: false, signal }))) return;
      try {
        const current = await images.getBuild(build.image, build.id, { signal });
        if (current === null) return;
        await images.storeBuild(build.image, buildWithState(current, 'deleting'), build.id, {
          version: current.version,
          signal,
        });
      } finally {
        await lock.release();
      }
    }
    const hasFiles = pass.files.has(base);
    if (!hasFiles && build.builder !== hostname) return;
    const imagesDir = pass.config.imagesDir ?? '';
    await removeBuildFiles(imagesDir, base, build.formats);
    if (await images.deleteBuild(build.image, build.id, { signal })) {
      this.log.info('Deleted build %s (%s)', base, build.state);
    } else {
      this.log.info('Unable to delete build %s because uploads still remain', base);
    }
  }
}
