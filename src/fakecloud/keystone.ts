/**
 * Keystone of the fake cloud: v3 password auth (v2.0 only with the `identityV2` knob, as a
 * current Keystone has none), version documents and the service catalog (the same
 * endpoints in every configured region; with the `catalogTags` option each region and
 * interface gets its own URL prefix, so the request log shows which one a client chose).
 * Like Keystone: a user or project named without a domain is refused (400), and a token
 * asked for without a scope is unscoped (no catalog) unless the user has a default project.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, asObject, optString, Router } from './http.js';
import type { RequestContext } from './http.js';
import type { FakeService } from './service.js';
import { REASONS } from './service.js';
import { hexId } from './store.js';
import type { FakeCloudStore } from './store.js';
import type { TokenRecord } from './types.js';

const V3_VERSION = {
  id: 'v3.14',
  status: 'stable',
  updated: '2020-04-07T00:00:00Z',
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
};

const V2_VERSION = {
  id: 'v2.0',
  status: 'deprecated',
  updated: '2016-08-04T00:00:00Z',
  'media-types': [
    { base: 'application/json', type: 'application/vnd.openstack.identity-v2.0+json' },
  ],
};

/** Keystone prints microseconds: `2026-11-21T18:51:11.000000Z`. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Service catalog entries: [type, name, path below the origin]. */
const SERVICES: Array<[string, string, string]> = [
  ['compute', 'nova', '/compute/v2.1'],
  ['image', 'glance', '/image'],
  ['network', 'neutron', '/network'],
  ['identity', 'keystone', '/v3/'],
];

/** The endpoint origin of a region and interface (a tagged prefix with `catalogTags`). */
export function endpointOrigin(
  store: FakeCloudStore,
  origin: string,
  region: string,
  iface: string,
): string {
  return store.catalogTags ? `${origin}/_ep/${encodeURIComponent(region)}/${iface}` : origin;
}

function v3Catalog(store: FakeCloudStore, origin: string): unknown[] {
  return SERVICES.map(([type, name, path]) => ({
    endpoints: store.regions.flatMap((region) =>
      ['public', 'internal', 'admin'].map((iface) => ({
        id: hexId(`endpoint:${type}:${region}:${iface}`),
        interface: iface,
        region_id: region,
        url: endpointOrigin(store, origin, region, iface) + path,
        region,
      })),
    ),
    id: hexId(`service:${type}`),
    type,
    name,
  }));
}

function v2Catalog(store: FakeCloudStore, origin: string): unknown[] {
  return SERVICES.map(([type, name, path]) => {
    const url = (region: string, iface: string): string =>
      endpointOrigin(store, origin, region, iface) + (type === 'identity' ? '/v2.0' : path);
    return {
      endpoints: store.regions.map((region) => ({
        id: hexId(`endpoint:${type}:${region}`),
        region,
        publicURL: url(region, 'public'),
        internalURL: url(region, 'internal'),
        adminURL: url(region, 'admin'),
      })),
      endpoints_links: [],
      type,
      name,
    };
  });
}

/** Checks the credentials; returns the user's default project (for an unscoped request). */
function checkUser(
  store: FakeCloudStore,
  name: string,
  password: string | undefined,
  project: string | null,
  domain?: string,
): string | undefined {
  if (store.users.length === 0) return undefined;
  const user = store.users.find((u) => u.name === name);
  const projects = user?.projects ?? [];
  const refused =
    user === undefined ||
    user.password !== password ||
    (project !== null && projects.length > 0 && !projects.includes(project)) ||
    (domain !== undefined && !(user.domains ?? []).includes(domain));
  if (refused) throw new ApiError(401, 'The request you have made requires authentication.');
  return user.defaultProject;
}

function issueToken(
  store: FakeCloudStore,
  user: string,
  project: { id: string; name: string } | null,
  domain: { id: string; name: string },
): TokenRecord {
  const now = Date.now();
  const token: TokenRecord = {
    id: 'gAAAAA' + randomBytes(96).toString('base64url'),
    userId: hexId(`user:${user}`),
    userName: user,
    projectId: project?.id ?? '',
    projectName: project?.name ?? '',
    domainId: domain.id,
    domainName: domain.name,
    issuedAt: now,
    expiresAt: now + store.knobs.tokenTtlMs,
  };
  store.tokens.set(token.id, token);
  return token;
}

function domainOf(
  obj: Record<string, unknown> | undefined,
  what: string,
): { id: string; name: string } {
  if (obj?.domain === undefined && typeof obj?.id !== 'string') {
    throw new ApiError(
      400,
      `Expecting to find domain in ${what}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
    );
  }
  const d = obj?.domain as Record<string, unknown> | undefined;
  const id = typeof d?.id === 'string' ? d.id : undefined;
  const name = typeof d?.name === 'string' ? d.name : undefined;
  if (id === undefined && (name === undefined || name === 'Default'))
    return { id: 'default', name: 'Default' };
  return { id: id ?? hexId(`domain:${name}`), name: name ?? id ?? 'Default' };
}

async function createV3Token(
  ctx: RequestContext,
): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
  const auth = asObject(asObject(await ctx.json(), 'body').auth, 'auth');
  const identity = asObject(auth.identity, 'auth.identity');
  const methods = identity.methods;
  if (!Array.isArray(methods) || !methods.includes('password')) {
    throw new ApiError(401, 'The request you have made requires authentication.');
  }
  const user = asObject(
    asObject(identity.password, 'auth.identity.password').user,
    'auth.identity.password.user',
  );
  const userName = optString(user, 'name') ?? optString(user, 'id');
  if (userName === undefined) throw new ApiError(400, 'Expecting to find name or id in user');
  const scope = auth.scope === undefined ? undefined : asObject(auth.scope, 'auth.scope');
  let project: { id: string; name: string; domain: { id: string; name: string } } | null = null;
  let scopeDomain: { id: string; name: string } | null = null;
  if (scope?.project !== undefined) {
    const p = asObject(scope.project, 'auth.scope.project');
    const id = optString(p, 'id');
    const name = optString(p, 'name');
    if (id === undefined && name === undefined)
      throw new ApiError(400, 'Expecting to find id or name in project');
    project =
      id !== undefined
        ? { id, name: name ?? id, domain: { id: 'default', name: 'Default' } }
        : { id: hexId(`project:${name}`), name: name ?? '', domain: domainOf(p, 'project') };
  } else if (scope?.domain !== undefined) {
    const d = asObject(scope.domain, 'auth.scope.domain');
    const id = optString(d, 'id');
    const name = optString(d, 'name');
    if (id === undefined && name === undefined)
      throw new ApiError(400, 'Expecting to find id or name in domain');
    scopeDomain =
      id === 'default' || (id === undefined && name === 'Default')
        ? { id: 'default', name: 'Default' }
        : { id: id ?? hexId(`domain:${name}`), name: name ?? id ?? '' };
  }
  const domain = domainOf(user, 'user');
  const defaultProject = checkUser(
    store(ctx),
    userName,
    optString(user, 'password'),
    project?.name ?? null,
    scopeDomain?.name,
  );
  // Keystone scopes an unscoped request to the user's default project, when there is one.
  if (project === null && scopeDomain === null && defaultProject !== undefined) {
    project = {
      id: hexId(`project:${defaultProject}`),
      name: defaultProject,
      domain: { id: 'default', name: 'Default' },
    };
  }
  const token = issueToken(store(ctx), userName, project, domain);
  const body: Record<string, unknown> = {
    methods: ['password'],
    user: {
      domain: { id: domain.id, name: domain.name },
      id: token.userId,
      name: userName,
      password_expires_at: null,
    },
    audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  if (scopeDomain !== null) {
    Object.assign(body, {
      domain: scopeDomain,
      roles: [{ id: hexId('role:admin'), name: 'admin' }],
      catalog: v3Catalog(store(ctx), ctx.origin),
    });
  }
  if (project !== null) {
    Object.assign(body, {
      project: { domain: project.domain, id: project.id, name: project.name },
      is_domain: false,
      roles: [
        { id: hexId('role:reader'), name: 'reader' },
        { id: hexId('role:member'), name: 'member' },
      ],
      catalog: v3Catalog(store(ctx), ctx.origin),
    });
  }
  return {
    status: 201,
    body: { token: body },
    headers: { 'X-Subject-Token': token.id, Vary: 'X-Auth-Token' },
  };
}

async function createV2Token(ctx: RequestContext): Promise<{ status: number; body: unknown }> {
  const auth = asObject(asObject(await ctx.json(), 'body').auth, 'auth');
  const creds = asObject(auth.passwordCredentials, 'auth.passwordCredentials');
  if (!ctx.store.knobs.identityV2) throw new ApiError(404, 'The resource could not be found.');
  const userName = optString(creds, 'username') ?? optString(creds, 'userId');
  if (userName === undefined)
    throw new ApiError(400, 'Expecting to find username in passwordCredentials');
  const tenantId = optString(auth, 'tenantId');
  const tenantName = optString(auth, 'tenantName');
  const project =
    tenantId !== undefined
      ? { id: tenantId, name: tenantName ?? tenantId }
      : tenantName !== undefined
        ? { id: hexId(`project:${tenantName}`), name: tenantName }
        : null;
  checkUser(store(ctx), userName, optString(creds, 'password'), project?.name ?? null);
  const token = issueToken(store(ctx), userName, project, { id: 'default', name: 'Default' });
  const access: Record<string, unknown> = {
    token: {
      id: token.id,
      issued_at: keystoneTime(token.issuedAt),
      expires: new Date(token.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(project === null
        ? {}
        : { tenant: { id: project.id, name: project.name, enabled: true, description: null } }),
      audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
    },
    serviceCatalog: project === null ? [] : v2Catalog(store(ctx), ctx.origin),
    user: {
      id: token.userId,
      name: userName,
      username: userName,
      roles: [{ name: 'member' }],
      roles_links: [],
    },
    metadata: { is_admin: 0, roles: [hexId('role:member')] },
  };
  return { status: 200, body: { access } };
}

function store(ctx: RequestContext): FakeCloudStore {
  return ctx.store;
}

function revokeToken(ctx: RequestContext): { status: number } {
  const subject = ctx.req.headers['x-subject-token'];
  if (typeof subject !== 'string' || !ctx.store.tokens.delete(subject)) {
    throw new ApiError(404, 'Could not find token.');
  }
  return { status: 204 };
}

function versionLinks(origin: string, path: string): unknown[] {
  return [{ rel: 'self', href: origin + path }];
}

/** Builds the identity API. */
export function createKeystoneService(): FakeService {
  const router = new Router()
    .add('GET', '/', (ctx) => ({
      status: 300,
      headers: { Location: `${ctx.origin}/v3/`, Vary: 'X-Auth-Token' },
      body: {
        versions: {
          values: [
            { ...V3_VERSION, links: versionLinks(ctx.origin, '/v3/') },
            ...(ctx.store.knobs.identityV2
              ? [{ ...V2_VERSION, links: versionLinks(ctx.origin, '/v2.0/') }]
              : []),
          ],
        },
      },
    }))
    .add('GET', '/v3', (ctx) => ({
      status: 200,
      headers: { Vary: 'X-Auth-Token' },
      body: { version: { ...V3_VERSION, links: versionLinks(ctx.origin, '/v3/') } },
    }))
    .add('GET', '/v2.0', (ctx) => {
      if (!ctx.store.knobs.identityV2) throw new ApiError(404, 'The resource could not be found.');
      return {
        status: 200,
        body: { version: { ...V2_VERSION, links: versionLinks(ctx.origin, '/v2.0/') } },
      };
    })
    .add('POST', '/v3/auth/tokens', createV3Token)
    .add('DELETE', '/v3/auth/tokens', revokeToken)
    .add('POST', '/v2.0/tokens', createV2Token);
  return {
    name: 'identity',
    prefix: '',
    router,
    isPublic: (method) => method !== 'DELETE',
    errorBody: (err) => ({
      error: { code: err.status, message: err.message, title: REASONS[err.status] ?? 'Error' },
    }),
  };
}
