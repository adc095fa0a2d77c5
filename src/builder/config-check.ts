/** What upstream's builder refuses to start without (docs/behaviour.md#builder-processes Startup). */
import type { CompiledConfig } from '../config/index.js';
import { NodepoolError } from '../errors.js';

/**
 * Checks the config the builder needs, with upstream's messages.
 * @throws BuilderConfigError
 */
export function checkBuilderConfig(
  config: Pick<CompiledConfig, 'zookeeperServers' | 'imagesDir'>,
): void {
  if (config.zookeeperServers.length === 0)
    throw new NodepoolError('No ZooKeeper servers specified in config.', {
      code: 'ERR_BUILDER_CONFIG',
    });
  if (config.imagesDir === undefined || config.imagesDir === '')
    throw new NodepoolError('No images-dir specified in config.', { code: 'ERR_BUILDER_CONFIG' });
}
