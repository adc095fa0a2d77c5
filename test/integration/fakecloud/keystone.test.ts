import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { expectLikeReal, login, recorded, request, v3Auth } from './helpers.js';

describe('FakeCloud Keystone', () => {
  const cloud = new FakeCloud({ regions: ['RegionOne', 'fake-region'], identityV2: true });
  beforeAll(() => cloud.start());
  afterAll(() => cloud.stop());

  it('serves the version documents like Keystone', async () => {
    const root = await request(cloud, 'GET', '/');
    expect(root.status).toBe(300);
    expect(root.headers.get('location')).toBe(`${cloud.origin}/v3/`);
    expect(root.body.versions.values.map((v: any) => v.id)).toContain('v3.14');
    const v3 = await request(cloud, 'GET', '/v3');
    expectLikeReal(v3, 'keystone-v3');
    expect(v3.body.version.links[0].href).toBe(`${cloud.origin}/v3/`);
  });

  it('issues a v3 token with X-Subject-Token and a catalog shaped like the real one', async () => {
    const res = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: v3Auth('demo', 'anything', 'demo'),
    });
    expectLikeReal(res, 'keystone-token-create');
    expect(res.headers.get('x-subject-token')).toMatch(/^gAAAAA/);
    const catalog = res.body.token.catalog as Array<{
      type: string;
      endpoints: Array<{ interface: string; region: string; url: string }>;
    }>;
    expect(catalog.map((s) => s.type).sort()).toEqual(['compute', 'identity', 'image', 'network']);
    const compute = catalog.find((s) => s.type === 'compute')!;
    expect(compute.endpoints).toHaveLength(6);
    expect(new Set(compute.endpoints.map((e) => e.interface))).toEqual(
      new Set(['public', 'internal', 'admin']),
    );
    expect(new Set(compute.endpoints.map((e) => e.region))).toEqual(
      new Set(['RegionOne', 'fake-region']),
    );
    expect(compute.endpoints[0]!.url).toBe(`${cloud.origin}/compute/v2.1`);
    expect(res.body.token.project.name).toBe('demo');
  });

  it('scopes a token to a project given by id', async () => {
    const body = v3Auth('demo', 'x', 'ignored') as any;
    body.auth.scope = { project: { id: 'fake' } };
    const res = await request(cloud, 'POST', '/v3/auth/tokens', { body });
    expect(res.status).toBe(201);
    expect(res.body.token.project.id).toBe('fake');
  });

  it('issues a v2.0 token by tenantName and by tenantId', async () => {
    for (const tenant of [{ tenantName: 'demo' }, { tenantId: 'fake' }]) {
      const res = await request(cloud, 'POST', '/v2.0/tokens', {
        body: { auth: { ...tenant, passwordCredentials: { username: 'u', password: 'p' } } },
      });
      expect(res.status).toBe(200);
      expect(res.body.access.token.id).toMatch(/^gAAAAA/);
      const image = res.body.access.serviceCatalog.find((s: any) => s.type === 'image');
      expect(image.endpoints[0].publicURL).toBe(`${cloud.origin}/image`);
      const flavors = await request(cloud, 'GET', '/compute/v2.1/flavors', {
        token: res.body.access.token.id,
      });
      expect(flavors.status).toBe(200);
    }
  });

  it('rejects API calls without a valid token with the keystonemiddleware body', async () => {
    const res = await request(cloud, 'GET', '/compute/v2.1/servers/detail', { token: 'bogus' });
    expectLikeReal(res, 'nova-unauthorized');
    expect(res.body).toEqual(recorded('nova-unauthorized').body);
  });

  it('rejects an expired token so clients must authenticate again', async () => {
    const token = await login(cloud);
    expect((await request(cloud, 'GET', '/compute/v2.1/flavors', { token })).status).toBe(200);
    cloud.expireTokens();
    expect((await request(cloud, 'GET', '/compute/v2.1/flavors', { token })).status).toBe(401);
    const fresh = await login(cloud);
    expect((await request(cloud, 'GET', '/compute/v2.1/flavors', { token: fresh })).status).toBe(
      200,
    );
  });

  it('revokes a token on DELETE /v3/auth/tokens', async () => {
    const token = await login(cloud);
    const res = await request(cloud, 'DELETE', '/v3/auth/tokens', {
      token,
      headers: { 'X-Subject-Token': token },
    });
    expect(res.status).toBe(204);
    expect((await request(cloud, 'GET', '/compute/v2.1/flavors', { token })).status).toBe(401);
  });
});

describe('FakeCloud Keystone with configured users', () => {
  const cloud = new FakeCloud({
    users: [{ name: 'alice', password: 's3cret', projects: ['proj'] }],
    tokenTtlMs: 1,
  });
  beforeAll(() => cloud.start());
  afterAll(() => cloud.stop());

  it('answers a wrong password with 401 like Keystone', async () => {
    const res = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: v3Auth('alice', 'wrong', 'proj'),
    });
    expectLikeReal(res, 'keystone-token-bad-password');
    expect(res.body).toEqual(recorded('keystone-token-bad-password').body);
  });

  it('refuses a project the user is not a member of', async () => {
    const res = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: v3Auth('alice', 's3cret', 'other'),
    });
    expect(res.status).toBe(401);
  });

  it('issues tokens that expire after tokenTtlMs', async () => {
    const token = await login(cloud, 'proj', 'alice', 's3cret');
    const res = await request(cloud, 'GET', '/compute/v2.1/flavors', { token });
    expect(res.status).toBe(401);
  });
});

describe('FakeCloud Keystone as a current Keystone answers (realcloud)', () => {
  const cloud = new FakeCloud({
    users: [
      { name: 'admin', password: 'a', domains: ['Default'] },
      { name: 'demo', password: 'd', defaultProject: 'demo' },
    ],
  });
  beforeAll(() => cloud.start());
  afterAll(() => cloud.stop());
  const user = (name: string, password: string, domain = true): unknown => ({
    identity: {
      methods: ['password'],
      password: { user: { name, password, ...(domain ? { domain: { name: 'Default' } } : {}) } },
    },
  });

  it('offers no v2.0 unless the identityV2 knob is set, as the recorded Keystone', async () => {
    const root = await request(cloud, 'GET', '/');
    expectLikeReal(root, 'keystone-versions');
    const real = recorded('keystone-versions').body as {
      versions: { values: Array<{ id: string }> };
    };
    expect(root.body.versions.values.map((v: any) => v.id)).toEqual(
      real.versions.values.map((v) => v.id),
    );
    expect((await request(cloud, 'GET', '/v2.0')).status).toBe(404);
    const body = {
      auth: { tenantName: 'demo', passwordCredentials: { username: 'demo', password: 'd' } },
    };
    const v2 = await request(cloud, 'POST', '/v2.0/tokens', { body });
    expect(v2.status).toBe(recorded('keystone-v2-token-create').status);
  });

  it('refuses a user or a project named without a domain (400)', async () => {
    const noUserDomain = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: user('demo', 'd', false) },
    });
    expect(noUserDomain.status).toBe(400);
    expect(noUserDomain.body.error.message).toMatch(/^Expecting to find domain in user\./);
    const noProjectDomain = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: { ...(user('demo', 'd') as object), scope: { project: { name: 'demo' } } } },
    });
    expect(noProjectDomain.status).toBe(400);
    expect(noProjectDomain.body.error.message).toMatch(/^Expecting to find domain in project\./);
  });

  it('answers an unscoped request with a catalog-less token, or scopes it to the default project', async () => {
    const admin = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: user('admin', 'a') },
    });
    expect(admin.status).toBe(201);
    expect(admin.body.token.catalog).toBeUndefined();
    expect(admin.body.token.project).toBeUndefined();
    const demo = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: user('demo', 'd') },
    });
    expect(demo.body.token.project.name).toBe('demo');
    expect(demo.body.token.catalog.length).toBeGreaterThan(0);
  });

  it('scopes a token to a domain the user has a role on, and refuses others', async () => {
    const admin = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: { ...(user('admin', 'a') as object), scope: { domain: { name: 'Default' } } } },
    });
    expect(admin.status).toBe(201);
    expect(admin.body.token.domain).toEqual({ id: 'default', name: 'Default' });
    expect(admin.body.token.catalog.length).toBeGreaterThan(0);
    const demo = await request(cloud, 'POST', '/v3/auth/tokens', {
      body: { auth: { ...(user('demo', 'd') as object), scope: { domain: { name: 'Default' } } } },
    });
    expect(demo.status).toBe(401);
  });
});
