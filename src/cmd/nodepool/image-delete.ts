import type { NodepoolError } from '../../errors.js';
import { illegalStateError, notFoundError, usageError } from '../../errors.js';
import { deleteSnapshotImage } from '../../snapshot/index.js';
import { BadVersionError, isValidName, uploadWithState } from '../../zk/index.js';
import type { ImageBuilds } from '../../zk/index.js';
import { isOutOfRange } from './db-helpers.js';
import { openCliSnapshotContext } from './snapshot-helpers.js';
import type { CliContext, VerbOptions } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/** One upload named on the command line. */
interface UploadRef {
  image: string;
  buildId: string;
  provider: string;
  uploadId: string;
}

/**
 * Every way to read `<image>-<build id>-<provider>-<upload id>` (ids are 10 digits; names
 * may hold dashes, so more than one split can fit).
 */
export function uploadRefCandidates(id: string): UploadRef[] {
  const tail = /-(\d{10})$/.exec(id);
  if (tail === null) return [];
  const head = id.slice(0, tail.index);
  const out: UploadRef[] = [];
  for (let i = head.indexOf('-'); i > 0; i = head.indexOf('-', i + 1)) {
    const m = /^-(\d{10})-(.+)$/.exec(head.slice(i));
    if (m !== null)
      out.push({ image: head.slice(0, i), buildId: m[1]!, provider: m[2]!, uploadId: tail[1]! });
  }
  return out;
}

/** Build and upload ids are 10-digit ZooKeeper sequence numbers: `1` means `0000000001`. */
export function padId(id: string): string {
  return /^\d{1,9}$/.test(id) ? id.padStart(10, '0') : id;
}

const list = (ids: readonly string[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

/** Upstream's "Image upload not found", with the ids that do exist. */
async function notFound(images: ImageBuilds, ref: UploadRef): Promise<NodepoolError> {
  const { image, buildId, provider } = ref;
  const builds = isValidName(image) ? await images.getBuildIds(image) : [];
  if (!builds.includes(buildId)) {
    return notFoundError(
      `Image upload not found: build ids of image "${image}" are ${list(builds)}`,
    );
  }
  const uploads = isValidName(provider) ? await images.getUploadIds(image, buildId, provider) : [];
  return notFoundError(
    `Image upload not found: upload ids of build ${buildId} of image "${image}" in provider "${provider}" are ${list(uploads)}`,
  );
}

/** Marks an upload `deleting` (upstream 0.4.0 `image-delete`). */
async function markUploadDeleting(images: ImageBuilds, ref: UploadRef): Promise<void> {
  const { image, buildId, provider, uploadId } = ref;
  for (let attempt = 0; ; attempt++) {
    const upload = [image, buildId, provider, uploadId].every(isValidName)
      ? await images.getUpload(image, buildId, provider, uploadId)
      : null;
    if (upload === null) throw await notFound(images, ref);
    if (upload.state === 'uploading') {
      throw illegalStateError('Cannot delete because image upload in progress', 'uploading');
    }
    try {
      await images.storeUpload(
        image,
        buildId,
        provider,
        uploadWithState(upload, 'deleting'),
        uploadId,
        { version: upload.version },
      );
      return;
    } catch (err) {
      if (!(err instanceof BadVersionError) || attempt >= 4) throw err;
    }
  }
}

/** `image-delete ID`: a snapshot image row id, or an upload written as one id. */
async function deleteById(ctx: CliContext, id: string, force: boolean): Promise<void> {
  if (/^\d+$/.test(id)) {
    // 0.3-era: a snapshot_image row, deleted in the foreground as 0.3.1 did.
    const n = Number(id);
    const sctx = await openCliSnapshotContext(ctx);
    const row = isOutOfRange(n) ? undefined : await sctx.db().snapshotImages.get(n);
    if (row === undefined) throw notFoundError(`No image '${id}' found.`);
    if (!(await deleteSnapshotImage(sctx, row, { force }))) {
      throw illegalStateError(
        `Cannot delete image ${id} completely: it stays in state delete for the next cleanup (use --force to ignore cloud errors)`,
        'delete',
      );
    }
    return;
  }
  const candidates = uploadRefCandidates(id);
  if (candidates.length === 0) {
    throw usageError(
      `Invalid image id: expected a snapshot image ID or IMAGE-BUILD_ID-PROVIDER-UPLOAD_ID: current value is "${id}"`,
    );
  }
  const images = await openCliImageBuilds(ctx);
  const found: UploadRef[] = [];
  for (const c of candidates) {
    if (
      [c.image, c.buildId, c.provider, c.uploadId].every(isValidName) &&
      (await images.getUpload(c.image, c.buildId, c.provider, c.uploadId)) !== null
    )
      found.push(c);
  }
  if (found.length > 1) {
    throw usageError(
      `Image id "${id}" is ambiguous: use --provider, --image, --build-id and --upload-id`,
    );
  }
  if (found[0] === undefined) throw notFoundError('Image upload not found');
  await markUploadDeleting(images, found[0]);
}

const FOUR = ['provider', 'image', 'buildId', 'uploadId'] as const;
const FLAG: Readonly<Record<(typeof FOUR)[number], string>> = {
  provider: '--provider <provider>',
  image: '--image <image>',
  buildId: '--build-id <build-id>',
  uploadId: '--upload-id <upload-id>',
};

/**
 * `nodepool image-delete --provider P --image I --build-id B --upload-id U` (0.4.0): marks an
 * upload `deleting`, keeping its external id and name; the builders' cleanup deletes the
 * cloud image and the record. Or `nodepool image-delete ID [--force]` (0.3-era form): ID is
 * the Upload ID of a `snapshot` row of `image-list` (a snapshot image, deleted now with its
 * server and cloud image), or `<image>-<build id>-<provider>-<upload id>` for an upload.
 */
export async function run(
  ctx: CliContext,
  args: readonly string[],
  opts: VerbOptions,
): Promise<void> {
  const given = FOUR.filter((k) => typeof opts[k] === 'string');
  const id = args[0];
  if (id !== undefined && id !== '') {
    if (given.length > 0)
      throw usageError(
        'Cannot use an image ID together with --provider, --image, --build-id or --upload-id',
      );
    await deleteById(ctx, id, opts.force === true);
    return;
  }
  // Compat: 0.4.0 requires all four options (argparse); keep commander's wording.
  const missing = FOUR.find((k) => typeof opts[k] !== 'string');
  if (missing !== undefined)
    throw usageError(`error: required option '${FLAG[missing]}' not specified`);
  const [provider, image, buildId, uploadId] = FOUR.map((k) => opts[k] as string) as [
    string,
    string,
    string,
    string,
  ];
  await markUploadDeleting(await openCliImageBuilds(ctx), {
    provider,
    image,
    buildId: padId(buildId),
    uploadId: padId(uploadId),
  });
}
