/**
 * 0.3-era snapshot images on OpenStack: the Nova `createImage` server action, the wait for
 * the Glance image, and the temporary key pairs of template servers.
 */
import { TASK } from '../../stats/index.js';
import type { CallOptions, CreateSnapshotRequest, ImageInfo } from '../driver.js';
import { deleteImage, waitForImage } from './images.js';
import type { ImageDeps } from './images.js';
import type { NovaApi } from './clients.js';

/** What the snapshot functions need from the provider. */
export interface SnapshotDeps extends ImageDeps {
  nova: NovaApi;
}

/** 0.3.1's IMAGE_TIMEOUT: saving an image may take very long on some clouds. */
const DEFAULT_TIMEOUT_MS = 6 * 3600_000;

/**
 * Snapshots `serverId` and waits for the image to be active. On any failure after the
 * image exists, the image is deleted (best effort, logged) before the error is rethrown.
 */
export async function createSnapshot(
  d: SnapshotDeps,
  serverId: string,
  req: CreateSnapshotRequest,
  o: CallOptions = {},
): Promise<ImageInfo> {
  const imageId = await d.task(
    TASK.imageSnapshotCreate,
    (s) => d.nova.createImage(serverId, req.name, req.metadata ?? {}, s ? { signal: s } : {}),
    o,
  );
  try {
    await req.onCreated?.(imageId);
    return await waitForImage(d, imageId, {
      timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    try {
      await deleteImage(d, imageId);
    } catch (cleanupErr) {
      d.log.warn(
        { err: cleanupErr, imageId },
        'Cannot delete image %s of a failed snapshot',
        imageId,
      );
    }
    throw err;
  }
}

/** Imports a public key as a key pair. */
export async function createKeypair(
  d: SnapshotDeps,
  name: string,
  publicKey: string,
  o: CallOptions = {},
): Promise<void> {
  await d.task(
    TASK.keypairCreate,
    (s) => d.nova.createKeypair(name, publicKey, s ? { signal: s } : {}),
    o,
  );
}

/** Deletes a key pair. @throws ResourceNotFoundError */
export async function deleteKeypair(
  d: SnapshotDeps,
  name: string,
  o: CallOptions = {},
): Promise<void> {
  await d.task(TASK.keypairDelete, (s) => d.nova.deleteKeypair(name, s ? { signal: s } : {}), o);
}
