/**
 * Deleting the nodes marked `delete` (by `nodepool delete`, a Python 0.4.0 CLI, a manual
 * SQL update, or this launcher) as soon as a launcher notices them, instead of at the next
 * `cleanup` cron: a marked server still counts against `max-servers` until it is gone.
 */
import type { LauncherContext } from './context.js';
import type { NodeDeleter } from './node-deleter.js';

/** Options of {@link deleteMarkedNodes}. */
export interface DeleteMarkedOptions {
  /** Only nodes of these providers (a cluster member passes the ones it owns). @default all */
  readonly providers?: readonly string[];
  /**
   * The node ids this sweep already started once, kept by the caller between calls: each
   * marked node is started once here, and a deletion that failed is retried by the cleanup
   * cron, not by every pass (whose wake-up on each finished deletion would make a failing
   * cloud a hot loop). Ids no longer marked are dropped from it. @default none (start all)
   */
  readonly attempted?: Set<number>;
}

/**
 * Starts the deletion of every `delete` node (of the given providers) whose deletion is not
 * already in flight in this process (nor, with `attempted`, started before), and returns
 * how many were started. One query; the
 * deletions run in the background through `deleter`.
 */
export async function deleteMarkedNodes(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  options: DeleteMarkedOptions = {},
): Promise<number> {
  const only = options.providers === undefined ? null : new Set(options.providers);
  if (only !== null && only.size === 0) return 0;
  const attempted = options.attempted;
  const marked = await ctx.db().nodes.list({ state: 'delete' });
  if (attempted !== undefined) {
    const ids = new Set(marked.map((n) => n.id));
    for (const id of attempted) if (!ids.has(id)) attempted.delete(id);
  }
  let started = 0;
  for (const node of marked) {
    if (only !== null && !only.has(node.providerName)) continue;
    if (deleter.isDeletingNode(node.id) || attempted?.has(node.id) === true) continue;
    attempted?.add(node.id);
    deleter.deleteNode(node.id, 'state delete');
    started += 1;
  }
  return started;
}
