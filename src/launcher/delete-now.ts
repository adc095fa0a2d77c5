/**
 * `nodepool delete --now` (docs/behaviour.md#deleting-a-node): the daemon's deletion procedure run in the
 * foreground by the CLI, with its own provider for the node's cloud. There is no
 * coordination with a running daemon; both tolerate a server that is already gone.
 */
import { ActivityCounters } from '../status/index.js';
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { RepoPorts } from '../db/index.js';
import { ProviderSet } from '../provider/index.js';
import type { DriverRegistry } from '../provider/index.js';
import { createNoopStats } from '../stats/index.js';
import type { Stats } from '../stats/index.js';
import { DEFAULT_TIMING } from './context.js';
import type { LauncherContext } from './context.js';
import type { JenkinsHooks } from './hooks.js';
import { deleteNodeNow } from './node-deleter.js';

/** Options of {@link deleteNodeInForeground}. */
export interface DeleteNowOptions {
  log: Logger;
  /** @default a no-op client */
  stats?: Stats;
  /**
   * Jenkins node removal, for `signal`. `cmd/` passes the hooks of its own Jenkins managers
   * (jenkins-zuul's `JenkinsTargets`), as upstream's `delete --now` built its own.
   * @default none (no Jenkins node is removed)
   */
  jenkins?: (signal: () => AbortSignal) => JenkinsHooks;
  /** The provider drivers. @default the built-in drivers */
  drivers?: DriverRegistry;
  /** Wait for the server to disappear. @default 600_000 */
  deleteTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Deletes node `nodeId` now: Jenkins node, servers (waiting for them to go), subnode rows,
 * node row. Resolves false when the node does not exist.
 * @throws NodepoolError ERR_DELETE* or the cloud's error when it cannot; the node is then left in `delete`
 */
export async function deleteNodeInForeground(
  config: CompiledConfig,
  db: RepoPorts,
  nodeId: number,
  options: DeleteNowOptions,
): Promise<boolean> {
  const stats = options.stats ?? createNoopStats();
  const providers = new ProviderSet(
    { log: options.log, stats },
    options.drivers ? { registry: options.drivers } : {},
  );
  const node = await db.nodes.get(nodeId);
  if (node === undefined) return false;
  const signal = options.signal ?? new AbortController().signal;
  try {
    await providers.reconfigure(config.providers.filter((p) => p.name === node.providerName));
    const ctx: LauncherContext = {
      log: options.log,
      stats,
      timing: {
        ...DEFAULT_TIMING,
        ...(options.deleteTimeoutMs !== undefined
          ? { deleteTimeoutMs: options.deleteTimeoutMs }
          : {}),
      },
      ssh: {},
      jenkins: options.jenkins?.(() => signal) ?? {},
      gearman: {},
      signal,
      config: () => config,
      db: () => db,
      provider: (name) => providers.get(name),
      images: () => null,
      wake: () => {},
      gaugesChanged: () => {},
      activity: new ActivityCounters(),
    };
    return await deleteNodeNow(ctx, nodeId, { reason: 'nodepool delete --now' });
  } finally {
    await providers.stop();
  }
}
