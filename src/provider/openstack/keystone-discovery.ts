/**
 * Identity version choice, as keystoneauth's generic password plugin makes it: ask the auth
 * URL which versions it offers (oldest first, newest first when a default domain is set),
 * skip v2.0 when a domain is named, and fall back to the version in the URL when the
 * discovery request fails.
 */
import { ProviderError } from '../errors.js';
import { send } from './send.js';
import type { TlsSettings } from './send.js';

/**
 * The `auth` settings of a cloud, as `keystone.ts` declares them; written out here rather than
 * imported so that this module and `keystone.ts` (which calls it) do not import each other.
 */
type AuthSettings = Readonly<Record<string, string>>;

/** The identity API to authenticate against. */
export interface IdentityEndpoint {
  version: '3' | '2.0';
  /** Versioned base URL, no trailing slash (`http://keystone:5000/v3`). */
  base: string;
}

interface Offered {
  major: number;
  minor: number;
  url: string;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** The versions of a discovery document (a list, or the one version of a versioned URL). */
function offeredVersions(body: unknown, url: string): Offered[] {
  const root = obj(body);
  const versions = obj(root['versions']);
  const list: unknown[] = Array.isArray(versions['values'])
    ? (versions['values'] as unknown[])
    : Array.isArray(root['versions'])
      ? (root['versions'] as unknown[])
      : root['version'] !== undefined
        ? [root['version']]
        : [];
  const out: Offered[] = [];
  for (const v of list) {
    const vo = obj(v);
    const m = /^v?(\d+)(?:\.(\d+))?/.exec(typeof vo['id'] === 'string' ? vo['id'] : '');
    if (!m) continue;
    const links = Array.isArray(vo['links']) ? (vo['links'] as unknown[]) : [];
    const self = links.map(obj).find((l) => l['rel'] === 'self');
    const href = typeof self?.['href'] === 'string' ? self['href'] : url;
    out.push({ major: Number(m[1]), minor: Number(m[2] ?? 0), url: trimSlash(href) });
  }
  return out.sort((a, b) => a.major - b.major || a.minor - b.minor);
}

function has(auth: AuthSettings, ...keys: string[]): boolean {
  return keys.some((k) => (auth[k] ?? '') !== '');
}

/** What the caller needs to know to explain a refusal. */
export interface DiscoveryContext {
  provider: string;
  timeoutMs: number;
  tls?: TlsSettings;
  signal?: AbortSignal;
}

function refuse(ctx: DiscoveryContext, message: string): ProviderError {
  return new ProviderError(`Cannot authenticate provider "${ctx.provider}": ${message}`, {
    provider: ctx.provider,
    service: 'identity',
    code: 'ERR_PROVIDER_IDENTITY_VERSION',
  });
}

/**
 * Picks the identity version and base URL for `auth`.
 * @throws ProviderError (`ERR_PROVIDER_IDENTITY_VERSION`) when no offered version fits the
 *   settings (a domain with v2.0 only) or the URL names none and discovery failed.
 */
export async function discoverIdentity(
  auth: AuthSettings,
  ctx: DiscoveryContext,
): Promise<IdentityEndpoint> {
  const authUrl = trimSlash(auth['auth_url'] ?? '');
  const domainScope = has(
    auth,
    'domain_id',
    'domain_name',
    'project_domain_id',
    'project_domain_name',
  );
  const userDomain = has(auth, 'user_domain_id', 'user_domain_name');
  const defaultDomain = has(auth, 'default_domain_id', 'default_domain_name');
  let offered: Offered[] | null = null;
  try {
    const res = await send(authUrl, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      timeoutMs: ctx.timeoutMs,
      ...(ctx.tls ? { tls: ctx.tls } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (res.status === 200 || res.status === 300)
      offered = offeredVersions(JSON.parse(res.text), authUrl);
  } catch {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    offered = null;
  }
  if (offered === null || offered.length === 0) {
    // Compat: keystoneauth reads the version from the URL when discovery fails.
    const path = new URL(authUrl).pathname.toLowerCase();
    if (path.startsWith('/v2.0')) {
      if (domainScope)
        throw refuse(
          ctx,
          `auth_url "${authUrl}" is identity v2.0, which has no domains: remove the domain settings or use a v3 auth_url`,
        );
      return { version: '2.0', base: authUrl };
    }
    if (path.startsWith('/v3')) return { version: '3', base: authUrl };
    throw refuse(
      ctx,
      `could not find versioned identity endpoints at auth_url "${authUrl}": check that it is correct`,
    );
  }
  const ordered = defaultDomain ? [...offered].reverse() : offered;
  let v2WithDomain = false;
  for (const v of ordered) {
    if (v.major === 2) {
      if (domainScope) {
        v2WithDomain = true;
        continue;
      }
      if (userDomain) continue;
      return { version: '2.0', base: v.url };
    }
    if (v.major === 3) return { version: '3', base: v.url };
  }
  if (v2WithDomain) {
    throw refuse(
      ctx,
      `auth_url "${authUrl}" offers only identity v2.0, which has no domains: remove the domain settings or use a v3 auth_url`,
    );
  }
  throw refuse(
    ctx,
    `auth_url "${authUrl}" offers no identity version this client can use (v3 or v2.0)`,
  );
}
