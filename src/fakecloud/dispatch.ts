/**
 * Request dispatch of the fake cloud: picks the service by path prefix, applies the latency
 * knob, counts the call, checks the token, routes, and writes the answer with OpenStack's
 * headers (`X-Openstack-Request-Id`, compute microversion headers) and error bodies.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay } from '../util/index.js';
import { ApiError, readJson } from './http.js';
import type { ApiResponse, RequestContext } from './http.js';
import type { Lifecycle } from './lifecycle.js';
import type { FakeService } from './service.js';
import { UNAUTHORIZED_BODY } from './service.js';
import type { FakeCloudStore, FakeRequestRecord } from './store.js';
import type { TokenRecord } from './types.js';

/** What the dispatcher needs from its owner. */
export interface DispatchDeps {
  store: FakeCloudStore;
  lifecycle: Lifecycle;
  services: FakeService[];
  origin: () => string;
  signal: AbortSignal;
}

function pickService(services: FakeService[], path: string): FakeService {
  let best: FakeService | undefined;
  for (const s of services) {
    const fits = s.prefix === '' || path === s.prefix || path.startsWith(`${s.prefix}/`);
    if (fits && (best === undefined || s.prefix.length > best.prefix.length)) best = s;
  }
  if (best === undefined) throw new RangeError('Cannot dispatch: no service has the root prefix');
  return best;
}

function lookupToken(store: FakeCloudStore, req: IncomingMessage): TokenRecord | null {
  const header = req.headers['x-auth-token'];
  const token = typeof header === 'string' ? store.tokens.get(header) : undefined;
  if (token === undefined || token.expiresAt <= Date.now() || token.projectId === '') return null;
  return token;
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  if (res.headersSent || res.destroyed) return;
  let payload: Buffer | null = null;
  if (body !== undefined && body !== null) {
    payload = Buffer.from(JSON.stringify(body));
    headers['Content-Type'] ??= 'application/json';
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : (payload ?? undefined));
}

/** Answers one request; never rejects (errors become OpenStack-shaped answers). */
export async function dispatch(
  deps: DispatchDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { store } = deps;
  const requestId = `req-${randomUUID()}`;
  const url = new URL(req.url ?? '/', 'http://fake');
  // A tagged catalog URL (`/_ep/<region>/<interface>/...`) names the endpoint a client chose.
  const tag = store.catalogTags ? /^\/_ep\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname) : null;
  const pathname = tag ? (tag[3] ?? '/') : url.pathname;
  const service = pickService(deps.services, pathname);
  const path = pathname.slice(service.prefix.length) || '/';
  const method = req.method ?? 'GET';
  const record: FakeRequestRecord = {
    method,
    path: pathname,
    ...(tag ? { region: decodeURIComponent(tag[1]!), interface: tag[2]! } : {}),
  };
  store.requestLog?.push(record);
  store.noteServerCall(method, pathname);
  const origin = tag ? `${deps.origin()}/_ep/${tag[1]!}/${tag[2]!}` : deps.origin();
  const headers: Record<string, string> = { 'X-Openstack-Request-Id': requestId };
  let microversion: [number, number] = [2, 1];
  let answer: ApiResponse;
  try {
    if (service.name !== 'control' && store.knobs.latencyMs > 0)
      await delay(store.knobs.latencyMs, { signal: deps.signal });
    const match = service.router.match(method, path);
    if (service.name !== 'control')
      store.countCall(
        `${service.name} ${method} ${match.kind === 'not-found' ? path : match.template}`,
      );
    const token = service.isPublic(method, path) ? null : lookupToken(store, req);
    if (token === null && !service.isPublic(method, path))
      throw new ApiError(401, 'The request you have made requires authentication.');
    if (service.parseMicroversion !== undefined)
      microversion = service.parseMicroversion(req.headers);
    if (match.kind === 'not-found') throw new ApiError(404, 'The resource could not be found.');
    if (match.kind === 'method-not-allowed')
      throw new ApiError(405, 'The method is not allowed for the requested URL.');
    const ctx: RequestContext = {
      store,
      lifecycle: deps.lifecycle,
      req,
      method,
      path,
      query: url.searchParams,
      params: match.params,
      origin,
      token,
      microversion,
      json: async () => {
        const body = await readJson(req);
        if (store.requestLog !== null) record.body = structuredClone(body);
        return body;
      },
    };
    answer = await match.handler(ctx);
    Object.assign(headers, service.headers?.({ microversion }, requestId) ?? {});
  } catch (err) {
    const apiErr =
      err instanceof ApiError
        ? err
        : new ApiError(
            500,
            `Unexpected error in the fake cloud: ${err instanceof Error ? err.message : String(err)}`,
          );
    if (apiErr.status === 401) {
      answer = {
        status: 401,
        body: UNAUTHORIZED_BODY,
        headers: service.name === 'compute' ? { 'X-Compute-Request-Id': requestId } : {},
      };
    } else {
      Object.assign(headers, service.headers?.({ microversion }, requestId) ?? {});
      if (service.name === 'compute') headers['Content-Type'] = 'application/json; charset=UTF-8';
      answer = {
        status: apiErr.status,
        body: apiErr.extra.body ?? service.errorBody(apiErr),
        headers: apiErr.extra.headers ?? {},
      };
    }
    if (deps.signal.aborted) {
      res.destroy();
      return;
    }
  }
  send(req, res, answer.status, { ...headers, ...answer.headers }, answer.body);
}
