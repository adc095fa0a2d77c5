/**
 * The snapshot part of the `cleanup` cron (upstream 0.3.1 `cleanupOneImage` and the
 * snapshot half of `cleanupLeakedInstances`): deletes rows in `delete`, rows of images no
 * longer configured, ready snapshots that are neither the current nor the previous one once
 * they are older than IMAGE_CLEANUP, and template servers whose row is gone.
 *
 * Only rows this port manages are touched: those of a configured provider whose image is a
 * snapshot image or is gone from the provider. A row naming a diskimage-built image (left by
 * a 0.3.x database) is 0.4.0's business, which ignores the table.
 */
import { snapshotStateCode } from '../db/index.js';
import type { SnapshotImageRecord } from '../db/index.js';
import { parseNodepoolMetadata } from '../provider/index.js';
import { deleteSnapshotImage } from './deleter.js';
import type { SnapshotContext } from './types.js';

/** True when the config has at least one snapshot image (the feature is in use). */
export function hasSnapshotImages(ctx: Pick<SnapshotContext, 'config'>): boolean {
  return ctx.config().providers.some((p) => p.images.some((i) => i.baseImage !== undefined));
}

/** Why a row should be deleted now, or null to keep it. */
export function deletionReason(
  ctx: SnapshotContext,
  row: SnapshotImageRecord,
  ready: readonly SnapshotImageRecord[],
  nowMs: number,
): string | null {
  const provider = ctx.config().providers.find((p) => p.name === row.providerName);
  if (provider === undefined) return null; // Its cloud cannot be reached; nothing to do.
  const image = provider.images.find((i) => i.name === row.imageName);
  if (image !== undefined && image.baseImage === undefined) return null;
  if (image === undefined) return 'which has no current base image';
  if (row.state === snapshotStateCode('delete')) return 'which is in delete state';
  const [current, previous] = ready;
  const ageMs = nowMs - (row.stateTime ?? 0) * 1000;
  if (
    row.id !== current?.id &&
    row.id !== previous?.id &&
    row.state !== snapshotStateCode('building') &&
    ageMs > ctx.timing.imageCleanupMs
  ) {
    return `which is ${Math.floor(ageMs / 3600_000)} hours old`;
  }
  return null;
}

/** One cleanup run over the snapshot images. */
export async function runSnapshotCleanup(ctx: SnapshotContext, signal: AbortSignal): Promise<void> {
  if (!hasSnapshotImages(ctx)) return;
  const db = ctx.db();
  const rows = await db.snapshotImages.list();
  const readyOf = new Map<string, SnapshotImageRecord[]>();
  const now = Date.now();
  for (const row of rows) {
    signal.throwIfAborted();
    const key = `${row.providerName}\0${row.imageName}`;
    let ready = readyOf.get(key);
    if (ready === undefined)
      readyOf.set(
        key,
        (ready = await db.snapshotImages.listReady(row.providerName, row.imageName)),
      );
    const reason = deletionReason(ctx, row, ready, now);
    if (reason === null) continue;
    ctx.log.info('Deleting image id: %d %s', row.id, reason);
    await deleteSnapshotImage(ctx, row);
  }
  await deleteLeakedTemplateServers(ctx, signal);
}

async function deleteLeakedTemplateServers(
  ctx: SnapshotContext,
  signal: AbortSignal,
): Promise<void> {
  const db = ctx.db();
  for (const pc of ctx.config().providers) {
    if (!pc.images.some((i) => i.baseImage !== undefined)) continue;
    const cloud = ctx.provider(pc.name);
    if (cloud === undefined) continue;
    for (const server of await cloud.listServers({ signal })) {
      const meta = parseNodepoolMetadata(server.metadata);
      if (meta?.snapshotImageId === undefined || meta.providerName !== pc.name) continue;
      const row = await db.snapshotImages.get(meta.snapshotImageId);
      // A reused id (SQLite) with another server recorded does not own this one.
      if (
        row !== undefined &&
        (row.serverExternalId === null || row.serverExternalId === server.id)
      )
        continue;
      ctx.log.warn(
        'Deleting leaked instance %s (%s) in %s for snapshot image id: %d',
        server.name,
        server.id,
        pc.name,
        meta.snapshotImageId,
      );
      try {
        await cloud.deleteServer(server.id, { signal });
      } catch (err) {
        if (signal.aborted) throw err;
        ctx.log.warn({ err }, 'Cannot delete leaked instance %s', server.id);
      }
    }
  }
}
