/**
 * The `cleanup` cron (docs/behaviour.md#cleanup): deletes nodes in `delete`, stale `test` (> 5 min) and
 * stale `building`/`used` (> 8 h) nodes, and (beyond upstream) `building` nodes and subnodes
 * with no launch in flight for over a minute (`orphans.ts`); then deletes leaked servers
 * and, where enabled, unattached floating IPs.
 *
 * Leaked servers are deleted only when all of these hold: the server carries our `nodepool`
 * metadata, the metadata names a configured provider and the provider being scanned, it
 * names a node id, no node row accounts for it (see `isOwned`), and the same server was already a candidate in
 * the previous run (two sightings). A server without our metadata is never touched.
 */
import type { Logger } from 'pino';
import { stateCode } from '../../db/index.js';
import type { NodeRecord } from '../../db/index.js';
import { getLogger } from '../../log/index.js';
import { parseNodepoolMetadata } from '../../provider/index.js';
import type { LauncherContext } from '../context.js';
import type { NodeDeleter } from '../node-deleter.js';
import { deleteOrphans } from './orphans.js';
import type { LaunchesInFlight } from './orphans.js';

/** Keeps leak candidates between runs. */
export class LeakTracker {
  private previous = new Set<string>();
  private current = new Set<string>();

  /** Records a sighting; true when it was also seen in the previous run. */
  sighted(provider: string, serverId: string): boolean {
    const key = `${provider}/${serverId}`;
    this.current.add(key);
    return this.previous.has(key);
  }

  /** Ends a run: this run's sightings become the previous ones. */
  endRun(): void {
    this.previous = this.current;
    this.current = new Set();
  }
}

/**
 * True when the node row named by a server's metadata accounts for it. Beyond upstream's
 * "a row with that id exists", a finished row (not `building`, every server id recorded)
 * must record this very server: SQLite reuses the highest id after a row is deleted, so a
 * leaked server can name the id of a newer, unrelated node.
 */
async function isOwned(ctx: LauncherContext, nodeId: number, serverId: string): Promise<boolean> {
  const node = await ctx.db().nodes.get(nodeId);
  if (node === undefined) return false;
  if (
    node.state === stateCode('building') ||
    node.externalId === null ||
    node.externalId === serverId
  )
    return true;
  const subnodes = await ctx.db().subnodes.listByNode(nodeId);
  return subnodes.some((s) => s.externalId === null || s.externalId === serverId);
}

/** What a cleanup run works with besides the context. */
export interface CleanupDeps {
  readonly deleter: NodeDeleter;
  readonly leaks: LeakTracker;
  /** The launches running in this process: a `building` row without one is an orphan. */
  readonly launches: LaunchesInFlight;
  /**
   * The providers whose rows and servers this launcher looks after (several launchers:
   * see `owned.ts`). @default every provider
   */
  readonly owns?: (provider: string) => boolean;
}

/** One cleanup run. */
export async function runCleanup(
  ctx: LauncherContext,
  deps: CleanupDeps,
  signal: AbortSignal,
): Promise<void> {
  const { deleter, leaks, launches } = deps;
  const owns = deps.owns ?? (() => true);
  const log = getLogger(ctx.log, 'nodepool.NodePool', { cron: 'cleanup' });
  const nodes = (await ctx.db().nodes.list()).filter((n) => owns(n.providerName));
  cleanupNodes(ctx, deleter, nodes, log);
  signal.throwIfAborted();
  await deleteOrphans(ctx, nodes, { deleter, launches, log });
  signal.throwIfAborted();
  await cleanupLeaks(ctx, { deleter, leaks, owns }, log, signal);
}

function cleanupNodes(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  nodes: readonly NodeRecord[],
  log: Logger,
): void {
  const now = Date.now();
  for (const node of nodes) {
    const ageMs = now - (node.stateTime ?? 0) * 1000;
    let reason: string | null = null;
    switch (node.state) {
      case stateCode('ready'):
      case stateCode('hold'):
        break;
      case stateCode('delete'):
        reason = 'state delete';
        break;
      case stateCode('test'):
        if (ageMs > ctx.timing.testCleanupMs)
          reason = `in state test for ${Math.round(ageMs / 1000)} s`;
        break;
      default:
        if (ageMs > ctx.timing.nodeCleanupMs)
          reason = `in its state for ${Math.round(ageMs / 1000)} s`;
    }
    if (reason !== null) {
      log.info('Cleanup: deleting node %d (%s)', node.id, reason);
      deleter.deleteNode(node.id, `cleanup: ${reason}`);
    }
  }
}

async function cleanupLeaks(
  ctx: LauncherContext,
  deps: { deleter: NodeDeleter; leaks: LeakTracker; owns: (provider: string) => boolean },
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const { deleter, leaks, owns } = deps;
  const config = ctx.config();
  const configured = new Set(config.providers.map((p) => p.name));
  try {
    for (const pc of config.providers) {
      const cloud = ctx.provider(pc.name);
      if (cloud === undefined || !owns(pc.name)) continue;
      const servers = await cloud.listServers({ signal });
      for (const server of servers) {
        const meta = parseNodepoolMetadata(server.metadata);
        if (meta === null || !configured.has(meta.providerName) || meta.providerName !== pc.name)
          continue;
        if (meta.nodeId === undefined) {
          log.debug(
            'Server %s in provider %s has nodepool metadata but no node id',
            server.id,
            pc.name,
          );
          continue;
        }
        if (await isOwned(ctx, meta.nodeId, server.id)) continue;
        if (leaks.sighted(pc.name, server.id)) {
          log.warn(
            'Deleting leaked instance %s (%s) in provider %s: node %d does not exist',
            server.id,
            server.name,
            pc.name,
            meta.nodeId,
          );
          deleter.deleteInstance(pc.name, server.id);
        } else {
          log.info(
            'Server %s in provider %s names node %d, which does not exist: deleting it if still so at the next cleanup',
            server.id,
            pc.name,
            meta.nodeId,
          );
        }
      }
      if (pc.cleanFloatingIps && cloud.cleanFloatingIps !== undefined) {
        const n = await cloud.cleanFloatingIps({ signal });
        if (n > 0) log.info('Deleted %d unattached floating IPs in provider %s', n, pc.name);
      }
    }
  } finally {
    leaks.endRun();
  }
}
