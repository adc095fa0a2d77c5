/**
 * UploadWorker (docs/behaviour.md#uploading-images): uploads the newest ready build of each provider image that
 * has no ready upload yet, when this host holds the build's files. One upload per pass, under
 * the upload lock of (image, build, provider); failures back off per pair (bounded, see
 * {@link UploadBackoff}) instead of retrying every pass forever.
 */
import type { Logger } from 'pino';
import type { CompiledConfig, CompiledProvider, CompiledProviderImage } from '../config/index.js';
import { ProviderSet } from '../provider/index.js';
import type { Provider } from '../provider/index.js';
import { imageUpdateMetric } from '../stats/index.js';
import type { ImageBuild, ImageUploadData, ZkLock } from '../zk/index.js';
import { NodepoolError } from '../errors.js';
import { findBuildFiles, readChecksums } from './image-files.js';
import type { DibImageFile } from './image-files.js';
import { formatImageName } from './image-name.js';
import type { BuilderContext, WorkerTiming } from './worker.js';
import { BuilderWorker } from './worker.js';

/**
 * Provider configs as the builder uses them. Compat: upstream's builder made its cloud calls
 * without the provider's `rate` limit (docs/behaviour.md#builder-processes), so the builder's clients get rate 0.
 */
export function builderProviderConfigs(config: CompiledConfig): CompiledProvider[] {
  return config.providers.map((p) => ({ ...p, rateMs: 0 }));
}

/**
 * The images of a provider the builder uploads: all but 0.3-era snapshot images (those are
 * made by nodepoold), one per diskimage (two images built from one diskimage share its
 * uploads, which live under the diskimage's name).
 */
export function uploadableImages(provider: CompiledProvider): CompiledProviderImage[] {
  const seen = new Set<string>();
  return provider.images.filter((i) => {
    if (i.baseImage !== undefined || seen.has(i.diskimage)) return false;
    seen.add(i.diskimage);
    return true;
  });
}

/** One upload worker, with its own provider clients. */
export class UploadWorker extends BuilderWorker {
  private readonly providers: ProviderSet;

  constructor(name: string, ctx: BuilderContext, log: Logger, timing: WorkerTiming) {
    super(name, ctx, log, timing);
    this.providers = new ProviderSet(
      { ...ctx.providerDeps, log },
      ctx.drivers ? { registry: ctx.drivers } : {},
    );
  }

  protected async runOnce(signal: AbortSignal): Promise<boolean> {
    const config = await this.ctx.loadConfig();
    await this.providers.reconfigure(builderProviderConfigs(config));
    for (const provider of config.providers) {
      for (const image of uploadableImages(provider)) {
        if (!this.canContinue(signal)) return false;
        let attempted = false;
        try {
          attempted = await this.checkUpload(config, provider, image, signal);
        } catch (err) {
          if (signal.aborted) throw err;
          this.log.error(
            { err },
            'Error uploading image %s to provider %s',
            image.name,
            provider.name,
          );
        }
        // Compat: one upload per pass, so the next one sees a fresh config (docs/behaviour.md#builder-processes).
        if (attempted) return true;
      }
    }
    return false;
  }

  override async close(): Promise<void> {
    await this.providers.stop();
  }

  /** docs/behaviour.md#uploading-images: resolves true when an upload was attempted. */
  private async checkUpload(
    config: CompiledConfig,
    provider: CompiledProvider,
    image: CompiledProviderImage,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (image.pause) return false;
    const images = this.ctx.images;
    // Builds, files and upload records live under the diskimage's name (0.3-era
    // `diskimage:` key; at 0.4.0 it equals the image name).
    const name = image.diskimage;
    const [build] = await images.getMostRecentBuilds(name, {
      state: 'ready',
      count: 1,
      signal,
    });
    if (build === undefined) return false;
    const files = await findBuildFiles(config.imagesDir ?? '', `${name}-${build.id}`);
    if (files.length === 0) return false;
    if (await this.hasReadyUpload(name, build.id, provider.name, signal)) return false;
    if (!build.formats.includes(provider.imageType)) return false;
    if (this.ctx.backoff.remainingMs(name, provider.name) > 0) return false;

    const lock = images.imageUploadLock(name, build.id, provider.name);
    if (!(await lock.acquire({ blocking: false, signal }))) return false;
    try {
      if (await this.hasReadyUpload(name, build.id, provider.name, signal)) return false;
      // Another builder's cleanup may be deleting this build (configs can disagree).
      const current = await images.getBuild(name, build.id, { signal });
      if (current === null || current.state === 'deleting') return false;
      await this.uploadUnderLock(provider, image, build, files, lock, signal);
      return true;
    } finally {
      await lock
        .release()
        .catch((err: unknown) => this.log.warn({ err }, 'Cannot release upload lock'));
    }
  }

  private async hasReadyUpload(
    image: string,
    buildId: string,
    provider: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    const ready = await this.ctx.images.getMostRecentBuildUploads(image, buildId, provider, {
      state: 'ready',
      count: 1,
      signal,
    });
    return ready.length > 0;
  }

  private async uploadUnderLock(
    provider: CompiledProvider,
    image: CompiledProviderImage,
    build: ImageBuild,
    files: readonly DibImageFile[],
    lock: ZkLock,
    signal: AbortSignal,
  ): Promise<void> {
    const { images, zk } = this.ctx;
    const generation = zk.generation;
    const uploadId = await images.storeUpload(image.diskimage, build.id, provider.name, {
      state: 'uploading',
    });
    let data = await this.upload(
      provider,
      image,
      build,
      uploadId,
      files,
      AbortSignal.any([signal, lock.signal]),
    );
    if (data.state === 'ready' && (zk.generation !== generation || lock.signal.aborted)) {
      // Port: the upload lock went with the session; keep the cloud ids so cleanup deletes it.
      this.log.warn(
        'ZooKeeper session lost while uploading %s-%s to %s',
        image.diskimage,
        build.id,
        provider.name,
      );
      data = { ...data, state: 'failed' };
    }
    try {
      if (!zk.isConnected) await zk.waitConnected({ signal });
      if (data.state === 'ready' && zk.generation !== generation)
        data = { ...data, state: 'failed' };
      await images.storeUpload(image.diskimage, build.id, provider.name, data, uploadId);
    } catch (err) {
      // The record may stay `uploading`: remove the image now rather than leave it to
      // cleanup (which deletes it by the id recorded, if any, and removes the record).
      if (data.externalId != null) await this.deleteOrphan(provider.name, data.externalId);
      throw err;
    }
    if (data.state === 'ready') {
      this.ctx.backoff.recordSuccess(image.diskimage, provider.name);
      this.ctx.wake('cleanup');
    } else {
      const waitMs = this.ctx.backoff.recordFailure(image.diskimage, provider.name);
      this.log.info(
        'Next upload of %s to %s in %d s at the earliest',
        image.diskimage,
        provider.name,
        Math.round(waitMs / 1000),
      );
    }
  }

  /** docs/behaviour.md#image-names-and-upload: one upload; any failure gives a `failed` record (never a stuck `uploading`). */
  private async upload(
    provider: CompiledProvider,
    image: CompiledProviderImage,
    build: ImageBuild,
    uploadId: string,
    files: readonly DibImageFile[],
    signal: AbortSignal,
  ): Promise<ImageUploadData> {
    const base = `${image.diskimage}-${build.id}`;
    const started = performance.now();
    const { images } = this.ctx;
    const record = (data: ImageUploadData): Promise<string> =>
      images.storeUpload(image.diskimage, build.id, provider.name, data, uploadId, { signal });
    let name: string | null = null;
    const created: { id: string | null } = { id: null };
    try {
      const file = files.find((f) => f.extension === provider.imageType);
      if (file === undefined) {
        throw new NodepoolError(
          `Unable to find image file of type ${provider.imageType} for id ${build.id} to upload`,
          { code: 'ERR_BUILDER_INVALID_COMMAND' },
        );
      }
      const client = this.client(provider.name);
      name = formatImageName(provider.templateHostname, {
        imageName: image.name,
        imageId: base,
        provider,
        timestamp: Math.floor(Date.now() / 1000),
      });
      const checksums = await readChecksums(file.path);
      // Never lose a cloud image (a kill -9 can come at any moment): the record names the
      // image before it exists, and carries its id from the moment the cloud gives it, so
      // the cleanup of an abandoned `uploading` record can delete it.
      const externalName = name;
      await record({ state: 'uploading', externalName });
      this.log.info(
        'Uploading DIB image build %s from %s to %s',
        build.id,
        file.path,
        provider.name,
      );
      const uploaded = await client.uploadImage(
        {
          name,
          filename: file.path,
          diskFormat: provider.imageType,
          properties: { ...image.meta, nodepool_build_id: build.id, nodepool_upload_id: uploadId },
          ...checksums,
          onCreated: async (id) => {
            created.id = id;
            signal.throwIfAborted();
            await record({ state: 'uploading', externalId: id, externalName });
          },
        },
        { signal },
      );
      const key = imageUpdateMetric(image.name, provider.name);
      this.ctx.stats.timing(key, performance.now() - started);
      this.ctx.stats.increment(key);
      this.log.info('Image build %s in %s is ready', base, provider.name);
      return { state: 'ready', externalId: uploaded.id, externalName: name };
    } catch (err) {
      this.log.error(
        { err },
        'Failed to upload image %s to provider %s',
        image.name,
        provider.name,
      );
      const isRemoved = name === null || (await this.removePartial(provider.name, name, uploadId));
      // Cleanup deletes a `failed` record's image by id when it could not be removed here.
      return isRemoved || created.id === null
        ? { state: 'failed' }
        : { state: 'failed', externalId: created.id, externalName: name };
    }
  }

  /**
   * After a failed or abandoned upload, deletes any cloud image it left (found by its name
   * and `nodepool_upload_id`), so nothing leaks that no record points to. Best effort:
   * resolves false when it could not look or delete.
   */
  private async removePartial(provider: string, name: string, uploadId: string): Promise<boolean> {
    const client = this.providers.get(provider);
    if (client === undefined) return false;
    try {
      const left = (await client.listImages()).filter(
        (i) => i.name === name && i.properties.nodepool_upload_id === uploadId,
      );
      for (const i of left) {
        this.log.info('Deleting image %s left in %s by failed upload %s', i.id, provider, uploadId);
        await client.deleteImage(i.id);
      }
      return true;
    } catch (err) {
      this.log.warn(
        { err },
        'Cannot look for images left in %s by failed upload %s',
        provider,
        uploadId,
      );
      return false;
    }
  }

  private async deleteOrphan(provider: string, imageId: string): Promise<void> {
    try {
      await this.providers.get(provider)?.deleteImage(imageId);
    } catch (err) {
      this.log.error(
        { err },
        'Cannot delete image %s in %s after its upload record was lost',
        imageId,
        provider,
      );
    }
  }

  private client(name: string): Provider & Required<Pick<Provider, 'uploadImage'>> {
    const p = this.providers.get(name);
    if (p?.uploadImage === undefined) {
      throw new NodepoolError(
        `Cannot upload to provider "${name}": its driver cannot upload images`,
        {
          code: 'ERR_BUILDER_INVALID_COMMAND',
        },
      );
    }
    return p as Provider & Required<Pick<Provider, 'uploadImage'>>;
  }
}
