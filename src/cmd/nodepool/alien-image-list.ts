import { snapshotStateCode } from '../../db/index.js';
import type { SnapshotImageRecord } from '../../db/index.js';
import type { ImageInfo, Provider } from '../../provider/index.js';
import { formatTable } from '../../status/index.js';
import type { Cell } from '../../status/index.js';
import type { ImageBuilds } from '../../zk/index.js';
import { providersFailedError, recordFailure, startCliProviders } from './cloud-helpers.js';
import { openCliDatabase } from './db-helpers.js';
import { hasSnapshotImages } from './snapshot-helpers.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

const HEADERS = ['Provider', 'Name', 'Image ID'] as const;

/** The image property that marks an image as uploaded by nodepool. */
const BUILD_ID_PROPERTY = 'nodepool_build_id';

/**
 * The property Nova puts on every server snapshot, with value `snapshot`: 0.3.1's mark of
 * its snapshot images (it gives them no mark of its own).
 */
const IMAGE_TYPE_PROPERTY = 'image_type';

/** One nodepool image in a cloud that no ready upload record claims. */
interface AlienImage {
  provider: string;
  name: string;
  imageId: string;
}

/** Cloud image ids of the `ready` uploads of the provider's configured images. */
async function readyUploadIds(
  images: ImageBuilds,
  provider: Provider,
  ids: Set<string>,
): Promise<void> {
  for (const image of provider.config.images) {
    for (const buildId of await images.getBuildIds(image.name)) {
      for (const u of await images.getUploads(image.name, buildId, provider.name, {
        states: ['ready'],
      })) {
        if (u.externalId !== null) ids.add(u.externalId);
      }
    }
  }
}

/** Cloud image ids of the provider's `ready` and `building` snapshot image rows. */
function liveSnapshotIds(
  rows: readonly SnapshotImageRecord[],
  provider: Provider,
  ids: Set<string>,
): void {
  const live = new Set([snapshotStateCode('ready'), snapshotStateCode('building')]);
  for (const r of rows) {
    if (
      r.providerName === provider.name &&
      r.externalId !== null &&
      r.state !== null &&
      live.has(r.state)
    )
      ids.add(r.externalId);
  }
}

/** Only images marked as nodepool's: never report (and invite deleting) others. */
function isNodepoolImage(image: ImageInfo, withSnapshots: boolean): boolean {
  if (Object.hasOwn(image.properties, BUILD_ID_PROPERTY)) return true;
  return withSnapshots && image.properties[IMAGE_TYPE_PROPERTY] === 'snapshot';
}

/**
 * `nodepool alien-image-list [PROVIDER]`: images carrying `nodepool_build_id` whose id is not
 * the `external_id` of a ready upload of an image the provider lists. So uploads in other
 * states and images no longer configured for the provider count as aliens, as upstream.
 *
 * When the config has 0.3-era snapshot images, server snapshots (`image_type: snapshot`, as
 * 0.3.1 listed them) count as nodepool's too, and the images of the provider's `ready` and
 * `building` `snapshot_image` rows as known; ZooKeeper is then read only when configured.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const config = await ctx.config();
  const withSnapshots = hasSnapshotImages(config);
  const images =
    withSnapshots && config.zookeeperServers.length === 0 ? null : await openCliImageBuilds(ctx);
  const snapshots = withSnapshots ? await (await openCliDatabase(ctx)).snapshotImages.list() : [];
  const aliens: AlienImage[] = [];
  const { providers, failures } = await startCliProviders(ctx, args[0]);
  for (const provider of providers) {
    let cloudImages;
    try {
      cloudImages = (await provider.listImages()).filter((i) => isNodepoolImage(i, withSnapshots));
    } catch (err) {
      ctx.log.debug({ err }, 'Exception listing alien images for %s', provider.name);
      recordFailure(failures, provider.name, err);
      continue;
    }
    const known = new Set<string>();
    if (images !== null) await readyUploadIds(images, provider, known);
    liveSnapshotIds(snapshots, provider, known);
    for (const i of cloudImages) {
      if (!known.has(i.id)) aliens.push({ provider: provider.name, name: i.name, imageId: i.id });
    }
  }
  if (ctx.json) {
    ctx.out(JSON.stringify(aliens, null, 2));
  } else {
    const rows: Cell[][] = aliens.map((a) => [a.provider, a.name, a.imageId]);
    ctx.out(formatTable(HEADERS, rows));
  }
  if (failures.size > 0) throw providersFailedError(failures);
}
