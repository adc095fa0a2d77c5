/**
 * Deleting snapshot images and what an update made (upstream 0.3.1 `_deleteImage`): the row
 * goes to `delete` first, then the template server, the cloud image and the temporary key
 * pair are deleted (each "not found" counts as done), and last the row. A step that fails
 * leaves the row in `delete` for the next cleanup, unless `force` is given.
 */
import type { Logger } from 'pino';
import type { SnapshotImageRecord } from '../db/index.js';
import { nodenameOf } from '../launcher/index.js';
import { ResourceNotFoundError } from '../provider/index.js';
import type { Provider } from '../provider/index.js';
import type { SnapshotContext } from './types.js';

/** Cloud resources an update made so far. */
export interface Made {
  serverId?: string | undefined;
  imageId?: string | undefined;
  keyName?: string | undefined;
}

async function tolerant(step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!(err instanceof ResourceNotFoundError)) throw err;
  }
}

/**
 * Deletes `made` in the cloud; with `deleteRow`, marks the row `delete` first and removes it
 * once everything is gone (or, with `force`, whatever failed). Never throws: failures are
 * logged. Resolves true when everything was deleted.
 */
export async function deleteSnapshotResources(
  ctx: SnapshotContext,
  rowId: number,
  made: Made,
  o: { cloud: Provider | undefined; log: Logger; deleteRow: boolean; force?: boolean },
): Promise<boolean> {
  const { cloud, log } = o;
  const db = ctx.db();
  let isClean = true;
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await tolerant(fn);
    } catch (err) {
      isClean = false;
      log.warn({ err }, 'Cannot delete %s of image id: %d', what, rowId);
    }
  };
  if (o.deleteRow)
    await step(
      'the row state',
      async () => void (await db.snapshotImages.update(rowId, { state: 'delete' })),
    );
  if (made.serverId !== undefined) {
    const id = made.serverId;
    await step(`server ${id}`, async () => {
      if (cloud === undefined) throw new Error('the provider is not running');
      log.debug('Deleting server %s for image id: %d', id, rowId);
      await cloud.deleteServer(id);
      await cloud.waitForServerDeletion(id, { timeoutMs: ctx.timing.deleteTimeoutMs });
    });
  }
  if (made.imageId !== undefined) {
    const id = made.imageId;
    await step(`image ${id}`, async () => {
      if (cloud === undefined) throw new Error('the provider is not running');
      log.debug('Deleting image %s', id);
      await cloud.deleteImage(id);
    });
  }
  if (made.keyName !== undefined && cloud?.deleteKeypair !== undefined) {
    const name = made.keyName;
    const del = cloud.deleteKeypair.bind(cloud);
    await step(`key pair ${name}`, () => del(name));
  }
  if (o.deleteRow && (isClean || o.force === true)) {
    if (!isClean) log.info('Ignoring image delete errors of image id: %d', rowId);
    await step('the row', async () => void (await db.snapshotImages.delete(rowId)));
    log.info('Deleted image id: %d', rowId);
  }
  return isClean;
}

/**
 * Deletes a recorded snapshot image: its template server, its cloud image, its temporary key
 * pair, then its row. Resolves true when the row is gone.
 */
export async function deleteSnapshotImage(
  ctx: SnapshotContext,
  row: SnapshotImageRecord,
  o: { force?: boolean; log?: Logger } = {},
): Promise<boolean> {
  const log = (o.log ?? ctx.log).child({
    provider: row.providerName,
    image: row.imageName,
    snapshotImageId: row.id,
  });
  const provider = ctx.config().providers.find((p) => p.name === row.providerName);
  const cloud = ctx.provider(row.providerName);
  const made: Made = {
    serverId: row.serverExternalId ?? undefined,
    imageId: row.externalId ?? undefined,
    // Our temporary key pairs are named after the template host (0.3.1).
    keyName:
      provider?.keypair === undefined && row.hostname !== null
        ? nodenameOf(row.hostname)
        : undefined,
  };
  return deleteSnapshotResources(ctx, row.id, made, {
    cloud,
    log,
    deleteRow: true,
    ...(o.force !== undefined ? { force: o.force } : {}),
  });
}
