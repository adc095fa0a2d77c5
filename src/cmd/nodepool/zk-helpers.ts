/**
 * What the ZooKeeper verbs share: a session on the configured `zookeeper-servers` (closed
 * when the command ends) and the image record API over it. No cloud, no database.
 */
import { ConfigError } from '../../config/index.js';
import { ImageBuilds, ZkClient } from '../../zk/index.js';
import type { CliContext } from './verb.js';

/**
 * Connects to ZooKeeper as configured and returns the image records.
 * @throws ConfigError when no server is configured or the chroots disagree (exit status 2);
 *   NodepoolError `ERR_ZK_CONNECT_TIMEOUT` when no server answers.
 */
export async function openCliImageBuilds(ctx: CliContext): Promise<ImageBuilds> {
  return new ImageBuilds(await openCliZooKeeper(ctx));
}

/**
 * Connects to ZooKeeper as configured; the session is closed when the command ends.
 * @throws as {@link openCliImageBuilds}
 */
export async function openCliZooKeeper(ctx: CliContext): Promise<ZkClient> {
  const config = await ctx.config();
  const where = { file: ctx.configPath, path: ['zookeeper-servers'] };
  let client: ZkClient;
  try {
    client = new ZkClient({ servers: config.zookeeperServers, log: ctx.log });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const message =
      config.zookeeperServers.length === 0
        ? 'is required by this command: add at least one server'
        : err.message;
    throw new ConfigError(ctx.configPath, [{ ...where, message }], { cause: err });
  }
  ctx.onClose(() => client.stop());
  await client.start();
  return client;
}
