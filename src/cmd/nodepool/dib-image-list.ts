import { collectBuilds, dibImageListJson, dibImageListTable } from '../../status/index.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/**
 * `nodepool dib-image-list`: every build record in ZooKeeper, images by name and (unlike
 * upstream's unspecified order) build ids ascending. The web app's `/dib-image-list` prints
 * the same table.
 */
export async function run(ctx: CliContext): Promise<void> {
  const builds = await collectBuilds(await openCliImageBuilds(ctx));
  const now = Date.now();
  ctx.out(
    ctx.json
      ? JSON.stringify(dibImageListJson(builds, now), null, 2)
      : dibImageListTable(builds, now),
  );
}
