/**
 * What the 0.3-era image verbs share: whether the config has snapshot images, and a
 * snapshot context over the CLI's database and providers.
 */
import type { CompiledConfig } from '../../config/index.js';
import { getLogger } from '../../log/index.js';
import { DEFAULT_SNAPSHOT_TIMING } from '../../snapshot/index.js';
import type { SnapshotContext } from '../../snapshot/index.js';
import { createNoopStats } from '../../stats/index.js';
import { SHIPPED_SSH_SEAM } from '../ssh-seam.js';
import { openCliProviders } from './cloud-helpers.js';
import { openCliDatabase } from './db-helpers.js';
import type { CliContext } from './verb.js';

/** True when some provider image is a snapshot image (`base-image`). */
export function hasSnapshotImages(config: CompiledConfig): boolean {
  return config.providers.some((p) => p.images.some((i) => i.baseImage !== undefined));
}

/**
 * A snapshot context for the command: the database, the providers (all, or only `only`),
 * and the SSH seam (the context's, else the shipped one).
 * @throws ConfigError when there is no usable dburi
 */
export async function openCliSnapshotContext(
  ctx: CliContext,
  only?: string,
): Promise<SnapshotContext> {
  const config = await ctx.config();
  const db = await openCliDatabase(ctx);
  const providers = await openCliProviders(ctx, only);
  return {
    log: getLogger(ctx.log, 'nodepool.SnapshotImageUpdater'),
    stats: createNoopStats(),
    timing: DEFAULT_SNAPSHOT_TIMING,
    ssh: ctx.ssh ?? SHIPPED_SSH_SEAM,
    config: () => config,
    db: () => db,
    provider: (name) => providers.find((p) => p.name === name),
  };
}
