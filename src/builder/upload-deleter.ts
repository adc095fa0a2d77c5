/**
 * Deleting one upload (docs/behaviour.md#builder-cleanup), for the cleanup worker: mark the record
 * `deleting` (keeping `external_id` and `external_name`, unlike upstream 0.4.0, so a failed
 * cloud call never loses the image), delete the cloud image by id (by name only when there is
 * no id), then remove the record.
 */
import type { Logger } from 'pino';
import { ResourceNotFoundError } from '../provider/index.js';
import type { ImageInfo, Provider, ProviderSet } from '../provider/index.js';
import { BadVersionError, uploadWithState } from '../zk/index.js';
import type { ImageBuilds, ImageUpload } from '../zk/index.js';

/** What {@link UploadDeleter} works with. */
export interface UploadDeleterDeps {
  readonly images: ImageBuilds;
  readonly providers: ProviderSet;
  readonly log: Logger;
}

/** Deletes uploads; counts what it removed. */
export class UploadDeleter {
  /** Upload records removed since construction. */
  removed = 0;

  constructor(private readonly deps: UploadDeleterDeps) {}

  /**
   * docs/behaviour.md#builder-cleanup: clears an `uploading` record that no upload is working on any more (a hard
   * failure such as a `kill -9`). A record without a cloud image name or id is removed with
   * no cloud call, as upstream; one that names an image (the upload reports it as soon as
   * the cloud creates it) is marked `deleting` and deleted like any other, so the image does
   * not leak. Resolves false, removing nothing, while the upload lock is held (the upload is
   * in progress), when the record is no longer `uploading`, or when its image could not be
   * deleted yet (the `deleting` record is retried by later passes).
   *
   * `u` may be stale: the upload it was read from can have finished (and released its lock)
   * since. The record is therefore read again under the upload lock and changed only when it
   * is still the same `uploading` version; otherwise a just-finished `ready` record would be
   * removed, its cloud image leaked and the build uploaded again.
   */
  async removeIfAbandoned(u: ImageUpload, signal: AbortSignal): Promise<boolean> {
    const { images, log } = this.deps;
    const lock = images.imageUploadLock(u.image, u.buildId, u.provider);
    if (!(await lock.acquire({ blocking: false, signal }))) return false;
    let marked: ImageUpload | null = null;
    try {
      const current = await images.getUpload(u.image, u.buildId, u.provider, u.id, { signal });
      if (current?.state !== 'uploading') return false;
      const hasImage = current.externalId !== null || current.externalName !== null;
      try {
        if (hasImage) {
          const data = uploadWithState(current, 'deleting');
          await images.storeUpload(u.image, u.buildId, u.provider, data, u.id, {
            version: current.version,
            signal,
          });
          marked = { ...current, state: 'deleting' };
        } else {
          await images.deleteUpload(u.image, u.buildId, u.provider, u.id, {
            version: current.version,
            signal,
          });
        }
      } catch (err) {
        // Written meanwhile by someone not using the lock (e.g. `image-delete`): not ours.
        if (err instanceof BadVersionError) return false;
        throw err;
      }
    } finally {
      await lock.release();
    }
    if (marked !== null) {
      log.info(
        'Deleting image %s of abandoned upload %s of build %s-%s in %s',
        marked.externalId ?? marked.externalName,
        u.id,
        u.image,
        u.buildId,
        u.provider,
      );
      const before = this.removed;
      await this.finish(marked, signal);
      return this.removed !== before;
    }
    this.removed += 1;
    log.info(
      'Removed upload record %s of build %s-%s in %s (uploading)',
      u.id,
      u.image,
      u.buildId,
      u.provider,
    );
    return true;
  }

  /**
   * docs/behaviour.md#builder-cleanup: an upload whose lock is held is left alone; otherwise it is marked `deleting`,
   * its cloud image deleted and its record removed. A cloud failure keeps the record (with
   * its ids) for the next pass.
   */
  async delete(upload: ImageUpload, signal: AbortSignal): Promise<void> {
    const { images } = this.deps;
    let u: ImageUpload | null = upload;
    if (u.state !== 'deleting') {
      const lock = images.imageUploadLock(u.image, u.buildId, u.provider);
      if (!(await lock.acquire({ blocking: false, signal }))) return;
      try {
        u = await images.getUpload(u.image, u.buildId, u.provider, u.id, { signal });
        if (u === null) return;
        if (u.state !== 'deleting') {
          await images.storeUpload(
            u.image,
            u.buildId,
            u.provider,
            uploadWithState(u, 'deleting'),
            u.id,
            {
              version: u.version,
              signal,
            },
          );
        }
      } finally {
        await lock.release();
      }
    }
    await this.finish(u, signal);
  }

  /** Deletes the cloud image of a `deleting` upload, then its record. */
  private async finish(u: ImageUpload, signal: AbortSignal): Promise<void> {
    const { images, log } = this.deps;
    if (u.externalId !== null || u.externalName !== null) {
      const provider = this.deps.providers.get(u.provider);
      if (provider === undefined) return;
      log.info('Deleting image build %s-%s from %s', u.image, u.buildId, u.provider);
      try {
        await deleteCloudImage(provider, u, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        log.warn({ err }, 'Unable to delete image %s-%s from %s', u.image, u.buildId, u.provider);
        return;
      }
    }
    await images.deleteUpload(u.image, u.buildId, u.provider, u.id, { signal });
    this.removed += 1;
  }
}

/**
 * True when `i` may be the image of upload `u` found by name: the same name, and no
 * nodepool build/upload id properties naming another upload.
 */
function isImageOf(i: ImageInfo, u: ImageUpload): boolean {
  const { nodepool_build_id: buildId, nodepool_upload_id: uploadId } = i.properties;
  return (
    i.name === u.externalName &&
    (buildId === undefined || buildId === u.buildId) &&
    (uploadId === undefined || uploadId === u.id)
  );
}

/** Deletes the cloud image of an upload: by id; by name only when no id was recorded. */
async function deleteCloudImage(
  provider: Provider,
  u: ImageUpload,
  signal: AbortSignal,
): Promise<void> {
  const ids =
    u.externalId !== null
      ? [u.externalId]
      : (await provider.listImages({ signal })).filter((i) => isImageOf(i, u)).map((i) => i.id);
  for (const id of ids) {
    try {
      await provider.deleteImage(id, { signal });
    } catch (err) {
      if (!(err instanceof ResourceNotFoundError)) throw err;
    }
  }
}
