/**
 * Glance image operations of the OpenStack provider: list, get, upload (create, streamed PUT,
 * wait for active) and delete (docs/behaviour.md#image-names-and-upload).
 */
import type { Logger } from 'pino';
import { TASK, taskMetric } from '../../stats/index.js';
import type { Stats, TaskName } from '../../stats/index.js';
import { delay } from '../../util/index.js';
import type { CallOptions, ImageInfo, UploadImageRequest } from '../driver.js';
import { ProviderError, ResourceNotFoundError } from '../errors.js';
import type { GlanceApi } from './clients.js';
import type { GlanceImage } from './glance.js';

/** What the image functions need from the provider. */
export interface ImageDeps {
  provider: string;
  glance: GlanceApi;
  stats: Stats;
  log: Logger;
  pollMs: number;
  /** Runs one call in the provider's task queue. */
  task<T>(name: TaskName, fn: (signal?: AbortSignal) => Promise<T>, o?: CallOptions): Promise<T>;
}

const CORE_FIELDS = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'checksum',
  'owner',
  'size',
  'virtual_size',
  'min_ram',
  'min_disk',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'disk_format',
  'container_format',
]);

/** Maps Glance's JSON to {@link ImageInfo}; properties are the string-valued non-core fields. */
export function toImageInfo(img: GlanceImage): ImageInfo {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(img)) {
    if (!CORE_FIELDS.has(k) && typeof v === 'string') properties[k] = v;
  }
  for (const k of ['disk_format', 'container_format']) {
    if (typeof img[k] === 'string') properties[k] = img[k];
  }
  const info: ImageInfo = {
    id: img.id,
    name: img.name ?? '',
    status: String(img.status).toLowerCase(),
    properties,
  };
  if (typeof img['created_at'] === 'string') info.created = img['created_at'];
  if (typeof img['size'] === 'number') info.size = img['size'];
  return info;
}

/** Every image visible to the project. */
export async function listImages(d: ImageDeps, o: CallOptions = {}): Promise<ImageInfo[]> {
  const images = await d.task(
    TASK.imageGet,
    (signal) => d.glance.listImages(signal ? { signal } : {}),
    o,
  );
  return images.map(toImageInfo);
}

/** One image, or null when it does not exist. */
export async function getImage(
  d: ImageDeps,
  id: string,
  o: CallOptions = {},
): Promise<ImageInfo | null> {
  try {
    return toImageInfo(
      await d.task(TASK.imageGet, (signal) => d.glance.getImage(id, signal ? { signal } : {}), o),
    );
  } catch (err) {
    if (err instanceof ResourceNotFoundError) return null;
    throw err;
  }
}

/** Deletes an image. @throws ResourceNotFoundError */
export async function deleteImage(d: ImageDeps, id: string, o: CallOptions = {}): Promise<void> {
  await d.task(TASK.imageDelete, (signal) => d.glance.deleteImage(id, signal ? { signal } : {}), o);
}

/**
 * Uploads an image as shade did for 0.4.0: private, `bare` (or `ovf` for vhd), with the
 * `owner_specified.shade.*` checksum properties; an active image of the same name and the
 * same checksums is reused instead of uploading again. `req.onCreated` hears the image id
 * before any data is sent. The data PUT runs outside the task
 * queue (it may take many minutes and must not hold up other calls) but is still timed
 * under its task name.
 */
export async function uploadImage(
  d: ImageDeps,
  req: UploadImageRequest,
  o: CallOptions = {},
): Promise<ImageInfo> {
  const signal = o.signal;
  if (req.md5 && req.sha256) {
    const same = await d.task(
      TASK.imageGet,
      (s) => d.glance.listImages({ name: req.name, ...(s ? { signal: s } : {}) }),
      o,
    );
    const hit = same
      .map(toImageInfo)
      .find(
        (i) =>
          i.status === 'active' &&
          i.properties['owner_specified.shade.md5'] === req.md5 &&
          i.properties['owner_specified.shade.sha256'] === req.sha256,
      );
    if (hit) {
      await req.onCreated?.(hit.id);
      return hit;
    }
  }
  const fields: Record<string, unknown> = {
    ...(req.properties ?? {}),
    name: req.name,
    disk_format: req.diskFormat,
    container_format: req.diskFormat === 'vhd' ? 'ovf' : 'bare',
    visibility: 'private',
    'owner_specified.shade.object': `images/${req.name}`,
    ...(req.md5 ? { 'owner_specified.shade.md5': req.md5 } : {}),
    ...(req.sha256 ? { 'owner_specified.shade.sha256': req.sha256 } : {}),
  };
  const created = await d.task(
    TASK.imageCreate,
    (s) => d.glance.createImage(fields, s ? { signal: s } : {}),
    o,
  );
  try {
    await req.onCreated?.(created.id);
  } catch (err) {
    await deleteQuietly(d, created.id);
    throw err;
  }
  const timeoutMs = req.timeoutMs ?? 3_600_000;
  const started = performance.now();
  try {
    await d.glance.uploadFile(created.id, req.filename, {
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    await deleteQuietly(d, created.id);
    throw err;
  } finally {
    const key = taskMetric(d.provider, TASK.imageUpload);
    d.stats.timing(key, performance.now() - started);
    d.stats.increment(key);
  }
  return waitForImage(d, created.id, {
    timeoutMs: Math.max(1, timeoutMs - (performance.now() - started)),
    ...(signal ? { signal } : {}),
  });
}

async function deleteQuietly(d: ImageDeps, id: string): Promise<void> {
  try {
    await deleteImage(d, id);
  } catch (err) {
    d.log.warn({ err, imageId: id }, 'Cannot delete image %s after its upload failed', id);
  }
}

/** Polls until the image is `active`; `killed`/`deleted` fail. */
export async function waitForImage(
  d: ImageDeps,
  id: string,
  o: CallOptions & { timeoutMs: number },
): Promise<ImageInfo> {
  const deadline = Date.now() + o.timeoutMs;
  let last = 'unknown';
  for (;;) {
    const img = await getImage(d, id, o);
    if (img) {
      last = img.status;
      if (img.status === 'active') return img;
      if (img.status === 'killed' || img.status === 'deleted') {
        throw new ProviderError(
          `Cannot upload image "${img.name}" to provider "${d.provider}": its status became "${img.status}"`,
          {
            provider: d.provider,
            service: 'image',
          },
        );
      }
    }
    if (Date.now() >= deadline) {
      throw new ProviderError(
        `Cannot wait for image "${id}" in provider "${d.provider}": not active after ${o.timeoutMs} ms: status is "${last}"`,
        { provider: d.provider, service: 'image', code: 'ERR_PROVIDER_TIMEOUT' },
      );
    }
    await delay(d.pollMs, o.signal ? { signal: o.signal } : {});
  }
}
