/**
 * Launching one primary node (docs/behaviour.md#launch-steps), as an async state machine: the row exists
 * (`building`, inserted by the pass); each step is a cloud call, an SSH step or one short
 * database write. On failure the launch result is reported and the node is deleted; when the
 * launcher stops mid-way the node is left `building` for the start-up recovery.
 */
import type { Logger } from 'pino';
import type {
  CompiledLabel,
  CompiledProvider,
  CompiledProviderImage,
  CompiledTarget,
} from '../config/index.js';
import { stateCode } from '../db/index.js';
import type { NodeRecord } from '../db/index.js';
import { getLogger } from '../log/index.js';
import { ServerFailedError } from '../provider/index.js';
import { delay } from '../util/index.js';
import type { LauncherContext } from './context.js';
import { launchError, launchResultKey } from './errors.js';
import { currentCloudImage } from './image-source.js';
import { reportLaunch } from './metrics.js';
import { formatTemplate, nodenameOf } from './names.js';
import { openSession, prepareNodeSet, startNodeSetKey } from './node-ssh.js';
import type { SetMember, SshLogin } from './node-ssh.js';

/** What a launch needs besides the node id: the config it was allocated under. */
export interface LaunchSpec {
  readonly nodeId: number;
  readonly label: CompiledLabel;
  readonly provider: CompiledProvider;
  readonly target: CompiledTarget;
  readonly az: string | null;
}

/** How a launch ends. */
export type LaunchOutcome = 'ready' | 'failed' | 'abandoned';

/** Callback to delete a node (deduplicated by the deleter). */
export type RequestDelete = (nodeId: number, reason: string) => void;

/** The provider image a label boots from, or an ERR_LAUNCH_* error (`error.nodepool`). */
export function providerImageFor(
  spec: Pick<LaunchSpec, 'nodeId' | 'label' | 'provider'>,
): CompiledProviderImage {
  const image = spec.provider.images.find((i) => i.name === spec.label.image);
  if (image === undefined) {
    throw launchError(
      `Cannot launch node ${spec.nodeId}: provider "${spec.provider.name}" has no image "${spec.label.image}" for label "${spec.label.name}"`,
      { nodeId: spec.nodeId, statsKey: 'error.nodepool', code: 'ERR_LAUNCH_NO_IMAGE' },
    );
  }
  return image;
}

/** Step 2: the cloud image id of the current upload, or ERR_LAUNCH_* (`error.nodepool`). */
export async function currentImageId(
  ctx: LauncherContext,
  nodeId: number,
  image: string,
  provider: string,
): Promise<string> {
  const externalId = await currentCloudImage(ctx, image, provider);
  if (!externalId) {
    throw launchError(
      `Cannot launch node ${nodeId}: no ready upload of image "${image}" in provider "${provider}"`,
      {
        nodeId,
        statsKey: 'error.nodepool',
        code: 'ERR_LAUNCH_NO_UPLOAD',
      },
    );
  }
  return externalId;
}

/** Runs a launch to its end; never rejects. */
export async function launchNode(
  ctx: LauncherContext,
  spec: LaunchSpec,
  requestDelete: RequestDelete,
): Promise<LaunchOutcome> {
  const log = getLogger(ctx.log, 'nodepool.NodeLauncher', {
    nodeId: spec.nodeId,
    provider: spec.provider.name,
    label: spec.label.name,
  });
  const started = Date.now();
  const where = { label: spec.label.name, provider: spec.provider.name };
  let elapsed: number | null = null;
  const subject = {
    provider: spec.provider.name,
    image: spec.label.image,
    az: spec.az,
    target: spec.target.name,
    manager: null as string | null,
  };
  try {
    const manager = await runLaunch(ctx, spec, log, () => {
      elapsed = Date.now() - started;
    });
    subject.manager = manager;
    reportLaunch(ctx.stats, subject, 'ready', elapsed ?? Date.now() - started);
    ctx.activity.countLaunch({
      provider: spec.provider.name,
      label: spec.label.name,
      result: 'ready',
    });
    log.info('Node %d is ready in %d ms', spec.nodeId, Date.now() - started);
    ctx.policies?.launchEnded(ctx, { ...where, result: 'ready' });
    return 'ready';
  } catch (err) {
    if (ctx.signal.aborted) {
      log.warn(
        'Launch of node %d abandoned on stop: left building for the start-up recovery',
        spec.nodeId,
      );
      return 'abandoned';
    }
    const result = launchResultKey(err);
    reportLaunch(ctx.stats, subject, result, Date.now() - started);
    ctx.activity.countLaunch({ provider: spec.provider.name, label: spec.label.name, result });
    log.error({ err }, 'Cannot launch node %d (%s): deleting it', spec.nodeId, result);
    requestDelete(spec.nodeId, `launch failed: ${result}`);
    ctx.policies?.launchEnded(ctx, { ...where, result, error: err });
    return 'failed';
  } finally {
    ctx.wake();
  }
}

async function runLaunch(
  ctx: LauncherContext,
  spec: LaunchSpec,
  log: Logger,
  sshDone: () => void,
): Promise<string | null> {
  const { nodeId, label, provider, target } = spec;
  const signal = ctx.signal;
  const image = providerImageFor(spec);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const hostname = formatTemplate(target.hostname, { label, provider, node_id: nodeId, timestamp });
  const nodename = nodenameOf(hostname);
  const imageId = await currentImageId(ctx, nodeId, label.image, provider.name);
  const cloud = requireProvider(ctx, provider.name, nodeId);
  log.info('Creating server %s for node %d with image %s', hostname, nodeId, imageId);
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
    (id) => ctx.db().nodes.update(nodeId, { externalId: id }),
  );
  await ctx
    .db()
    .nodes.update(nodeId, { hostname, nodename, targetName: target.name, externalId: server.id });
  log.debug('Waiting for server %s of node %d', server.id, nodeId);
  const active = await requireProvider(ctx, provider.name, nodeId).waitForServer(server.id, {
    timeoutMs: provider.launchTimeoutMs,
    signal,
  });
  const ip = active.publicIp;
  if (!ip) {
    throw launchError(`Cannot launch node ${nodeId}: server ${server.id} has no public address`, {
      nodeId,
      statsKey: 'error.network',
      code: 'ERR_LAUNCH_NO_IP',
    });
  }
  if (provider.ipv6Preferred && !active.publicIpv6)
    log.warn('Server %s of node %d has no public IPv6 address: using %s', server.id, nodeId, ip);
  const ipPrivate = active.privateIp ?? ip;
  const login: SshLogin = {
    seam: ctx.ssh,
    ...(ctx.sshSlots ? { slots: ctx.sshSlots } : {}),
    provider,
    image,
    log,
    signal,
  };
  const key = startNodeSetKey();
  // One session for the primary's access check, files and ready script.
  const session = await openSession(ip, login, provider.bootTimeoutMs);
  try {
    sshDone();
    const subnodes = await waitForSubnodes(ctx, spec, log);
    await prepareNodeSet(
      {
        primary: { role: 'primary', ip, ipPrivate, hostname, externalId: server.id },
        subnodes,
        az: spec.az,
        // Compat: a 0.3-era provider image's ready-script, unless the label names its own.
        ...((label.readyScript ?? image.readyScript) !== undefined
          ? { readyScript: label.readyScript ?? image.readyScript }
          : {}),
        bootTimeoutMs: provider.bootTimeoutMs,
        key,
      },
      login,
      session,
    );
  } finally {
    await session.stop();
  }
  // Ready (or test) before Jenkins hears of it, so Jenkins cannot hand it out first.
  const state = target.jenkins.testJob !== undefined ? 'test' : 'ready';
  await finishNode(ctx, nodeId, state, { ip, ipPrivate });
  ctx.gaugesChanged();
  return afterReady(ctx, spec, image);
}

/**
 * Runs a create; when the cloud accepted the server but reports it failed at once, records
 * its id first so the deletion finds it.
 */
export async function createRecorded<T>(
  ctx: LauncherContext,
  nodeId: number,
  create: () => Promise<T>,
  record: (serverId: string) => Promise<unknown>,
): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof ServerFailedError) await record(err.serverId);
    throw err;
  }
}

function requireProvider(
  ctx: LauncherContext,
  name: string,
  nodeId: number,
): NonNullable<ReturnType<LauncherContext['provider']>> {
  const p = ctx.provider(name);
  if (p === undefined) {
    throw launchError(`Cannot launch node ${nodeId}: provider "${name}" is no longer configured`, {
      nodeId,
      statsKey: 'error.nodepool',
      code: 'ERR_LAUNCH_NO_PROVIDER',
    });
  }
  return p;
}

/**
 * Step 11. Deliberate change from upstream (docs/behaviour.md#node-states bug): a node an operator held or
 * deleted while it was building keeps that state.
 */
async function finishNode(
  ctx: LauncherContext,
  nodeId: number,
  state: 'ready' | 'test',
  ips: { ip: string; ipPrivate: string },
): Promise<void> {
  const db = ctx.db();
  const current = await db.nodes.get(nodeId);
  if (current === undefined || current.state === stateCode('delete')) {
    throw launchError(`Cannot finish node ${nodeId}: it was deleted while building`, {
      nodeId,
      statsKey: 'error.unknown',
      code: 'ERR_LAUNCH_DELETED',
    });
  }
  if (current.state === stateCode('hold')) await db.nodes.update(nodeId, ips);
  else await db.nodes.setState(nodeId, state, ips);
}

/** Step 8: waits (bounded) until every subnode of the node is ready; returns them. */
async function waitForSubnodes(
  ctx: LauncherContext,
  spec: LaunchSpec,
  log: Logger,
): Promise<SetMember[]> {
  const wanted = spec.label.subnodes;
  const deadline = Date.now() + ctx.timing.subnodeWaitMs;
  const ready = stateCode('ready');
  for (;;) {
    const rows = await ctx.db().subnodes.listByNode(spec.nodeId);
    const done = rows.filter((s) => s.state === ready);
    if (done.length >= wanted || Date.now() >= deadline) {
      if (done.length < wanted)
        log.warn(
          'Node %d has %d of %d subnodes ready: carrying on',
          spec.nodeId,
          done.length,
          wanted,
        );
      return done.map((s) => ({
        role: 'sub' as const,
        ip: s.ip ?? '',
        ipPrivate: s.ipPrivate ?? s.ip ?? '',
        hostname: s.hostname ?? '',
        externalId: s.externalId ?? '',
      }));
    }
    await delay(ctx.timing.subnodePollMs, { signal: ctx.signal });
  }
}

/** Steps 12–13: Jenkins registration and Gearman assignment hooks; returns the manager. */
async function afterReady(
  ctx: LauncherContext,
  spec: LaunchSpec,
  image: CompiledProviderImage,
): Promise<string | null> {
  const { jenkins, gearman } = ctx;
  if (
    jenkins.registerNode === undefined &&
    (gearman.assignNode === undefined || !spec.target.assignViaGearman)
  )
    return null;
  const node = (await ctx.db().nodes.get(spec.nodeId)) as NodeRecord;
  const info = {
    node,
    label: spec.label,
    provider: spec.provider,
    target: spec.target,
    username: image.username,
    userHome: image.userHome,
    privateKey: image.privateKey,
  };
  if (jenkins.registerNode !== undefined) await jenkins.registerNode(info, { signal: ctx.signal });
  if (spec.target.assignViaGearman && gearman.assignNode !== undefined) {
    const manager = await gearman.assignNode(info, { signal: ctx.signal });
    await ctx.db().nodes.update(spec.nodeId, { managerName: manager });
    ctx.gaugesChanged();
    return manager;
  }
  return null;
}
