/** Nova routes besides `/servers` itself: metadata, actions, key pairs. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { ApiError, asObject, optString } from './http.js';
import type { ApiResponse, RequestContext, Router } from './http.js';
import { atLeast, computeUrl } from './nova-views.js';
import { findServer, projectOf } from './nova-servers.js';
import { isoNow } from './store.js';
import type { KeypairRecord } from './types.js';

function stringMap(value: unknown, what: string): Record<string, string> {
  const obj = asObject(value, what);
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || k.length > 255 || v.length > 255) {
      throw new ApiError(400, `Invalid input for field/attribute ${what}: bad entry "${k}"`);
    }
  }
  return obj as Record<string, string>;
}

async function metadataBody(
  ctx: RequestContext,
  key: 'metadata' | 'meta',
): Promise<Record<string, string>> {
  return stringMap(asObject(await ctx.json(), 'body')[key], key);
}

function touch(ctx: RequestContext): ReturnType<typeof findServer> {
  const server = findServer(ctx, ctx.params.id ?? '');
  server.updated = isoNow();
  return server;
}

function metaItem(ctx: RequestContext): ApiResponse {
  const server = findServer(ctx, ctx.params.id ?? '');
  const key = ctx.params.key ?? '';
  const value = server.metadata[key];
  if (value === undefined) throw new ApiError(404, 'Metadata item was not found');
  return { status: 200, body: { meta: { [key]: value } } };
}

async function setMetaItem(ctx: RequestContext): Promise<ApiResponse> {
  const meta = await metadataBody(ctx, 'meta');
  const key = ctx.params.key ?? '';
  const keys = Object.keys(meta);
  if (keys.length !== 1 || keys[0] !== key)
    throw new ApiError(400, 'Request body and URI mismatch');
  touch(ctx).metadata[key] = meta[key] ?? '';
  return { status: 200, body: { meta } };
}

function deleteMetaItem(ctx: RequestContext): ApiResponse {
  const server = findServer(ctx, ctx.params.id ?? '');
  const key = ctx.params.key ?? '';
  if (!(key in server.metadata)) throw new ApiError(404, 'Metadata item was not found');
  delete server.metadata[key];
  touch(ctx);
  return { status: 204 };
}

/** `createImage`: a Glance snapshot of the server, `queued` → `saving` → `active`. */
async function serverAction(ctx: RequestContext): Promise<ApiResponse> {
  const server = findServer(ctx, ctx.params.id ?? '');
  const body = asObject(await ctx.json(), 'body');
  const action = Object.keys(body)[0] ?? '';
  if (action !== 'createImage') throw new ApiError(400, `There is no such action: ${action}`);
  const req = asObject(body.createImage, 'createImage');
  const name = optString(req, 'name');
  if (name === undefined || name.length === 0)
    throw new ApiError(
      400,
      "Invalid input for field/attribute createImage. 'name' is a required property",
    );
  const extra = req.metadata === undefined ? {} : stringMap(req.metadata, 'metadata');
  if (server.status === 'BUILD' || server.taskState !== null) {
    throw new ApiError(
      409,
      `Cannot 'createImage' instance ${server.id} while it is in task_state ${server.taskState ?? 'building'}`,
    );
  }
  const base = ctx.store.images.get(server.imageId);
  const flavor = ctx.store.flavors.get(server.flavorId);
  const image = ctx.store.newImage(server.projectId, {
    name,
    visibility: 'private',
    diskFormat: base?.diskFormat ?? 'qcow2',
    containerFormat: base?.containerFormat ?? 'bare',
    minDisk: flavor?.disk ?? 0,
    properties: {
      ...(base?.properties ?? {}),
      base_image_ref: server.imageId,
      owner_user_name: ctx.token?.userName ?? '',
      owner_project_name: ctx.token?.projectName ?? '',
      boot_roles: 'reader,member',
      instance_uuid: server.id,
      user_id: server.userId,
      image_type: 'snapshot',
      ...extra,
    },
  });
  // The "hypervisor" uploads an empty disk: the image saves, then becomes active.
  Object.assign(image, {
    status: 'saving',
    size: 0,
    checksum: createHash('md5').digest('hex'),
    hashValue: createHash('sha512').digest('hex'),
  });
  ctx.lifecycle.saveImage(image.id);
  if (atLeast(ctx, 45)) return { status: 202, body: { image_id: image.id } };
  return {
    status: 202,
    headers: { Location: `${computeUrl(ctx.origin)}/v2.1/images/${image.id}` },
  };
}

function keypairKey(ctx: RequestContext, name: string): string {
  return `${projectOf(ctx)}/${name}`;
}

function keypairView(
  ctx: RequestContext,
  k: KeypairRecord,
  full: boolean,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: k.name,
    public_key: k.publicKey,
    fingerprint: k.fingerprint,
  };
  if (atLeast(ctx, 2)) view.type = k.type;
  if (full)
    Object.assign(view, {
      user_id: k.userId,
      created_at: k.createdAt.replace(/Z$/, '.000000'),
      deleted: false,
      deleted_at: null,
      updated_at: null,
      id: 1,
    });
  return view;
}

function sshRsaPublicKey(n: Buffer, e: Buffer): string {
  const field = (b: Buffer): Buffer => {
    const lead = (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(lead.length);
    return Buffer.concat([len, lead]);
  };
  return `ssh-rsa ${Buffer.concat([field(Buffer.from('ssh-rsa')), field(e), field(n)]).toString('base64')} Generated-by-Nova`;
}

async function createKeypair(ctx: RequestContext): Promise<ApiResponse> {
  const req = asObject(asObject(await ctx.json(), 'body').keypair, 'keypair');
  const name = optString(req, 'name');
  if (name === undefined || !/^[\w. @-]{1,255}$/.test(name))
    throw new ApiError(400, 'Keypair data is invalid: Keypair name contains unsafe characters');
  if (ctx.store.keypairs.has(keypairKey(ctx, name)))
    throw new ApiError(409, `Key pair '${name}' already exists.`);
  let publicKey = optString(req, 'public_key');
  let privateKey: string | undefined;
  if (publicKey === undefined) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    publicKey = sshRsaPublicKey(
      Buffer.from(jwk.n ?? '', 'base64url'),
      Buffer.from(jwk.e ?? '', 'base64url'),
    );
    privateKey = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  }
  const blob = Buffer.from(publicKey.split(/\s+/)[1] ?? '', 'base64');
  const fingerprint = (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
  const record: KeypairRecord = {
    name,
    projectId: projectOf(ctx),
    userId: ctx.token?.userId ?? '',
    publicKey,
    fingerprint,
    type: optString(req, 'type') ?? 'ssh',
    createdAt: isoNow(),
  };
  ctx.store.keypairs.set(keypairKey(ctx, name), record);
  const view = keypairView(ctx, record, false);
  view.user_id = record.userId;
  if (privateKey !== undefined) view.private_key = privateKey;
  return { status: atLeast(ctx, 2) ? 201 : 200, body: { keypair: view } };
}

function findKeypair(ctx: RequestContext): KeypairRecord {
  const name = ctx.params.name ?? '';
  const k = ctx.store.keypairs.get(keypairKey(ctx, name));
  if (k === undefined)
    throw new ApiError(404, `Keypair ${name} not found for user ${ctx.token?.userId ?? ''}`);
  return k;
}

/** Adds metadata, action and key pair routes to the compute router. */
export function addServerExtraRoutes(router: Router): void {
  router
    .add('GET', '/v2.1/servers/{id}/metadata', (ctx) => ({
      status: 200,
      body: { metadata: { ...findServer(ctx, ctx.params.id ?? '').metadata } },
    }))
    .add('POST', '/v2.1/servers/{id}/metadata', async (ctx) => {
      const meta = await metadataBody(ctx, 'metadata');
      const server = touch(ctx);
      Object.assign(server.metadata, meta);
      return { status: 200, body: { metadata: { ...server.metadata } } };
    })
    .add('PUT', '/v2.1/servers/{id}/metadata', async (ctx) => {
      const meta = await metadataBody(ctx, 'metadata');
      touch(ctx).metadata = { ...meta };
      return { status: 200, body: { metadata: meta } };
    })
    .add('GET', '/v2.1/servers/{id}/metadata/{key}', metaItem)
    .add('PUT', '/v2.1/servers/{id}/metadata/{key}', setMetaItem)
    .add('DELETE', '/v2.1/servers/{id}/metadata/{key}', deleteMetaItem)
    .add('POST', '/v2.1/servers/{id}/action', serverAction)
    .add('GET', '/v2.1/os-keypairs', (ctx) => ({
      status: 200,
      body: {
        keypairs: [...ctx.store.keypairs.values()]
          .filter((k) => k.projectId === projectOf(ctx))
          .map((k) => ({ keypair: keypairView(ctx, k, false) })),
      },
    }))
    .add('POST', '/v2.1/os-keypairs', createKeypair)
    .add('GET', '/v2.1/os-keypairs/{name}', (ctx) => ({
      status: 200,
      body: { keypair: keypairView(ctx, findKeypair(ctx), true) },
    }))
    .add('DELETE', '/v2.1/os-keypairs/{name}', (ctx) => {
      const k = findKeypair(ctx);
      ctx.store.keypairs.delete(keypairKey(ctx, k.name));
      return { status: atLeast(ctx, 2) ? 204 : 202 };
    });
}
