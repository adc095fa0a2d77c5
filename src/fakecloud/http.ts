/**
 * Small HTTP helpers of the fake cloud: errors carrying an OpenStack-shaped body, a path
 * router with `{param}` segments, and JSON body reading.
 */
import type { IncomingMessage } from 'node:http';
import type { Lifecycle } from './lifecycle.js';
import type { FakeCloudStore } from './store.js';
import type { TokenRecord } from './types.js';

/** Thrown by handlers: answered with `status` and the service's error body for `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { type?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a handler answers. A `null`/absent body sends no content. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a handler gets about one request. */
export interface RequestContext {
  readonly store: FakeCloudStore;
  readonly lifecycle: Lifecycle;
  readonly req: IncomingMessage;
  readonly method: string;
  /** Path below the service prefix, e.g. `/servers/detail`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Record<string, string>;
  /** `http://host:port` of the fake, for links and catalog URLs. */
  readonly origin: string;
  /** The caller's token (null on unauthenticated routes). */
  readonly token: TokenRecord | null;
  /** Requested compute microversion as [major, minor] (compute only). */
  readonly microversion: [number, number];
  /** Parses the request body as JSON. @throws ApiError 400 when it is not JSON. */
  json(): Promise<unknown>;
}

/** Handles one route. */
export type Handler = (ctx: RequestContext) => ApiResponse | Promise<ApiResponse>;

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/** A route lookup result. */
export type RouteMatch =
  | { kind: 'found'; handler: Handler; template: string; params: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string }
  | { kind: 'not-found' };

/** Maps `METHOD /path/{param}` to handlers; a trailing slash is ignored. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route; `template` segments in braces match one path segment. */
  add(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    this.routes.push({ method, template, regex: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** Finds the route for `method path`. */
  match(method: string, path: string): RouteMatch {
    let template: string | null = null;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (m === null) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        template ??= r.template;
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { kind: 'found', handler: r.handler, template: r.template, params };
    }
    return template === null ? { kind: 'not-found' } : { kind: 'method-not-allowed', template };
  }
}

/** Largest JSON request body accepted. */
const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Reads a JSON request body.
 * @throws ApiError 400 for invalid JSON, 413 for a body over 1 MiB.
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  // Events, not `for await`: an async iterator per request cost more than the rest of a create.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiError(413, 'Request body is larger than 1 MiB'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new ApiError(400, 'The request body was cut short'));
    });
  });
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'Malformed request body');
  }
}

/** Returns `value` as a plain object, or throws a 400 naming `what`. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(
      400,
      `Invalid input for field/attribute ${what}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not of type 'object'`,
    );
  }
  return value as Record<string, unknown>;
}

/** Returns an optional string field, or throws a 400 naming it. */
export function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new ApiError(
      400,
      `Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'string'`,
    );
  }
  return v;
}

/** Parses a non-negative integer query parameter; absent → undefined. */
export function queryInt(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError(400, `Invalid value for ${key}: "${raw}" is not a non-negative integer`);
  return n;
}
