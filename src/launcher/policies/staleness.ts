/**
 * When a ready node is stale (beyond 0.4.0): ready for longer than its label's
 * `max-ready-age`, or, with `refresh-on-new-image`, booted from another image than the
 * current ready upload.
 *
 * The `node` table (0.4.0's columns) does not record the image a node booted from; the
 * cloud does: the server's image id is compared with the current upload's `external_id`.
 * The provider's shared server list answers, so this costs no call per node.
 */
import type { CompiledLabel } from '../../config/index.js';
import type { NodeRecord } from '../../db/index.js';
import type { LauncherContext } from '../context.js';
import { currentCloudImage } from '../image-source.js';

/** Per-pass state of {@link staleReason}. */
export interface StalenessOptions {
  /** The policies' clock, epoch ms. */
  readonly nowMs: number;
  /** Current cloud image ids by `image\0provider`, filled as asked (one lookup per pass). */
  readonly images: Map<string, Promise<string | null>>;
}

/** Why `node` (ready, of `label`) should be replaced, or null when it is fresh. */
export async function staleReason(
  ctx: LauncherContext,
  label: CompiledLabel,
  node: NodeRecord,
  options: StalenessOptions,
): Promise<string | null> {
  const { nowMs, images } = options;
  if (label.maxReadyAgeMs !== undefined && node.stateTime !== null) {
    const ageMs = nowMs - node.stateTime * 1000;
    if (ageMs > label.maxReadyAgeMs)
      return `ready for ${Math.round(ageMs / 1000)} s, longer than max-ready-age ${label.maxReadyAgeMs / 1000} s`;
  }
  if (label.refreshOnNewImage !== true || node.externalId === null) return null;
  const key = `${label.image}\0${node.providerName}`;
  let current = images.get(key);
  if (current === undefined) {
    current = currentCloudImage(ctx, label.image, node.providerName).catch(() => null);
    images.set(key, current);
  }
  const imageId = await current;
  const cloud = ctx.provider(node.providerName);
  if (imageId === null || cloud === undefined) return null;
  try {
    const server = await cloud.getServer(node.externalId, { signal: ctx.signal });
    if (server?.imageId === undefined || server.imageId === imageId) return null;
    return `booted from image ${server.imageId}, the current upload of "${label.image}" is ${imageId}`;
  } catch (err) {
    ctx.log.debug({ err }, 'Cannot read server %s of node %d', node.externalId, node.id);
    return null;
  }
}
