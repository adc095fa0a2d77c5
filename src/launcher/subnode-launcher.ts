/**
 * Launching one subnode (docs/behaviour.md#subnodes): same provider, image, flavor, networks and AZ as its
 * parent, metadata naming the parent's id. On failure the subnode's server is deleted (best
 * effort) and its row removed, so the next pass starts a replacement.
 */
import type { Logger } from 'pino';
import { getLogger } from '../log/index.js';
import { ResourceNotFoundError } from '../provider/index.js';
import type { LauncherContext } from './context.js';
import { launchError, launchResultKey } from './errors.js';
import { reportLaunch } from './metrics.js';
import { formatTemplate } from './names.js';
import { createRecorded, currentImageId, providerImageFor } from './node-launcher.js';
import type { LaunchOutcome, LaunchSpec } from './node-launcher.js';
import { checkAccess } from './node-ssh.js';

/** A subnode launch: the parent's spec plus the subnode row id. */
export interface SubnodeLaunchSpec extends LaunchSpec {
  readonly subnodeId: number;
  /** The parent's manager at the time, for the launch metric. */
  readonly manager: string | null;
}

/** Runs a subnode launch to its end; never rejects. */
export async function launchSubnode(
  ctx: LauncherContext,
  spec: SubnodeLaunchSpec,
): Promise<LaunchOutcome> {
  const log = getLogger(ctx.log, 'nodepool.SubNodeLauncher', {
    nodeId: spec.nodeId,
    subnodeId: spec.subnodeId,
    provider: spec.provider.name,
  });
  const started = Date.now();
  const subject = {
    provider: spec.provider.name,
    image: spec.label.image,
    az: spec.az,
    target: spec.target.name,
    manager: spec.manager,
  };
  let serverId: string | null = null;
  try {
    const elapsed = await runSubnodeLaunch(ctx, spec, log, (id) => {
      serverId = id;
    });
    reportLaunch(ctx.stats, subject, 'ready', elapsed);
    ctx.activity.countLaunch({
      provider: spec.provider.name,
      label: spec.label.name,
      result: 'ready',
    });
    log.info('Subnode %d of node %d is ready', spec.subnodeId, spec.nodeId);
    return 'ready';
  } catch (err) {
    if (ctx.signal.aborted) {
      log.warn(
        'Launch of subnode %d abandoned on stop: left building for the start-up recovery',
        spec.subnodeId,
      );
      return 'abandoned';
    }
    const result = launchResultKey(err);
    reportLaunch(ctx.stats, subject, result, Date.now() - started);
    ctx.activity.countLaunch({ provider: spec.provider.name, label: spec.label.name, result });
    log.error(
      { err },
      'Cannot launch subnode %d of node %d (%s): deleting it',
      spec.subnodeId,
      spec.nodeId,
      result,
    );
    await discardSubnode(ctx, spec, serverId, log);
    return 'failed';
  } finally {
    ctx.wake();
  }
}

async function runSubnodeLaunch(
  ctx: LauncherContext,
  spec: SubnodeLaunchSpec,
  log: Logger,
  created: (id: string) => void,
): Promise<number> {
  const started = Date.now();
  const { nodeId, subnodeId, label, provider, target } = spec;
  const signal = ctx.signal;
  const image = providerImageFor(spec);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const hostname = formatTemplate(target.subnodeHostname, {
    label,
    provider,
    node_id: nodeId,
    subnode_id: subnodeId,
    timestamp,
  });
  const imageId = await currentImageId(ctx, nodeId, label.image, provider.name);
  const cloud = ctx.provider(provider.name);
  if (cloud === undefined)
    throw launchError(
      `Cannot launch subnode ${subnodeId}: provider "${provider.name}" is no longer configured`,
      { nodeId, statsKey: 'error.nodepool' },
    );
  await ctx.db().subnodes.update(subnodeId, { hostname });
  const server = await createRecorded(
    ctx,
    nodeId,
    () =>
      cloud.createServer(
        {
          name: hostname,
          imageId,
          minRam: image.minRam,
          ...(image.nameFilter !== undefined ? { nameFilter: image.nameFilter } : {}),
          ...(spec.az !== null ? { az: spec.az } : {}),
          ...(image.configDrive !== undefined ? { configDrive: image.configDrive } : {}),
          nodeId,
          imageName: image.name,
        },
        { signal },
      ),
    async (id) => {
      created(id);
      await ctx.db().subnodes.update(subnodeId, { externalId: id });
    },
  );
  created(server.id);
  await ctx.db().subnodes.update(subnodeId, { externalId: server.id });
  const active = await cloud.waitForServer(server.id, {
    timeoutMs: provider.launchTimeoutMs,
    signal,
  });
  const ip = active.publicIp;
  if (!ip)
    throw launchError(
      `Cannot launch subnode ${subnodeId}: server ${server.id} has no public address`,
      { nodeId, statsKey: 'error.network' },
    );
  await checkAccess(
    ip,
    {
      seam: ctx.ssh,
      ...(ctx.sshSlots ? { slots: ctx.sshSlots } : {}),
      provider,
      image,
      log,
      signal,
    },
    provider.bootTimeoutMs,
  );
  const elapsed = Date.now() - started;
  await ctx
    .db()
    .subnodes.update(subnodeId, { state: 'ready', ip, ipPrivate: active.privateIp ?? ip });
  ctx.gaugesChanged();
  return elapsed;
}

/** Best effort: deletes the server and waits for it, then removes the row. */
async function discardSubnode(
  ctx: LauncherContext,
  spec: SubnodeLaunchSpec,
  serverId: string | null,
  log: Logger,
): Promise<void> {
  try {
    const row = await ctx.db().subnodes.get(spec.subnodeId);
    const id = serverId ?? row?.externalId ?? null;
    const cloud = ctx.provider(spec.provider.name);
    if (id !== null && cloud !== undefined) {
      try {
        await cloud.deleteServer(id, { signal: ctx.signal });
      } catch (err) {
        if (!(err instanceof ResourceNotFoundError)) throw err;
      }
      await cloud.waitForServerDeletion(id, {
        timeoutMs: ctx.timing.deleteTimeoutMs,
        signal: ctx.signal,
      });
    }
    await ctx.db().subnodes.delete(spec.subnodeId);
  } catch (err) {
    // Compat: the row stays `building`; the parent's deletion removes it with its server.
    log.error({ err }, 'Cannot delete failed subnode %d of node %d', spec.subnodeId, spec.nodeId);
  }
}
