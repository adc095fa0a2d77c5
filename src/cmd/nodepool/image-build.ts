import { illegalStateError, notFoundError } from '../../errors.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/**
 * `nodepool image-build IMAGE`: asks the builders for a manual build by creating
 * `/nodepool/images/IMAGE/request-build`. Prints nothing; a builder picks it up.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const name = args[0] ?? '';
  const config = await ctx.config();
  const diskimage = config.diskimages.find((d) => d.name === name);
  if (diskimage === undefined) {
    throw notFoundError(`Trying to build a non disk-image-builder image: ${name}`);
  }
  if (diskimage.pause) {
    throw illegalStateError(`Skipping build request for image ${name}; paused`, 'paused');
  }
  const images = await openCliImageBuilds(ctx);
  await images.submitBuildRequest(name);
}
