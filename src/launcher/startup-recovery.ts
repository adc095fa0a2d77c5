/**
 * Recovery of a provider's left-over launches (docs/behaviour.md#start-up), run when this
 * launcher adopts the provider: at start (a single launcher adopts every provider), and
 * when it takes a provider over from a launcher that stopped or died (issue #15). Launches
 * cannot resume, so:
 *
 * - every node of the provider left `building` is set to `delete` and deleted; the deletion
 *   also finds servers whose id was never recorded, by their `nodepool` metadata (node id +
 *   provider), so no server leaks. We delete rather than adopt: an adopted server would
 *   still miss its node files, ready script and Jenkins registration, which cannot be
 *   proven done.
 * - every subnode left `building` under a surviving parent of the provider gets its server
 *   (by recorded id, else by its host name and the parent's metadata) deleted and its row
 *   removed; the next pass launches a replacement.
 *
 * Spared: rows with a pending launch request (the leader inserted them for the new owner,
 * which launches them next) and rows with a launch in flight in this process.
 *
 * Under `--no-deletes` the nodes are only marked `delete` (as upstream) and subnodes are left.
 * While running, the `cleanup` cron applies the same treatment to `building` rows that have
 * no launch in flight (see `cron/orphans.ts`).
 */
import { stateCode } from '../db/index.js';
import { getLogger } from '../log/index.js';
import type { LauncherContext } from './context.js';
import type { NodeDeleter } from './node-deleter.js';

/** What a recovery leaves alone. */
export interface RecoverySpared {
  /** A node row a launch request or a launch in this process still owns. */
  node(nodeId: number): boolean;
  /** A subnode row a launch request or a launch in this process still owns. */
  subnode(subnodeId: number): boolean;
}

/** Options of {@link recoverProvider}. */
export interface RecoveryOptions {
  readonly noDeletes: boolean;
  /**
   * Read after the rows were listed (a row inserted and then requested by the leader is
   * either listed after its request exists, or not listed). @default nothing is spared
   */
  readonly spared?: () => Promise<RecoverySpared>;
}

/** How many rows a recovery started deleting. */
export interface RecoveryCounts {
  nodes: number;
  subnodes: number;
}

const NOTHING_SPARED: RecoverySpared = { node: () => false, subnode: () => false };

/**
 * Recovers the left-over `building` rows of `provider`; deletions run in the background
 * through `deleter`.
 */
export async function recoverProvider(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  provider: string,
  options: RecoveryOptions,
): Promise<RecoveryCounts> {
  const log = getLogger(ctx.log, 'nodepool.NodePool', { phase: 'recovery', provider });
  const db = ctx.db();
  const nodes = await db.nodes.list({ provider });
  const buildingSubnodes = await db.subnodes.listByState('building');
  const spared = options.spared === undefined ? NOTHING_SPARED : await options.spared();
  const building = stateCode('building');
  const reaped: number[] = [];
  for (const n of nodes) {
    if (n.state !== building || spared.node(n.id)) continue;
    // Compare-and-set: a launch that ended meanwhile moved the row on.
    if (!(await db.nodes.setStateIf(n.id, ['building'], 'delete'))) continue;
    reaped.push(n.id);
    log.info('Node %d was building with no launcher working on it: deleting it', n.id);
  }
  if (reaped.length > 0) ctx.gaugesChanged();
  if (options.noDeletes) return { nodes: reaped.length, subnodes: 0 };
  for (const id of reaped) deleter.deleteNode(id, 'recovery: was building');
  let subnodes = 0;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const s of buildingSubnodes) {
    const parent = byId.get(s.nodeId);
    if (parent === undefined || spared.subnode(s.id)) continue;
    if (parent.state === building || parent.state === stateCode('delete')) continue;
    subnodes++;
    log.info(
      'Subnode %d of node %d was building with no launcher working on it: deleting it',
      s.id,
      parent.id,
    );
    deleter.deleteSubnode(parent, s, 'recovery: was building');
  }
  return { nodes: reaped.length, subnodes };
}

/** Recovers every provider that has rows (the single-launcher start-up, and tests). */
export async function recoverAtStartup(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  options: RecoveryOptions,
): Promise<RecoveryCounts> {
  const groups = await ctx.db().nodes.countBy(['provider']);
  const total: RecoveryCounts = { nodes: 0, subnodes: 0 };
  for (const g of groups) {
    if (g.provider === undefined) continue;
    const r = await recoverProvider(ctx, deleter, g.provider, options);
    total.nodes += r.nodes;
    total.subnodes += r.subnodes;
  }
  return total;
}
