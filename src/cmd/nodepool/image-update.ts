import type { CompiledConfig } from '../../config/index.js';
import { notFoundError, usageError } from '../../errors.js';
import { updateSnapshotImage } from '../../snapshot/index.js';
import { openCliSnapshotContext } from './snapshot-helpers.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/** The (provider, image) pairs PROVIDER (or `all`) names, checked as 0.3.1 did. */
function pairsOf(
  config: CompiledConfig,
  provider: string,
  image: string,
): Array<{ provider: string; isSnapshot: boolean; diskimage: string }> {
  const inUse = config.labels.some((l) => l.minReady >= 0 && l.image === image);
  if (!inUse) throw notFoundError(`Image specified, ${image}, is not in use.`);
  if (provider !== 'all' && !config.providers.some((p) => p.name === provider)) {
    throw notFoundError(`Provider ${provider} does not exist`);
  }
  const out = config.providers
    .filter((p) => provider === 'all' || p.name === provider)
    .flatMap((p) =>
      p.images
        .filter((i) => i.name === image)
        .map((i) => ({
          provider: p.name,
          isSnapshot: i.baseImage !== undefined,
          diskimage: i.diskimage,
        })),
    );
  if (out.length === 0) throw notFoundError(`Image ${image} not in use by provider ${provider}`);
  return out;
}

/**
 * `nodepool image-update PROVIDER IMAGE` (0.3-era): updates a snapshot image in the
 * foreground (boot, setup script, snapshot; as 0.3.1's CLI did) and exits when it is ready
 * or failed. For an image built with diskimage-builder it asks the builders for a new build
 * (as `image-build`); they upload it when it is done. PROVIDER may be `all`.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const [provider = '', image = ''] = args;
  if (provider === '' || image === '')
    throw usageError('Cannot update an image: PROVIDER and IMAGE are required');
  const config = await ctx.config();
  const pairs = pairsOf(config, provider, image);
  const dib = [...new Set(pairs.filter((p) => !p.isSnapshot).map((p) => p.diskimage))];
  if (dib.length > 0) {
    const builds = await openCliImageBuilds(ctx);
    for (const d of dib) {
      if (!config.diskimages.some((x) => x.name === d)) {
        throw notFoundError(`Trying to build a non disk-image-builder image: ${d}`);
      }
      await builds.submitBuildRequest(d);
      ctx.log.info('Requested a build of diskimage %s; the builders upload it when it is ready', d);
    }
  }
  const snaps = pairs.filter((p) => p.isSnapshot);
  if (snaps.length === 0) return;
  const sctx = await openCliSnapshotContext(ctx, provider === 'all' ? undefined : provider);
  const results = await Promise.allSettled(
    snaps.map((p) => updateSnapshotImage(sctx, p.provider, image)),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw failed[0]!.reason;
  for (const r of results) {
    if (r.status === 'fulfilled')
      ctx.log.info(
        'Image %s in %s is ready (id %d)',
        r.value.imageName,
        r.value.providerName,
        r.value.id,
      );
  }
}
