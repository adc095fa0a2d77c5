import { readLauncherList } from '../../cluster/index.js';
import { launcherListJson, launcherListTable } from '../../status/index.js';
import type { CliContext } from './verb.js';
import { openCliZooKeeper } from './zk-helpers.js';

/**
 * `nodepool launcher-list`: the launchers registered in ZooKeeper (no daemon needed), the
 * elected leader and each one's provider claims (docs/cluster.md). New in the port.
 */
export async function run(ctx: CliContext): Promise<void> {
  const entries = await readLauncherList(await openCliZooKeeper(ctx));
  ctx.out(
    ctx.json ? JSON.stringify(launcherListJson(entries), null, 2) : launcherListTable(entries),
  );
}
