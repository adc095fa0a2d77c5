/**
 * Orphans: `building` rows that no launch of this process is working on. A launch that ends
 * normally moves its row on (`ready`, `test`, or `delete` through the deleter); a row stays
 * `building` without a launch only when that did not happen, e.g. the database was down
 * when a failed launch tried to delete its node, or a failed subnode launch its row. Nothing
 * would ever move such a row again before the 8-hour stale rule, so its label stays short
 * and its server is not caught as a leak (the row names it).
 *
 * The cleanup cron deletes them as the start-up recovery does: nodes through the normal
 * deleter (servers by id or by our metadata), subnodes by id or host name; the next pass
 * launches replacements. Only one nodepoold runs per database (as upstream), so "no launch
 * in this process" means "no launch at all".
 *
 * Races. A launch is started only right after its row is inserted, never for an existing
 * row; so a row seen with no launch in flight *before* it is re-read, and still `building`
 * when re-read, is an orphan for good. The re-read is the node's compare-and-set to
 * `delete`, and the subnode's fresh get. The grace (`orphanGraceMs` on `state_time`) covers
 * the instant between an insert's commit and the launch's registration.
 */
import type { Logger } from 'pino';
import { stateCode } from '../../db/index.js';
import type { NodeRecord, SubnodeRecord } from '../../db/index.js';
import type { LauncherContext } from '../context.js';
import type { NodeDeleter } from '../node-deleter.js';

/** The launches running in this process, as the pool tracks them. */
export interface LaunchesInFlight {
  /** True while a launch of this node runs. */
  hasNode(nodeId: number): boolean;
  /** True while a launch of this subnode runs. */
  hasSubnode(subnodeId: number): boolean;
}

/** How many orphans a run started deleting. */
export interface OrphanCounts {
  nodes: number;
  subnodes: number;
}

/**
 * Deletes orphaned `building` nodes and subnodes found among `nodes` (the run's snapshot of
 * the node table) through `deleter`, in the background.
 */
export async function deleteOrphans(
  ctx: LauncherContext,
  nodes: readonly NodeRecord[],
  deps: { deleter: NodeDeleter; launches: LaunchesInFlight; log: Logger },
): Promise<OrphanCounts> {
  const { deleter, launches, log } = deps;
  const db = ctx.db();
  const isOld = oldEnough(ctx);
  const building = stateCode('building');
  /** Parents whose deletion removes their subnodes anyway. */
  const doomed = new Set<number>();
  let orphanNodes = 0;
  for (const node of nodes) {
    if (node.state === stateCode('delete') || deleter.isDeletingNode(node.id)) doomed.add(node.id);
    if (
      node.state !== building ||
      doomed.has(node.id) ||
      launches.hasNode(node.id) ||
      !isOld(node.stateTime)
    )
      continue;
    if (!(await db.nodes.setStateIf(node.id, ['building'], 'delete'))) continue;
    doomed.add(node.id);
    orphanNodes++;
    ctx.gaugesChanged();
    log.warn('Node %d is building with no launch in flight: deleting it', node.id);
    deleter.deleteNode(node.id, 'cleanup: building with no launch in flight');
  }

  const byId = new Map(nodes.map((n) => [n.id, n]));
  let orphanSubnodes = 0;
  for (const candidate of await buildingSubnodes(ctx)) {
    const parent = byId.get(candidate.nodeId);
    // A parent not in the snapshot is newer than it (or gone): left for the next run.
    if (parent === undefined || doomed.has(parent.id) || deleter.isDeletingNode(parent.id))
      continue;
    if (launches.hasSubnode(candidate.id) || !isOld(candidate.stateTime)) continue;
    const subnode = await db.subnodes.get(candidate.id);
    if (subnode?.state !== building) continue;
    orphanSubnodes++;
    log.warn(
      'Subnode %d of node %d is building with no launch in flight: deleting it',
      subnode.id,
      parent.id,
    );
    deleter.deleteSubnode(parent, subnode, 'cleanup: building with no launch in flight');
  }
  return { nodes: orphanNodes, subnodes: orphanSubnodes };
}

/** True for a `state_time` (seconds) older than the grace. */
function oldEnough(ctx: LauncherContext): (stateTime: number | null) => boolean {
  const cutoff = Date.now() - ctx.timing.orphanGraceMs;
  return (stateTime) => (stateTime ?? 0) * 1000 <= cutoff;
}

/** Every `building` subnode, in one query. */
function buildingSubnodes(ctx: LauncherContext): Promise<SubnodeRecord[]> {
  return ctx.db().subnodes.listByState('building');
}
