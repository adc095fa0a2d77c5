/**
 * One disk image build, run by a build worker while it holds the image's build lock
 * (docs/behaviour.md#building-images, docs/behaviour.md#running-disk-image-create): create the `building` record, run dib, check its output,
 * and store `ready` (with formats) or `failed` at the same build id.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CompiledConfig, CompiledDiskImage } from '../config/index.js';
import { getLogger } from '../log/index.js';
import { dibImageSizeGauge } from '../stats/index.js';
import type { ZkLock } from '../zk/index.js';
import { dibCommand, runDib } from './dib-runner.js';
import type { DibResult } from './dib-runner.js';
import { allocatedSize, removeBuildFiles } from './image-files.js';
import type { BuilderContext } from './worker.js';

/** Result of {@link runBuildJob}. */
export interface BuildJobResult {
  readonly buildId: string;
  readonly state: 'ready' | 'failed';
}

/** Why dib's result is not a usable build, or null when it is. */
async function failureOf(
  result: DibResult,
  outputBase: string,
  types: readonly string[],
): Promise<string | null> {
  if (result.outcome === 'aborted')
    return 'the build was abandoned (builder stopping or build lock lost)';
  if (result.outcome === 'timeout') return 'dib ran out of time and was killed';
  if (result.exitCode !== 0) {
    return result.exitCode === null
      ? `dib was killed by signal ${result.exitSignal ?? 'unknown'}`
      : `dib exited with status ${result.exitCode}`;
  }
  for (const t of types) {
    try {
      if (!(await stat(`${outputBase}.${t}`)).isFile()) return `"${outputBase}.${t}" is not a file`;
    } catch {
      return `dib did not write "${outputBase}.${t}"`;
    }
  }
  return null;
}

/** Keeps the newest `keep` build logs of an image (`<image>-<bid>.log`). */
async function pruneBuildLogs(
  dir: string,
  image: string,
  keep: number,
  log: Logger,
): Promise<void> {
  try {
    const pattern = new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+\\.log$`);
    const logs = (await readdir(dir)).filter((f) => pattern.test(f)).sort();
    for (const f of logs.slice(0, Math.max(0, logs.length - keep))) {
      await rm(path.join(dir, f), { force: true });
    }
  } catch (err) {
    log.warn({ err }, 'Cannot prune build logs of %s in "%s"', image, dir);
  }
}

/**
 * Runs one build of `diskimage` under `lock` (already held). Session loss or lock loss during
 * the build fails it (docs/behaviour.md#zookeeper-sessions, port: per-operation check); so does a missing output file.
 * Files of a failed build are removed at once; its record is left for cleanup.
 */
export async function runBuildJob(
  ctx: BuilderContext,
  config: CompiledConfig,
  diskimage: CompiledDiskImage,
  lock: ZkLock,
  options: { log: Logger; signal: AbortSignal; types: readonly string[] },
): Promise<BuildJobResult> {
  const { log, signal, types } = options;
  const name = diskimage.name;
  const generation = ctx.zk.generation;
  const buildId = await ctx.images.storeBuild(name, { state: 'building', builder: ctx.hostname });
  const imagesDir = config.imagesDir ?? '';
  const command = dibCommand({
    dibCmd: ctx.dibCmd,
    diskimage,
    imagesDir,
    buildId,
    types,
    baseEnv: ctx.env,
    ...(config.elementsDir !== undefined ? { elementsDir: config.elementsDir } : {}),
  });
  const logFile =
    ctx.buildLogDir === undefined
      ? undefined
      : path.join(ctx.buildLogDir, `${name}-${buildId}.log`);
  log.info({ argv: command.argv, logFile }, 'Running %s', command.argv.join(' '));

  let failure: string | null;
  try {
    const result = await runDib(command, {
      log: getLogger(log, `nodepool.image.build.${name}`),
      signal: AbortSignal.any([signal, lock.signal]),
      killGraceMs: ctx.killGraceMs,
      ...(logFile !== undefined ? { logFile } : {}),
      ...(ctx.buildTimeoutMs !== undefined ? { timeoutMs: ctx.buildTimeoutMs } : {}),
    });
    failure = await failureOf(result, command.outputBase, types);
  } catch (err) {
    // Compat: upstream left the record `building` here; we fail it so nothing waits on it.
    log.error({ err }, 'Cannot run the build of %s', name);
    failure = 'dib could not be started';
  }

  // The record can only be written with a session; a build that spanned a lost session
  // (and with it the build lock) is failed, as upstream does.
  if (!ctx.zk.isConnected) {
    log.info('ZooKeeper suspended during build. Waiting');
    await ctx.zk.waitConnected({ signal });
  }
  if (failure === null && (ctx.zk.generation !== generation || lock.signal.aborted)) {
    failure = 'the ZooKeeper session was lost during the build';
  }

  if (failure !== null) {
    log.error('DIB failed creating %s (build %s): %s', name, buildId, failure);
    await removeBuildFiles(imagesDir, `${name}-${buildId}`, types);
    await ctx.images.storeBuild(name, { state: 'failed', builder: ctx.hostname }, buildId);
  } else {
    log.info('DIB image %s is built (build %s)', name, buildId);
    await ctx.images.storeBuild(
      name,
      { state: 'ready', builder: ctx.hostname, formats: types },
      buildId,
    );
    if (ctx.stats.isEnabled) {
      for (const t of types) {
        const size = await allocatedSize(`${command.outputBase}.${t}`);
        log.debug('%s created image %s.%s (size: %d)', name, command.outputBase, t, size);
        ctx.stats.gauge(dibImageSizeGauge(name, t), size);
      }
    }
  }
  if (ctx.buildLogDir !== undefined)
    await pruneBuildLogs(ctx.buildLogDir, name, ctx.buildLogRetention, log);
  return { buildId, state: failure === null ? 'ready' : 'failed' };
}
