import { illegalStateError, notFoundError, usageError } from '../../errors.js';
import {
  BadVersionError,
  buildWithState,
  isValidName,
  parseBuildDisplayId,
} from '../../zk/index.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/**
 * `nodepool dib-image-delete ID`: marks build `<image>-<build id>` as `deleting` (keeping its
 * other fields); the builders' cleanup removes uploads, files and the record.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const id = args[0] ?? '';
  const parsed = parseBuildDisplayId(id);
  if (parsed === null)
    throw usageError(`Invalid build id: expected IMAGE-BUILD_ID: current value is "${id}"`);
  if (!isValidName(parsed.image) || !isValidName(parsed.buildId))
    throw notFoundError(`Build ${id} not found`);
  const images = await openCliImageBuilds(ctx);
  // Re-read and retry when a builder rewrites the record between our read and write.
  for (let attempt = 0; ; attempt++) {
    const build = await images.getBuild(parsed.image, parsed.buildId);
    if (build === null) throw notFoundError(`Build ${id} not found`);
    if (build.state === 'building')
      throw illegalStateError('Cannot delete a build in progress', 'building');
    try {
      await images.storeBuild(parsed.image, buildWithState(build, 'deleting'), build.id, {
        version: build.version,
      });
      return;
    } catch (err) {
      if (!(err instanceof BadVersionError) || attempt >= 4) throw err;
    }
  }
}
