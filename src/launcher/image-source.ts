/**
 * Which cloud image a label boots from in a provider (docs/behaviour.md#what-the-launcher-reads-and-writes, extended for 0.3-era
 * images): for an image built with diskimage-builder, the newest `ready` upload in ZooKeeper
 * of the diskimage it is built from (its `diskimage:` key, else its own name); for a
 * snapshot image (`base-image` + `setup`), the newest `ready` row of `snapshot_image`.
 */
import type { LauncherContext } from './context.js';

export type { UploadSource } from './context.js';

/** The cloud image id to boot `image` from in `provider`, or null when there is none yet. */
export async function currentCloudImage(
  ctx: LauncherContext,
  image: string,
  provider: string,
): Promise<string | null> {
  const pi = ctx
    .config()
    .providers.find((p) => p.name === provider)
    ?.images.find((i) => i.name === image);
  if (pi?.baseImage !== undefined) {
    const row = await ctx.db().snapshotImages.current(provider, image);
    return row?.externalId ?? null;
  }
  const upload = await ctx.images()?.get(pi?.diskimage ?? image, provider, { signal: ctx.signal });
  return upload?.externalId ?? null;
}
