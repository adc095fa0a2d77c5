/**
 * Start-up after a stop or crash (docs/behaviour.md#start-up). Launches cannot resume, so:
 *
 * - every node left `building` is set to `delete` and deleted; the deletion also finds
 *   servers whose id was never recorded, by their `nodepool` metadata (node id + provider),
 *   so no server leaks. We delete rather than adopt: an adopted server would still miss its
 *   node files, ready script and Jenkins registration, which cannot be proven done.
 * - every subnode left `building` under a surviving parent gets its server (by recorded id,
 *   else by its host name and the parent's metadata) deleted and its row removed; the next
 *   pass launches a replacement.
 *
 * Under `--no-deletes` the nodes are only marked `delete` (as upstream) and subnodes are left.
 * While running, the `cleanup` cron applies the same treatment to `building` rows that have
 * no launch in flight (see `cron/orphans.ts`).
 */
import { stateCode } from '../db/index.js';
import { getLogger } from '../log/index.js';
import type { LauncherContext } from './context.js';
import type { NodeDeleter } from './node-deleter.js';

/** Recovers left-over `building` rows; deletions run in the background through `deleter`. */
export async function recoverAtStartup(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  options: { noDeletes: boolean },
): Promise<{ nodes: number; subnodes: number }> {
  const log = getLogger(ctx.log, 'nodepool.NodePool', { phase: 'start-up' });
  const db = ctx.db();
  const nodes = await db.nodes.list();
  const building = nodes.filter((n) => n.state === stateCode('building'));
  for (const n of building) {
    await db.nodes.setState(n.id, 'delete');
    log.info('Node %d was building when nodepoold stopped: deleting it', n.id);
  }
  if (building.length > 0) ctx.gaugesChanged();
  if (options.noDeletes) return { nodes: building.length, subnodes: 0 };
  for (const n of building) deleter.deleteNode(n.id, 'start-up: was building');
  let subnodes = 0;
  for (const n of nodes) {
    if (n.state === stateCode('building') || n.state === stateCode('delete')) continue;
    for (const s of await db.subnodes.listByNode(n.id)) {
      if (s.state !== stateCode('building')) continue;
      subnodes++;
      log.info(
        'Subnode %d of node %d was building when nodepoold stopped: deleting it',
        s.id,
        n.id,
      );
      deleter.deleteSubnode(n, s, 'start-up: was building');
    }
  }
  return { nodes: building.length, subnodes };
}
