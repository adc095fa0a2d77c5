import { findBuildFiles, formatImageName, readChecksums } from '../../builder/index.js';
import type { CompiledProvider, CompiledProviderImage } from '../../config/index.js';
import { illegalStateError, notFoundError } from '../../errors.js';
import type { ImageBuild, ImageBuilds } from '../../zk/index.js';
import { openCliProviders } from './cloud-helpers.js';
import type { CliContext } from './verb.js';
import { openCliImageBuilds } from './zk-helpers.js';

/** How long to wait for a builder's upload of the same build to finish first. */
const LOCK_TIMEOUT_MS = 300_000;

async function uploadOne(
  ctx: CliContext,
  images: ImageBuilds,
  build: ImageBuild,
  provider: CompiledProvider,
  image: CompiledProviderImage,
  filePath: string,
): Promise<void> {
  const [cloud] = await openCliProviders(ctx, provider.name);
  if (cloud?.uploadImage === undefined)
    throw illegalStateError(
      `Cannot upload to provider "${provider.name}": it is not usable`,
      'unavailable',
    );
  const d = image.diskimage;
  const lock = images.imageUploadLock(d, build.id, provider.name);
  await lock.acquireOrThrow({ timeoutMs: LOCK_TIMEOUT_MS });
  try {
    const name = formatImageName(provider.templateHostname, {
      imageName: image.name,
      imageId: `${d}-${build.id}`,
      provider,
      timestamp: Math.floor(Date.now() / 1000),
    });
    // As the builder does: the record names the cloud image before any data is sent, so a
    // crash mid-upload leaves a record the builders' cleanup can delete the image by.
    const uploadId = await images.storeUpload(d, build.id, provider.name, {
      state: 'uploading',
      externalName: name,
    });
    ctx.log.info('Uploading DIB image build %s from %s to %s', build.id, filePath, provider.name);
    let createdId: string | undefined;
    try {
      const uploaded = await cloud.uploadImage({
        name,
        filename: filePath,
        diskFormat: provider.imageType,
        properties: { ...image.meta, nodepool_build_id: build.id, nodepool_upload_id: uploadId },
        ...(await readChecksums(filePath)),
        onCreated: async (id) => {
          createdId = id;
          await images.storeUpload(
            d,
            build.id,
            provider.name,
            { state: 'uploading', externalId: id, externalName: name },
            uploadId,
          );
        },
      });
      await images.storeUpload(
        d,
        build.id,
        provider.name,
        { state: 'ready', externalId: uploaded.id, externalName: name },
        uploadId,
      );
      ctx.log.info('Image build %s-%s in %s is ready', d, build.id, provider.name);
    } catch (err) {
      // Keep the names: if the provider could not delete its half-made image, cleanup can.
      await images.storeUpload(
        d,
        build.id,
        provider.name,
        {
          state: 'failed',
          externalName: name,
          ...(createdId !== undefined ? { externalId: createdId } : {}),
        },
        uploadId,
      );
      throw err;
    }
  } finally {
    await lock.release();
  }
}

/**
 * `nodepool image-upload PROVIDER IMAGE` (0.3-era): uploads the newest ready build of IMAGE's
 * diskimage to PROVIDER (or `all` its providers) now, in the foreground, and records it as a
 * new upload. The build's files must be in `images-dir` on this host (run it on the builder
 * that built it). The builders' cleanup later retires older uploads as usual.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const [providerName = '', imageName = ''] = args;
  const config = await ctx.config();
  const targets = config.providers.filter((p) => providerName === 'all' || p.name === providerName);
  if (targets.length === 0) throw notFoundError(`Provider ${providerName} does not exist`);
  const pairs = targets.flatMap((p) =>
    p.images.filter((i) => i.name === imageName).map((i) => ({ provider: p, image: i })),
  );
  if (pairs.length === 0)
    throw notFoundError(`Image ${imageName} not in use by provider ${providerName}`);
  const snapshot = pairs.find((p) => p.image.baseImage !== undefined);
  if (snapshot !== undefined)
    throw illegalStateError(
      `Trying to upload a non disk-image-builder image: ${imageName}`,
      'snapshot',
    );
  const images = await openCliImageBuilds(ctx);
  for (const { provider, image } of pairs) {
    const [build] = await images.getMostRecentBuilds(image.diskimage, { state: 'ready', count: 1 });
    if (build === undefined)
      throw notFoundError(`No ready build of diskimage ${image.diskimage} to upload`);
    const file = (
      await findBuildFiles(config.imagesDir ?? '', `${image.diskimage}-${build.id}`)
    ).find((f) => f.extension === provider.imageType);
    if (file === undefined) {
      throw notFoundError(
        `Cannot upload build ${image.diskimage}-${build.id}: no ${provider.imageType} file of it in images-dir "${config.imagesDir ?? ''}" on this host (run this on the builder that built it)`,
      );
    }
    await uploadOne(ctx, images, build, provider, image, file.path);
  }
}
