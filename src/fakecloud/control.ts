/**
 * The fake cloud's own JSON control API under `/_fake` (no token needed), so scripts can
 * drive a standalone fake: state dump, call counts, knobs, forced failures, reset.
 */
import { ApiError, asObject, Router } from './http.js';
import type { ApiResponse, RequestContext } from './http.js';
import { applyKnobs } from './options.js';
import type { FailureMode, FakeCloudKnobs } from './options.js';
import type { NodeSshActivity } from './node-ssh.js';
import type { FakeService } from './service.js';
import type { FakeCloudStore, FaultOp } from './store.js';
import type {
  FloatingIpRecord,
  ImageRecord,
  KeypairRecord,
  NetworkRecord,
  PortRecord,
  ServerRecord,
} from './types.js';

/** Everything the fake holds, as returned by `FakeCloud.state()` and `GET /_fake/state`. */
export interface FakeCloudSnapshot {
  servers: ServerRecord[];
  images: ImageRecord[];
  networks: NetworkRecord[];
  ports: PortRecord[];
  floatingIps: FloatingIpRecord[];
  keypairs: KeypairRecord[];
  tokens: number;
  regions: string[];
  knobs: FakeCloudKnobs;
  calls: Record<string, number>;
}

/** Copies the store's state into plain JSON-able data. */
export function snapshot(store: FakeCloudStore): FakeCloudSnapshot {
  const copy = <T>(v: Iterable<T>): T[] => structuredClone([...v]);
  return {
    servers: copy(store.servers.values()),
    images: copy(store.images.values()),
    networks: copy(store.networks.values()),
    ports: copy(store.ports.values()),
    floatingIps: copy(store.floatingIps.values()),
    keypairs: copy(store.keypairs.values()),
    tokens: store.tokens.size,
    regions: [...store.regions],
    knobs: structuredClone(store.knobs),
    calls: Object.fromEntries(store.calls),
  };
}

/**
 * Forces the next `count` operations of a kind to fail.
 * @throws RangeError for a bad count or mode.
 */
export function failNext(
  store: FakeCloudStore,
  op: FaultOp,
  count: number,
  mode?: FailureMode,
): void {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(
      `Cannot force failures of "${op}": count must be a non-negative integer: current value is ${JSON.stringify(count)}`,
    );
  if (mode !== undefined && mode !== 'http' && mode !== 'error')
    throw new RangeError(
      `Cannot force failures of "${op}": mode must be "http" or "error": current value is ${JSON.stringify(mode)}`,
    );
  store.failNext[op] = {
    count,
    mode: op === 'upload' ? 'http' : (mode ?? store.knobs.failureMode),
  };
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw new ApiError(400, err.message);
    throw err;
  }
}

async function patchKnobs(ctx: RequestContext): Promise<ApiResponse> {
  const body = asObject(await ctx.json(), 'body');
  ctx.store.knobs = guard(() => applyKnobs(ctx.store.knobs, body));
  return { status: 200, body: { knobs: ctx.store.knobs } };
}

async function postFail(ctx: RequestContext): Promise<ApiResponse> {
  const body = asObject(await ctx.json(), 'body');
  const mode = body.mode as FailureMode | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'mode') continue;
    if (key !== 'create' && key !== 'delete' && key !== 'upload')
      throw new ApiError(
        400,
        `Cannot force failures of "${key}": known operations are create, delete, upload`,
      );
    guard(() => failNext(ctx.store, key, value as number, mode));
  }
  return { status: 200, body: { failNext: ctx.store.failNext } };
}

/** Builds the control API; `onReset` also cancels pending timers. */
export function createControlService(
  onReset: () => void,
  sshActivity: () => Record<string, NodeSshActivity> = () => ({}),
): FakeService {
  const router = new Router()
    .add('GET', '/ssh', () => ({ status: 200, body: { servers: sshActivity() } }))
    .add('GET', '/state', (ctx) => ({ status: 200, body: snapshot(ctx.store) }))
    .add('GET', '/calls', (ctx) => ({
      status: 200,
      body: { calls: Object.fromEntries(ctx.store.calls) },
    }))
    .add('GET', '/server-calls', (ctx) => ({
      status: 200,
      body: { serverCalls: ctx.store.serverCalls },
    }))
    .add('GET', '/knobs', (ctx) => ({ status: 200, body: { knobs: ctx.store.knobs } }))
    .add('PATCH', '/knobs', patchKnobs)
    .add('PUT', '/knobs', patchKnobs)
    .add('POST', '/fail', postFail)
    .add('POST', '/reset', () => {
      onReset();
      return { status: 204 };
    })
    .add('POST', '/tokens/expire', (ctx) => {
      for (const t of ctx.store.tokens.values()) t.expiresAt = 0;
      return { status: 204 };
    })
    .add('POST', '/regions', async (ctx) => {
      const name = asObject(await ctx.json(), 'body').name;
      if (typeof name !== 'string' || name === '')
        throw new ApiError(400, 'Cannot add a region: "name" must be a non-empty string');
      ctx.store.addRegion(name);
      return { status: 200, body: { regions: ctx.store.regions } };
    });
  return {
    name: 'control',
    prefix: '/_fake',
    router,
    isPublic: () => true,
    errorBody: (err) => ({ error: { code: err.status, message: err.message } }),
  };
}
