/** Test helpers for the fake cloud: a tiny raw-HTTP client and shape comparison with recorded real answers. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FakeCloud } from '../../../src/fakecloud/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/openstack');

/** A recorded real OpenStack answer (see test/fixtures/openstack/record.ts). */
export interface Recorded {
  request: { method: string; path: string; body?: unknown };
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Loads `test/fixtures/openstack/<name>.json`. */
export function recorded(name: string): Recorded {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Recorded;
}

/** One answer of the fake. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Sends one request to the fake and parses the JSON answer. */
export async function request(
  cloud: FakeCloud,
  method: string,
  path: string,
  opts: {
    token?: string;
    body?: unknown;
    raw?: RequestInit['body'];
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.token !== undefined) headers['X-Auth-Token'] = opts.token;
  let body: RequestInit['body'] | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body, signal: opts.signal };
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array))
    init.duplex = 'half';
  const res = await fetch(cloud.origin + path, init);
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Password-authenticates (Keystone v3) and returns the token. */
export async function login(
  cloud: FakeCloud,
  project = 'demo',
  user = 'demo',
  password = 'secret',
): Promise<string> {
  const res = await request(cloud, 'POST', '/v3/auth/tokens', {
    body: v3Auth(user, password, project),
  });
  expect(res.status).toBe(201);
  const token = res.headers.get('x-subject-token');
  expect(token).toBeTruthy();
  return token!;
}

/** A Keystone v3 password auth body scoped to a project by name. */
export function v3Auth(user: string, password: string, project: string): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password } },
      },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Lists the differences between the shape of `actual` and `expected` (keys and JSON types,
 * recursively; the first array element stands for all). `null` on either side matches any
 * type. Paths in `free` (dotted, `[]` for array elements) are maps with caller-chosen keys
 * and are not compared.
 */
export function shapeDiff(
  actual: unknown,
  expected: unknown,
  free: string[] = [],
  path = '',
): string[] {
  if (free.includes(path)) return [];
  const a = kind(actual);
  const e = kind(expected);
  if (a === 'null' || e === 'null') return [];
  if (a !== e) return [`${path || '<root>'}: ${a} instead of ${e}`];
  if (a === 'array') {
    const [x] = actual as unknown[];
    const [y] = expected as unknown[];
    return x === undefined || y === undefined ? [] : shapeDiff(x, y, free, `${path}[]`);
  }
  if (a !== 'object') return [];
  const ao = actual as Record<string, unknown>;
  const eo = expected as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(eo)) {
    const p = path === '' ? k : `${path}.${k}`;
    if (!(k in ao)) out.push(`${p}: missing`);
    else out.push(...shapeDiff(ao[k], eo[k], free, p));
  }
  for (const k of Object.keys(ao)) {
    if (!(k in eo)) out.push(`${path === '' ? k : `${path}.${k}`}: not in the real answer`);
  }
  return out;
}

/** Asserts the fake's answer has the recorded real answer's status and body shape. */
export function expectLikeReal(res: Answer, name: string, free: string[] = []): void {
  const real = recorded(name);
  expect(res.status, `status of ${name}`).toBe(real.status);
  expect(shapeDiff(res.body, real.body, free), `shape of ${name}`).toEqual([]);
  for (const h of [
    'x-openstack-request-id',
    'x-compute-request-id',
    'openstack-api-version',
    'x-openstack-nova-api-version',
  ]) {
    if (h in real.headers) expect(res.headers.get(h), `header ${h} of ${name}`).toBeTruthy();
  }
  if ('openstack-api-version' in real.headers) {
    expect(res.headers.get('openstack-api-version')).toBe(real.headers['openstack-api-version']);
  }
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${opts.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
