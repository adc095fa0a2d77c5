/**
 * Deleting nodes (docs/behaviour.md#deleting-a-node), orphaned subnodes and leaked servers (docs/behaviour.md#leaked-servers), deduplicated: one
 * deletion per node id, per subnode id and per (provider, server) at a time. A failed
 * deletion leaves the node in `delete` (or, when even that write failed, in the state it
 * had); the next cleanup run tries again.
 */
import type { Logger } from 'pino';
import { stateCode, stateName } from '../db/index.js';
import type { NodeRecord, SubnodeRecord } from '../db/index.js';
import { getLogger } from '../log/index.js';
import { ResourceNotFoundError, parseNodepoolMetadata } from '../provider/index.js';
import type { Provider } from '../provider/index.js';
import type { TaskGroup } from '../util/index.js';
import type { LauncherContext } from './context.js';
import { deleteError } from './errors.js';
import { reportDelete } from './metrics.js';

/** Runs deletions in the background, one per node id. */
export class NodeDeleter {
  private readonly nodes = new Map<number, Promise<boolean>>();
  private readonly instances = new Map<string, Promise<void>>();
  private readonly subnodes = new Map<number, Promise<void>>();

  constructor(
    private readonly ctx: LauncherContext,
    private readonly tasks: TaskGroup,
  ) {}

  /** Node ids being deleted now. */
  get inFlight(): number[] {
    return [...this.nodes.keys()];
  }

  /** True while a deletion of this node runs. */
  isDeletingNode(nodeId: number): boolean {
    return this.nodes.has(nodeId);
  }

  /** Leaked servers being deleted now, as `provider/server`. */
  get instancesInFlight(): string[] {
    return [...this.instances.keys()];
  }

  /** Starts deleting a node unless a deletion of it is already running. */
  deleteNode(nodeId: number, reason: string): void {
    if (this.nodes.has(nodeId)) return;
    const progress: DeleteProgress = { state: null };
    const p = deleteNodeNow(this.ctx, nodeId, { reason, progress }).finally(() => {
      this.nodes.delete(nodeId);
      this.ctx.wake();
    });
    this.nodes.set(nodeId, p);
    this.tasks.spawn(`delete node ${nodeId}`, () =>
      p.catch((err: unknown) => {
        if (this.ctx.signal.aborted) return;
        const log = getLogger(this.ctx.log, 'nodepool.NodeDeleter', { nodeId });
        if (progress.state === null)
          log.error(
            { err },
            'Cannot delete node %d: its state could not be read; the next cleanup retries',
            nodeId,
          );
        else
          log.error(
            { err },
            'Cannot delete node %d: it stays in state %s; the next cleanup retries',
            nodeId,
            progress.state,
          );
      }),
    );
  }

  /** Subnode ids being deleted now (orphans, see {@link NodeDeleter.deleteSubnode}). */
  get subnodesInFlight(): number[] {
    return [...this.subnodes.keys()];
  }

  /**
   * Starts deleting a subnode left `building` with no launch (its parent survives): its
   * server, by recorded id or else by host name and the parent's metadata, then its row, so
   * the next pass launches a replacement. Nothing happens if that is already running.
   */
  deleteSubnode(parent: NodeRecord, subnode: SubnodeRecord, reason: string): void {
    if (this.subnodes.has(subnode.id)) return;
    const log = getLogger(this.ctx.log, 'nodepool.NodeDeleter', {
      nodeId: parent.id,
      subnodeId: subnode.id,
    });
    log.info({ reason }, 'Deleting subnode %d of node %d (%s)', subnode.id, parent.id, reason);
    const p = deleteSubnodeNow(this.ctx, parent, subnode).finally(() => {
      this.subnodes.delete(subnode.id);
      this.ctx.wake();
    });
    this.subnodes.set(subnode.id, p);
    this.tasks.spawn(`delete subnode ${subnode.id}`, () =>
      p.catch((err: unknown) => {
        if (!this.ctx.signal.aborted)
          log.error(
            { err },
            'Cannot delete subnode %d of node %d: it stays in state building; the next cleanup retries',
            subnode.id,
            parent.id,
          );
      }),
    );
  }

  /** Starts deleting a leaked server unless that is already running. */
  deleteInstance(provider: string, serverId: string): void {
    const key = `${provider}/${serverId}`;
    if (this.instances.has(key)) return;
    const log = getLogger(this.ctx.log, 'nodepool.InstanceDeleter', { provider, serverId });
    const p = (async () => {
      const cloud = this.ctx.provider(provider);
      if (cloud === undefined) return;
      log.info('Deleting leaked instance %s in provider %s', serverId, provider);
      await deleteServerQuietly(cloud, serverId, this.ctx.signal);
    })().finally(() => this.instances.delete(key));
    this.instances.set(key, p);
    this.tasks.spawn(`delete instance ${key}`, () =>
      p.catch((err: unknown) => {
        if (!this.ctx.signal.aborted)
          log.error({ err }, 'Cannot delete leaked instance %s', serverId);
      }),
    );
  }

  /** Resolves once every running deletion settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([
      ...this.nodes.values(),
      ...this.instances.values(),
      ...this.subnodes.values(),
    ]);
  }
}

/** Deletes a server; a server already gone is fine. */
export async function deleteServerQuietly(
  cloud: Provider,
  serverId: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await cloud.deleteServer(serverId, signal ? { signal } : {});
  } catch (err) {
    if (!(err instanceof ResourceNotFoundError)) throw err;
  }
}

/** What {@link deleteNodeNow} last knew of the node's state, for the failure message. */
export interface DeleteProgress {
  /** The state name as last read or written; null until the row could be read. */
  state: string | null;
}

/** Options of {@link deleteNodeNow}. */
export interface DeleteNodeOptions {
  /** For the log. */
  reason?: string;
  /** Kept up to date with the node's state, so a caller can say where a failure left it. */
  progress?: DeleteProgress;
}

/**
 * The deletion procedure (docs/behaviour.md#deleting-a-node), in the foreground. Resolves false when the node was
 * already gone.
 * @throws NodepoolError ERR_DELETE* (or the cloud's or database's error) when the node could not be
 *   deleted; it stays `delete`, or in its previous state when the database could not be
 *   written (`options.progress` says which)
 */
export async function deleteNodeNow(
  ctx: LauncherContext,
  nodeId: number,
  options: DeleteNodeOptions = {},
): Promise<boolean> {
  const log = getLogger(ctx.log, 'nodepool.NodeDeleter', { nodeId });
  const progress = options.progress ?? { state: null };
  const db = ctx.db();
  let node = await db.nodes.get(nodeId);
  if (node === undefined) return false;
  progress.state = stateName(node.state);
  log.info(
    { reason: options.reason },
    'Deleting node %d (%s)',
    nodeId,
    options.reason ?? 'requested',
  );
  if (node.state !== stateCode('delete')) {
    await db.nodes.setState(nodeId, 'delete');
    progress.state = 'delete';
    node = (await db.nodes.get(nodeId)) ?? node;
    ctx.gaugesChanged();
  }
  const config = ctx.config();
  const target = config.targets.find((t) => t.name === node.targetName);
  const label = config.labels.find((l) => l.name === node.labelName);
  const cloud = ctx.provider(node.providerName);
  if (cloud === undefined) {
    throw deleteError(
      `Cannot delete node ${nodeId}: provider "${node.providerName}" is not configured: keep it in nodepool.yaml (max-servers: -1) until its nodes are gone`,
      { nodeId, code: 'ERR_DELETE_NO_PROVIDER' },
    );
  }
  if (node.nodename !== null && ctx.jenkins.removeNode !== undefined)
    await ctx.jenkins.removeNode(node, target);
  if (node.managerName !== null && ctx.gearman.revokeNode !== undefined) {
    ctx.gearman
      .revokeNode(node)
      .catch((err: unknown) =>
        log.warn({ err }, 'Cannot revoke node %d from %s', nodeId, node.managerName),
      );
  }
  await deleteServers(ctx, cloud, node, log);
  await db.nodes.delete(nodeId);
  progress.state = 'deleted';
  reportDelete(
    ctx.stats,
    label?.image ?? null,
    node.providerName,
    node.targetName,
    Date.now() - (node.stateTime ?? 0) * 1000,
  );
  ctx.activity.countDelete({ provider: node.providerName, label: node.labelName });
  ctx.gaugesChanged();
  log.info('Deleted node %d', nodeId);
  return true;
}

/**
 * Deletes every server of the node set: the recorded ones (node and subnodes) and any other
 * server whose metadata names this node in this provider (a create that the cloud accepted
 * but whose id was never recorded, e.g. after a crash). Waits for all to disappear, removing
 * each subnode row once its server is gone.
 */
async function deleteServers(
  ctx: LauncherContext,
  cloud: Provider,
  node: NodeRecord,
  log: Logger,
): Promise<void> {
  const signal = ctx.signal;
  const subnodes = await ctx.db().subnodes.listByNode(node.id);
  const ids = new Set<string>();
  for (const s of subnodes) if (s.externalId) ids.add(s.externalId);
  if (node.externalId) ids.add(node.externalId);
  const recorded = node.externalId !== null && subnodes.every((s) => s.externalId !== null);
  if (!recorded) {
    for (const server of await cloud.listServers({ signal })) {
      const meta = parseNodepoolMetadata(server.metadata);
      if (meta?.providerName === node.providerName && meta.nodeId === node.id) ids.add(server.id);
    }
  }
  for (const id of ids) {
    log.debug('Deleting server %s of node %d', id, node.id);
    await deleteServerQuietly(cloud, id, signal);
  }
  for (const id of ids)
    await cloud.waitForServerDeletion(id, { timeoutMs: ctx.timing.deleteTimeoutMs, signal });
  if (node.externalId !== null) await ctx.db().nodes.update(node.id, { externalId: null });
  for (const s of subnodes) await ctx.db().subnodes.delete(s.id);
}

/**
 * Deletes an orphaned subnode in the foreground: its server (by recorded id, else by host
 * name and the parent's metadata; none when the create never happened), waits for it to go,
 * then removes the row.
 */
export async function deleteSubnodeNow(
  ctx: LauncherContext,
  parent: NodeRecord,
  subnode: SubnodeRecord,
): Promise<void> {
  const cloud = ctx.provider(parent.providerName);
  if (cloud === undefined) {
    throw deleteError(
      `Cannot delete subnode ${subnode.id} of node ${parent.id}: provider "${parent.providerName}" is not configured`,
      { nodeId: parent.id, code: 'ERR_DELETE_NO_PROVIDER' },
    );
  }
  const ids = new Set<string>();
  if (subnode.externalId !== null) ids.add(subnode.externalId);
  else if (subnode.hostname !== null) {
    for (const server of await cloud.listServers({ signal: ctx.signal })) {
      const meta = parseNodepoolMetadata(server.metadata);
      if (
        server.name === subnode.hostname &&
        meta?.providerName === parent.providerName &&
        meta.nodeId === parent.id
      )
        ids.add(server.id);
    }
  }
  for (const id of ids) await deleteServerQuietly(cloud, id, ctx.signal);
  for (const id of ids)
    await cloud.waitForServerDeletion(id, {
      timeoutMs: ctx.timing.deleteTimeoutMs,
      signal: ctx.signal,
    });
  await ctx.db().subnodes.delete(subnode.id);
}
