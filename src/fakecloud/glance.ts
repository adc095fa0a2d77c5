/**
 * Glance v2 of the fake cloud, served under `/image`. Uploaded bytes are counted and
 * hashed (md5 + sha512) as they stream in, then dropped: only size and checksums are kept.
 */
import { createHash } from 'node:crypto';
import { ApiError, asObject, queryInt, Router } from './http.js';
import type { ApiResponse, RequestContext } from './http.js';
import type { FakeService } from './service.js';
import { REASONS } from './service.js';
import { isoNow } from './store.js';
import type { ImageRecord } from './types.js';

/** Fields Glance sets itself; a create or update naming one is refused. */
const READ_ONLY = new Set([
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'created_at',
  'updated_at',
  'self',
  'file',
  'schema',
  'owner_specified',
  'stores',
  'direct_url',
  'locations',
]);
const VISIBILITIES = new Set(['public', 'private', 'shared', 'community']);

/** An image as Glance v2 shows it: properties first, then the core fields. */
export function imageView(img: ImageRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...img.properties,
    name: img.name,
    disk_format: img.diskFormat,
    container_format: img.containerFormat,
    visibility: img.visibility,
    size: img.size,
    virtual_size: null,
    status: img.status,
    checksum: img.checksum,
    protected: img.isProtected,
    min_ram: img.minRam,
    min_disk: img.minDisk,
    owner: img.owner,
    os_hidden: false,
    os_hash_algo: img.hashValue === null ? null : 'sha512',
    os_hash_value: img.hashValue,
    id: img.id,
    created_at: img.createdAt,
    updated_at: img.updatedAt,
    tags: [...img.tags],
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
  if (img.status === 'active') view.stores = 'file';
  return view;
}

function findImage(ctx: RequestContext): ImageRecord {
  const id = ctx.params.id ?? '';
  const img = ctx.store.images.get(id);
  if (img === undefined || !ctx.store.canSeeImage(img, ctx.token?.projectId ?? ''))
    throw new ApiError(404, `No image found with ID ${id}`);
  return img;
}

/** Applies one create/update field to an image. @throws ApiError 400/403 for a bad one. */
function setField(img: ImageRecord, key: string, value: unknown): void {
  if (READ_ONLY.has(key) || key === 'id' || key === 'owner')
    throw new ApiError(403, `Attribute '${key}' is read-only.`);
  const str = (): string | null => {
    if (value === null || typeof value === 'string') return value;
    throw new ApiError(400, `Invalid value for '${key}': ${JSON.stringify(value)} is not a string`);
  };
  const int = (): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    throw new ApiError(
      400,
      `Invalid value for '${key}': ${JSON.stringify(value)} is not a non-negative integer`,
    );
  };
  switch (key) {
    case 'name':
      img.name = str();
      return;
    case 'disk_format':
      img.diskFormat = str();
      return;
    case 'container_format':
      img.containerFormat = str();
      return;
    case 'visibility':
      if (typeof value !== 'string' || !VISIBILITIES.has(value))
        throw new ApiError(400, `Invalid visibility value: ${JSON.stringify(value)}`);
      img.visibility = value as ImageRecord['visibility'];
      return;
    case 'min_ram':
      img.minRam = int();
      return;
    case 'min_disk':
      img.minDisk = int();
      return;
    case 'protected':
      if (typeof value !== 'boolean')
        throw new ApiError(
          400,
          `Invalid value for 'protected': ${JSON.stringify(value)} is not a boolean`,
        );
      img.isProtected = value;
      return;
    case 'tags':
      if (!Array.isArray(value) || value.some((t) => typeof t !== 'string'))
        throw new ApiError(400, "Invalid value for 'tags': must be a list of strings");
      img.tags = [...(value as string[])];
      return;
    default:
      if (typeof value !== 'string')
        throw new ApiError(
          400,
          `Invalid value for property '${key}': ${JSON.stringify(value)} is not a string`,
        );
      img.properties[key] = value;
  }
}

async function createImage(ctx: RequestContext): Promise<ApiResponse> {
  const body = asObject(await ctx.json(), 'body');
  const img = ctx.store.newImage(ctx.token?.projectId ?? '', {});
  try {
    for (const [k, v] of Object.entries(body)) {
      if (k === 'id') {
        if (typeof v !== 'string' || ctx.store.images.has(v))
          throw new ApiError(409, `Image with identifier ${String(v)} already exists!`);
        ctx.store.images.delete(img.id);
        img.id = v;
        ctx.store.images.set(v, img);
      } else {
        setField(img, k, v);
      }
    }
  } catch (err) {
    ctx.store.images.delete(img.id);
    throw err;
  }
  return {
    status: 201,
    headers: { Location: `${ctx.origin}/image/v2/images/${img.id}` },
    body: imageView(img),
  };
}

/** PATCH with `application/openstack-images-v2.1-json-patch` (add/replace/remove of top-level fields). */
async function updateImage(ctx: RequestContext): Promise<ApiResponse> {
  const img = findImage(ctx);
  const ops = await ctx.json();
  if (!Array.isArray(ops)) throw new ApiError(400, 'Body must be a JSON-patch list of operations');
  for (const raw of ops) {
    const op = asObject(raw, 'operation');
    const path = typeof op.path === 'string' ? op.path.replace(/^\//, '') : '';
    if (path === '' || path.includes('/'))
      throw new ApiError(400, `Invalid JSON pointer for this resource: '${String(op.path)}'`);
    if (op.op === 'remove') {
      if (!(path in img.properties)) throw new ApiError(409, `Property ${path} does not exist.`);
      delete img.properties[path];
    } else if (op.op === 'add' || op.op === 'replace') {
      setField(img, path, op.value);
    } else {
      throw new ApiError(400, `Invalid operation: ${JSON.stringify(op.op)}`);
    }
  }
  img.updatedAt = isoNow();
  return { status: 200, body: imageView(img) };
}

/** Streams the upload through md5/sha512, keeping only the size and the digests. */
async function uploadFile(ctx: RequestContext): Promise<ApiResponse> {
  const img = findImage(ctx);
  const type = ctx.req.headers['content-type'] ?? '';
  if (!type.startsWith('application/octet-stream'))
    throw new ApiError(415, `Unsupported Content-Type: ${type}`);
  if (img.status !== 'queued')
    throw new ApiError(409, `Image status transition from ${img.status} to saving is not allowed`);
  img.status = 'saving';
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let size = 0;
  try {
    for await (const chunk of ctx.req) {
      const buf = chunk as Buffer;
      size += buf.length;
      md5.update(buf);
      sha512.update(buf);
    }
  } catch (err) {
    img.status = 'queued';
    throw err;
  }
  // Compat: upstream's fake refuses uploads of images whose SHOULD_FAIL property is "true".
  const flag = img.properties.SHOULD_FAIL;
  const shouldFail = typeof flag === 'string' && flag.toLowerCase() === 'true';
  const injected = ctx.store.shouldFail('upload');
  if (shouldFail || injected !== null) {
    img.status = 'queued';
    throw new ApiError(
      500,
      shouldFail
        ? 'This image has SHOULD_FAIL set to true.'
        : 'Error in store configuration. Adding images to store is disabled (fault injected by the fake cloud).',
    );
  }
  Object.assign(img, {
    size,
    checksum: md5.digest('hex'),
    hashValue: sha512.digest('hex'),
    updatedAt: isoNow(),
  });
  ctx.lifecycle.saveImage(img.id);
  return { status: 204, headers: { 'Content-Type': 'text/html; charset=UTF-8' } };
}

function matches(img: ImageRecord, query: URLSearchParams): boolean {
  for (const [k, v] of query) {
    if (k === 'limit' || k === 'marker' || k === 'sort_key' || k === 'sort_dir' || k === 'sort')
      continue;
    const view = imageView(img);
    if (k === 'tag') {
      if (!img.tags.includes(v)) return false;
    } else if (JSON.stringify(view[k] ?? '').replace(/^"|"$/g, '') !== v.replace(/^in:/, '')) {
      return false;
    }
  }
  return true;
}

function listImages(ctx: RequestContext): ApiResponse {
  const project = ctx.token?.projectId ?? '';
  let images = [...ctx.store.images.values()]
    .filter((i) => ctx.store.canSeeImage(i, project) && i.visibility !== 'community')
    .filter((i) => matches(i, ctx.query))
    .reverse();
  const marker = ctx.query.get('marker');
  if (marker !== null) {
    const at = images.findIndex((i) => i.id === marker);
    if (at < 0) throw new ApiError(400, `Invalid marker. Image ${marker} could not be found.`);
    images = images.slice(at + 1);
  }
  const limit = Math.min(queryInt(ctx.query, 'limit') ?? 25, 1000);
  const qs = ctx.query.toString();
  const body: Record<string, unknown> = {
    images: images.slice(0, limit).map(imageView),
    first: `/v2/images${qs === '' ? '' : '?' + qs}`,
    schema: '/v2/schemas/images',
  };
  if (images.length > limit) {
    const next = new URLSearchParams(ctx.query);
    next.set('marker', images[limit - 1]?.id ?? '');
    body.next = `/v2/images?${next.toString()}`;
  }
  return { status: 200, body };
}

function deleteImage(ctx: RequestContext): ApiResponse {
  const img = findImage(ctx);
  if (img.owner !== (ctx.token?.projectId ?? ''))
    throw new ApiError(403, `You are not permitted to delete image ${img.id}.`);
  if (img.isProtected)
    throw new ApiError(403, `Image ${img.id} is protected and cannot be deleted.`);
  ctx.store.images.delete(img.id);
  return { status: 204, headers: { 'Content-Type': 'text/html; charset=UTF-8' } };
}

function versions(ctx: RequestContext): ApiResponse {
  const ids = [
    'v2.15',
    'v2.13',
    'v2.12',
    'v2.11',
    'v2.10',
    'v2.9',
    'v2.8',
    'v2.7',
    'v2.6',
    'v2.5',
    'v2.4',
    'v2.3',
    'v2.2',
    'v2.1',
    'v2.0',
  ];
  return {
    status: 300,
    body: {
      versions: ids.map((id, i) => ({
        id,
        status: i === 0 ? 'CURRENT' : 'SUPPORTED',
        links: [{ rel: 'self', href: `${ctx.origin}/image/v2/` }],
      })),
    },
  };
}

/** Builds the image API. */
export function createGlanceService(): FakeService {
  const router = new Router()
    .add('GET', '/', versions)
    .add('GET', '/versions', (ctx) => ({ ...versions(ctx), status: 200 }))
    .add('GET', '/v2/images', listImages)
    .add('POST', '/v2/images', createImage)
    .add('GET', '/v2/images/{id}', (ctx) => ({ status: 200, body: imageView(findImage(ctx)) }))
    .add('PATCH', '/v2/images/{id}', updateImage)
    .add('DELETE', '/v2/images/{id}', deleteImage)
    .add('PUT', '/v2/images/{id}/file', uploadFile);
  return {
    name: 'image',
    prefix: '/image',
    router,
    isPublic: (method, path) =>
      method === 'GET' && (path === '/' || path === '' || path === '/versions'),
    errorBody: (err) => {
      const title = REASONS[err.status] ?? 'Error';
      return { message: `${err.message}<br /><br />\n\n\n`, code: `${err.status} ${title}`, title };
    },
  };
}
