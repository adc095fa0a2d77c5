/**
 * One snapshot image update (upstream 0.3.1 `SnapshotImageUpdater`): record a `building`
 * row, boot a template server from `base-image`, log in over SSH, copy `script-dir`, run
 * `setup`, snapshot the server, wait for the image, mark the row `ready`, delete the server.
 *
 * Any failure deletes what the update made (server, half-made image, temporary key pair)
 * and then the row; what cannot be deleted now stays recorded in a `delete` row, which the
 * cleanup retries, so nothing is left without a record.
 */
import type { Logger } from 'pino';
import type { CompiledProvider, CompiledProviderImage } from '../config/index.js';
import type { SnapshotImageRecord } from '../db/index.js';
import { formatTemplate, nodenameOf } from '../launcher/index.js';
import type { Provider } from '../provider/index.js';
import { bootstrapTemplateServer, generateNodeSetKey } from '../ssh/index.js';
import type { PrivateKeySource } from '../ssh/index.js';
import { imageUpdateMetric } from '../stats/index.js';
import { deleteSnapshotResources } from './deleter.js';
import type { Made } from './deleter.js';
import { NodepoolError } from '../errors.js';
import { loginTemplate } from './template-login.js';
import type { SnapshotContext } from './types.js';

const UUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** The provider and image configs of a snapshot image. @throws NodepoolError `ERR_SNAPSHOT_CONFIG` */
export function snapshotImageConfig(
  ctx: SnapshotContext,
  providerName: string,
  imageName: string,
): {
  provider: CompiledProvider;
  image: CompiledProviderImage & { baseImage: string; setup: string };
} {
  const provider = ctx.config().providers.find((p) => p.name === providerName);
  const image = provider?.images.find((i) => i.name === imageName);
  const fail = (why: string): never => {
    throw new NodepoolError(
      `Cannot update image "${imageName}" in provider "${providerName}": ${why}`,
      {
        code: 'ERR_SNAPSHOT_CONFIG',
        details: { provider: providerName, image: imageName },
      },
    );
  };
  if (provider === undefined) return fail('no such provider');
  if (image === undefined) return fail('the provider has no such image');
  // Compat: 0.3.1's messages for a diskimage image and for one without a setup script.
  if (image.baseImage === undefined)
    return fail('Cannot update disk image images. Please build and upload images');
  if (image.setup === undefined)
    return fail('Invalid image config. Must specify either a setup script, or a diskimage to use.');
  return { provider, image: image as CompiledProviderImage & { baseImage: string; setup: string } };
}

/** The cloud image id of `base-image`: a UUID is used as given, a name is looked up. */
async function baseImageId(
  cloud: Provider,
  baseImage: string,
  signal?: AbortSignal,
): Promise<string> {
  if (UUID.test(baseImage)) return baseImage;
  const found = (await cloud.listImages(signal ? { signal } : {}))
    .filter((i) => i.name === baseImage && i.status === 'active')
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''))[0];
  if (found === undefined) throw new Error(`Cannot find an active image named "${baseImage}"`);
  return found.id;
}

/** The key pair to boot with and the private key to log in with (0.3.1: provider keypair, else a temporary one). */
async function loginKey(
  cloud: Provider,
  provider: CompiledProvider,
  image: CompiledProviderImage,
  hostname: string,
  made: Made,
  log: Logger,
  signal?: AbortSignal,
): Promise<{ keyName?: string; privateKey: PrivateKeySource }> {
  if (provider.keypair !== undefined)
    return { keyName: provider.keypair, privateKey: image.privateKey };
  if (cloud.createKeypair === undefined) return { privateKey: image.privateKey };
  const name = nodenameOf(hostname);
  try {
    const key = await generateNodeSetKey();
    await cloud.createKeypair(name, key.publicKey, signal ? { signal } : {});
    made.keyName = name;
    return { keyName: name, privateKey: key.privateKeyPem };
  } catch (err) {
    if (signal?.aborted) throw err;
    log.warn({ err }, 'Cannot create key pair %s: logging in with the image private-key', name);
    return { privateKey: image.privateKey };
  }
}

/** Options of {@link updateSnapshotImage}. */
export interface UpdateSnapshotOptions {
  signal?: AbortSignal;
  /** Called once the `building` row exists (the daemon tracks running updates by it). */
  onRow?(row: SnapshotImageRecord): void;
}

/**
 * Runs one update of a snapshot image to its end. Resolves with the `ready` row.
 * @throws SnapshotImageError (config) before anything is made; any other error after the
 *   update's leftovers were deleted (or recorded for the cleanup)
 */
export async function updateSnapshotImage(
  ctx: SnapshotContext,
  providerName: string,
  imageName: string,
  options: UpdateSnapshotOptions = {},
): Promise<SnapshotImageRecord> {
  const { provider, image } = snapshotImageConfig(ctx, providerName, imageName);
  const cloud = ctx.provider(provider.name);
  if (cloud?.createSnapshot === undefined) {
    throw new NodepoolError(
      `Cannot update image "${imageName}" in provider "${providerName}": the provider cannot snapshot servers`,
      {
        code: 'ERR_SNAPSHOT_IMAGE',
        details: { provider: providerName, image: imageName },
      },
    );
  }
  const db = ctx.db();
  const row = await db.snapshotImages.create(provider.name, image.name);
  options.onRow?.(row);
  const log = ctx.log.child({
    provider: provider.name,
    image: image.name,
    snapshotImageId: row.id,
  });
  const made: Made = {};
  const started = performance.now();
  const signal = options.signal;
  const o = signal ? { signal } : {};
  try {
    const timestamp = Math.floor(Date.now() / 1000);
    const hostname = formatTemplate(provider.templateHostname, {
      provider,
      image,
      timestamp: String(timestamp),
    });
    log.info(
      'Creating image id: %d with hostname %s for %s in %s',
      row.id,
      hostname,
      image.name,
      provider.name,
    );
    const key = await loginKey(cloud, provider, image, hostname, made, log, signal);
    const server = await cloud.createServer(
      {
        name: hostname,
        imageId: await baseImageId(cloud, image.baseImage, signal),
        minRam: image.minRam,
        ...(image.nameFilter !== undefined ? { nameFilter: image.nameFilter } : {}),
        ...(key.keyName !== undefined ? { keyName: key.keyName } : {}),
        ...(image.configDrive !== undefined ? { configDrive: image.configDrive } : {}),
        snapshotImageId: row.id,
      },
      o,
    );
    made.serverId = server.id;
    await db.snapshotImages.update(row.id, {
      hostname,
      version: timestamp,
      serverExternalId: server.id,
    });
    log.debug('Image id: %d waiting for server %s', row.id, server.id);
    const active = await cloud.waitForServer(server.id, {
      timeoutMs: provider.launchTimeoutMs,
      ...o,
    });
    if (!active.publicIp) throw new Error(`Unable to find public IP of server ${server.id}`);
    const { session, username } = await loginTemplate({
      ssh: ctx.ssh,
      provider,
      ip: active.publicIp,
      privateKey: key.privateKey,
      timeoutMs: ctx.timing.connectTimeoutMs,
      fallbackTimeoutMs: ctx.timing.fallbackLoginTimeoutMs,
      log,
      ...o,
    });
    try {
      await bootstrapTemplateServer(session, {
        hostname: server.name,
        ...(ctx.config().scriptDir !== undefined ? { scriptDir: ctx.config().scriptDir } : {}),
        setup: image.setup,
        sudo: username === 'root' ? '' : 'sudo',
        settleMs: ctx.timing.settleMs,
        ...(ctx.ssh.nodepoolDir !== undefined ? { nodepoolDir: ctx.ssh.nodepoolDir } : {}),
        ...(ctx.ssh.scriptsDir !== undefined ? { scriptsDir: ctx.ssh.scriptsDir } : {}),
        log,
        ...o,
      });
    } finally {
      await session.stop();
    }
    const snap = await cloud.createSnapshot(
      server.id,
      {
        name: hostname,
        metadata: { ...image.meta },
        timeoutMs: ctx.timing.imageTimeoutMs,
        onCreated: async (id) => {
          made.imageId = id;
          await db.snapshotImages.update(row.id, { externalId: id });
          log.debug('Image id: %d building image %s', row.id, id);
        },
      },
      o,
    );
    made.imageId = snap.id;
    const metric = imageUpdateMetric(image.name, provider.name);
    ctx.stats.timing(metric, performance.now() - started);
    ctx.stats.increment(metric);
    await db.snapshotImages.update(row.id, { state: 'ready' });
    log.info('Image %s in %s is ready', hostname, provider.name);
  } catch (err) {
    log.error(
      { err },
      'Exception updating image %s in %s: deleting what it made',
      image.name,
      provider.name,
    );
    await deleteSnapshotResources(ctx, row.id, made, { cloud, log, deleteRow: true });
    throw err;
  }
  // The snapshot is made; the server goes now, or with the image later (its id is recorded).
  await deleteSnapshotResources(
    ctx,
    row.id,
    { ...made, imageId: undefined },
    { cloud, log, deleteRow: false },
  );
  return (await db.snapshotImages.get(row.id)) ?? row;
}
