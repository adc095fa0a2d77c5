import type { SnapshotImageRecord } from '../../db/index.js';
import {
  collectUploads,
  imageListJson,
  imageListTable,
  snapshotImageListJson,
} from '../../status/index.js';
import type { ImageUpload } from '../../zk/index.js';
import { openCliDatabase } from './db-helpers.js';
import { hasSnapshotImages } from './snapshot-helpers.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/**
 * `nodepool image-list`: every upload record in any state; images and providers by name,
 * build and upload ids ascending (upstream leaves the ids unordered). The web app's
 * `/image-list` prints the same table. When the config has 0.3-era snapshot images, their
 * `snapshot_image` rows follow, with Build ID `snapshot` and the row id as Upload ID (and
 * ZooKeeper is read only when configured).
 */
export async function run(ctx: CliContext): Promise<void> {
  const config = await ctx.config();
  const withSnapshots = hasSnapshotImages(config);
  const uploads: ImageUpload[] =
    withSnapshots && config.zookeeperServers.length === 0
      ? []
      : await collectUploads(await openCliImageBuilds(ctx));
  const snapshots: SnapshotImageRecord[] = withSnapshots
    ? await (await openCliDatabase(ctx)).snapshotImages.list()
    : [];
  const now = Date.now();
  ctx.out(
    ctx.json
      ? JSON.stringify(
          [...imageListJson(uploads, now), ...snapshotImageListJson(snapshots, now)],
          null,
          2,
        )
      : imageListTable(uploads, now, snapshots),
  );
}
