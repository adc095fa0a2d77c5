/**
 * Keystone password authentication (identity v3 and v2.0), token caching and renewal, and
 * service catalog lookup. {@link KeystoneSession.request} is how the other clients call their
 * services: it adds the token and re-authenticates once on 401.
 */
import { ProviderError, UnauthorizedError } from '../errors.js';
import { httpRequest } from './http.js';
import { discoverIdentity } from './keystone-discovery.js';
import type { IdentityEndpoint } from './keystone-discovery.js';
import type { TlsSettings } from './send.js';
import type { HttpContext, HttpRequest, HttpResponse } from './http.js';

/** Password credentials in os-client-config spelling (`auth` block of clouds.yaml). */
export type AuthSettings = Readonly<Record<string, string>>;

/** One catalog endpoint. */
export interface CatalogEndpoint {
  interface: string;
  region?: string;
  url: string;
}

/** One catalog service. */
export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** A token and what came with it. */
export interface Token {
  id: string;
  /** Epoch ms. */
  expiresAt: number;
  issuedAt: number;
  projectId?: string;
  catalog: CatalogService[];
}

/** Options of {@link KeystoneSession}. */
export interface KeystoneSessionOptions {
  provider: string;
  /** The clouds.yaml entry the settings came from (named in errors). */
  cloud?: string;
  auth: AuthSettings;
  /** Kept for callers; the version comes from discovery, as in keystoneauth. */
  identityApiVersion?: string;
  regionName?: string;
  /** `public`, `internal` or `admin` (`publicURL` spellings accepted). @default 'public' */
  interface?: string;
  timeoutMs: number;
  /** TLS settings for every `https:` call of the session (identity and services). */
  tls?: TlsSettings;
  /** Wall clock in epoch ms (token expiry is wall-clock time). */
  now?: () => number;
}

/** Which service to call. */
export interface ServiceRef {
  type: string;
  name?: string;
  /** Turns the catalog URL into the versioned base URL (e.g. adds `/v2` for Glance). */
  normalize?: (url: string) => string;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A Keystone session for one provider. */
export class KeystoneSession {
  private current: Token | null = null;
  private pending: Promise<Token> | null = null;
  private identity: IdentityEndpoint | null = null;
  private readonly now: () => number;
  private readonly ctx: HttpContext;
  /** How many times we authenticated (for tests and diagnostics). */
  authCount = 0;

  constructor(private readonly options: KeystoneSessionOptions) {
    this.now = options.now ?? Date.now;
    this.ctx = {
      provider: options.provider,
      service: 'identity',
      timeoutMs: options.timeoutMs,
      ...(options.tls ? { tls: options.tls } : {}),
    };
  }

  /** The cached token, renewed when missing or close to expiry. Concurrent callers share one auth. */
  async token(signal?: AbortSignal): Promise<Token> {
    signal?.throwIfAborted();
    const t = this.current;
    if (t && !this.nearExpiry(t)) return t;
    // The shared authentication is bounded by api-timeout, not by one caller's signal.
    this.pending ??= this.authenticate().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forgets `token` (after a 401) so the next call authenticates again. */
  invalidate(token: Token): void {
    if (this.current === token) this.current = null;
  }

  private nearExpiry(t: Token): boolean {
    // Renew a minute early, or a tenth of the lifetime early for short-lived tokens.
    const margin = Math.min(60_000, (t.expiresAt - t.issuedAt) / 10);
    return this.now() >= t.expiresAt - margin;
  }

  private async authenticate(): Promise<Token> {
    if ((this.options.auth['auth_url'] ?? '') === '') {
      throw new UnauthorizedError(
        `Cannot authenticate provider "${this.options.provider}": auth_url is not set`,
        {
          provider: this.options.provider,
          service: 'identity',
        },
      );
    }
    // Discovered once per session, as keystoneauth caches it.
    this.identity ??= await discoverIdentity(this.options.auth, {
      provider: this.options.provider,
      timeoutMs: this.options.timeoutMs,
      ...(this.options.tls ? { tls: this.options.tls } : {}),
    });
    const { version, base } = this.identity;
    const token = version === '3' ? await this.authV3(base) : await this.authV2(base);
    if (token.catalog.length === 0) throw this.noCatalog(version, token);
    this.authCount += 1;
    this.current = token;
    return token;
  }

  /**
   * A token without a catalog, so no service can be called: Keystone did not scope it (no
   * project was named), or the project's catalog is empty.
   */
  private noCatalog(version: string, token: Token): ProviderError {
    const a = this.options.auth;
    const cloud = this.options.cloud === undefined ? '' : ` (cloud "${this.options.cloud}")`;
    if (token.projectId !== undefined) {
      return new ProviderError(
        `Cannot use provider "${this.options.provider}"${cloud}: Keystone returned a token for project ${token.projectId} with an empty service catalog`,
        { provider: this.options.provider, service: 'identity', code: 'ERR_PROVIDER_NO_ENDPOINT' },
      );
    }
    const missing =
      version === '3' && (a['domain_id'] || a['domain_name'])
        ? 'the domain-scoped token has no service catalog; set project_name or project_id'
        : 'it has no project: set project_name or project_id (in the auth section of the clouds.yaml entry, or beside it)';
    return new ProviderError(
      `Cannot use provider "${this.options.provider}"${cloud}: Keystone returned an unscoped token, with no service catalog, because ${missing}`,
      { provider: this.options.provider, service: 'identity', code: 'ERR_PROVIDER_UNSCOPED_TOKEN' },
    );
  }

  private async authV3(base: string): Promise<Token> {
    const a = this.options.auth;
    // Deliberate difference from keystoneauth: a user or project named without a domain
    // gets the `Default` domain (keystoneauth sends none, which Keystone refuses).
    const domain = (id?: string, name?: string): Record<string, string> =>
      id ? { id } : { name: name || 'Default' };
    const user: Record<string, unknown> = { password: a['password'] ?? '' };
    if (a['user_id']) user['id'] = a['user_id'];
    else {
      user['name'] = a['username'] ?? '';
      user['domain'] = domain(
        a['user_domain_id'] || a['default_domain_id'],
        a['user_domain_name'] || a['default_domain_name'],
      );
    }
    let scope: unknown;
    if (a['domain_id']) scope = { domain: { id: a['domain_id'] } };
    else if (a['domain_name']) scope = { domain: { name: a['domain_name'] } };
    else if (a['project_id'] || a['tenant_id'])
      scope = { project: { id: a['project_id'] || a['tenant_id'] } };
    else if (a['project_name'] || a['tenant_name']) {
      scope = {
        project: {
          name: a['project_name'] || a['tenant_name'],
          domain: domain(
            a['project_domain_id'] || a['default_domain_id'],
            a['project_domain_name'] || a['default_domain_name'],
          ),
        },
      };
    }
    const res = await httpRequest(this.ctx, {
      method: 'POST',
      url: `${base}/auth/tokens`,
      action: 'authenticate (identity v3)',
      json: {
        auth: {
          identity: { methods: ['password'], password: { user } },
          ...(scope ? { scope } : {}),
        },
      },
    });
    const id = res.headers.get('x-subject-token');
    const t = obj(obj(res.body)['token']);
    if (!id) throw this.badAnswer('identity v3 sent no X-Subject-Token', res);
    const catalog = Array.isArray(t['catalog']) ? (t['catalog'] as unknown[]) : [];
    return {
      id,
      expiresAt: Date.parse(str(t['expires_at']) ?? '') || this.now() + 3_600_000,
      issuedAt: Date.parse(str(t['issued_at']) ?? '') || this.now(),
      ...(str(obj(t['project'])['id']) ? { projectId: str(obj(t['project'])['id'])! } : {}),
      catalog: catalog.map((s) => {
        const so = obj(s);
        return {
          type: str(so['type']) ?? '',
          ...(str(so['name']) ? { name: str(so['name'])! } : {}),
          endpoints: (Array.isArray(so['endpoints']) ? (so['endpoints'] as unknown[]) : []).map(
            (e) => {
              const eo = obj(e);
              const region = str(eo['region_id']) ?? str(eo['region']);
              return {
                interface: str(eo['interface']) ?? '',
                url: str(eo['url']) ?? '',
                ...(region ? { region } : {}),
              };
            },
          ),
        };
      }),
    };
  }

  private async authV2(base: string): Promise<Token> {
    const a = this.options.auth;
    const auth: Record<string, unknown> = {
      passwordCredentials: a['username']
        ? { username: a['username'], password: a['password'] ?? '' }
        : { userId: a['user_id'] ?? '', password: a['password'] ?? '' },
    };
    const tenantId = a['project_id'] || a['tenant_id'];
    const tenantName = a['project_name'] || a['tenant_name'];
    if (tenantId) auth['tenantId'] = tenantId;
    else if (tenantName) auth['tenantName'] = tenantName;
    const res = await httpRequest(this.ctx, {
      method: 'POST',
      url: `${base}/tokens`,
      action: 'authenticate (identity v2.0)',
      json: { auth },
    });
    const access = obj(obj(res.body)['access']);
    const tok = obj(access['token']);
    const id = str(tok['id']);
    if (!id) throw this.badAnswer('identity v2.0 sent no token id', res);
    const catalog = Array.isArray(access['serviceCatalog'])
      ? (access['serviceCatalog'] as unknown[])
      : [];
    const tenantIdOut = str(obj(tok['tenant'])['id']);
    return {
      id,
      expiresAt: Date.parse(str(tok['expires']) ?? '') || this.now() + 3_600_000,
      issuedAt: Date.parse(str(tok['issued_at']) ?? '') || this.now(),
      ...(tenantIdOut ? { projectId: tenantIdOut } : {}),
      catalog: catalog.map((s) => {
        const so = obj(s);
        const endpoints: CatalogEndpoint[] = [];
        for (const e of Array.isArray(so['endpoints']) ? (so['endpoints'] as unknown[]) : []) {
          const eo = obj(e);
          const region = str(eo['region']);
          for (const iface of ['public', 'internal', 'admin']) {
            const url = str(eo[`${iface}URL`]);
            if (url) endpoints.push({ interface: iface, url, ...(region ? { region } : {}) });
          }
        }
        return {
          type: str(so['type']) ?? '',
          ...(str(so['name']) ? { name: str(so['name'])! } : {}),
          endpoints,
        };
      }),
    };
  }

  private badAnswer(what: string, res: HttpResponse): ProviderError {
    return new ProviderError(`Cannot authenticate provider "${this.options.provider}": ${what}`, {
      provider: this.options.provider,
      service: 'identity',
      status: res.status,
      ...(res.requestId ? { requestId: res.requestId } : {}),
    });
  }

  /**
   * The endpoint URL of a service from the token's catalog, chosen by type (and name when
   * given), region (when configured) and interface.
   * @throws ProviderError when the catalog has no matching endpoint
   */
  endpointFor(token: Token, ref: ServiceRef): string {
    const wantedIface = (this.options.interface ?? 'public').replace(/URL$/, '');
    const region = this.options.regionName;
    for (const svc of token.catalog) {
      if (svc.type !== ref.type) continue;
      if (ref.name && svc.name !== ref.name) continue;
      const ep = svc.endpoints.find(
        (e) => e.interface === wantedIface && (!region || e.region === region),
      );
      if (ep) return (ref.normalize ?? trimSlash)(ep.url);
    }
    const named = ref.name ? ` named "${ref.name}"` : '';
    const inRegion = region ? ` in region "${region}"` : '';
    throw new ProviderError(
      `Cannot find service "${ref.type}"${named} with a ${wantedIface} endpoint${inRegion} in the catalog of provider "${this.options.provider}"`,
      { provider: this.options.provider, service: ref.type, code: 'ERR_PROVIDER_NO_ENDPOINT' },
    );
  }

  /** True when the catalog has the service (e.g. Neutron may be absent). */
  async hasService(ref: ServiceRef, signal?: AbortSignal): Promise<boolean> {
    const token = await this.token(signal);
    return token.catalog.some((s) => s.type === ref.type && (!ref.name || s.name === ref.name));
  }

  /**
   * Calls a service: `path` is appended to its endpoint. Re-authenticates once on 401.
   */
  async request(
    ctx: HttpContext,
    ref: ServiceRef,
    path: string,
    req: Omit<HttpRequest, 'url'>,
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(req.signal);
      const url = `${this.endpointFor(token, ref)}${path}`;
      try {
        const withTls = this.options.tls ? { ...ctx, tls: this.options.tls } : ctx;
        return await httpRequest(withTls, {
          ...req,
          url,
          headers: { ...req.headers, 'X-Auth-Token': token.id },
        });
      } catch (err) {
        if (err instanceof UnauthorizedError && attempt === 0) {
          this.invalidate(token);
          continue;
        }
        throw err;
      }
    }
  }
}
