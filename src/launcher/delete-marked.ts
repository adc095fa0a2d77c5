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
}

/**
 * Starts the deletion of every `delete` node (of the given providers) whose deletion is not
 * already in flight in this process, and returns how many were started. One query; the
 * deletions run in the background through `deleter`.
 */
export async function deleteMarkedNodes(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  options: DeleteMarkedOptions = {},
): Promise<number> {
  const only = options.providers === undefined ? null : new Set(options.providers);
  if (only !== null && only.size === 0) return 0;
  let started = 0;
  for (const node of await ctx.db().nodes.list({ state: 'delete' })) {
    if (only !== null && !only.has(node.providerName)) continue;
    if (deleter.isDeletingNode(node.id)) continue;
    deleter.deleteNode(node.id, 'state delete');
    started += 1;
  }
  return started;
}
