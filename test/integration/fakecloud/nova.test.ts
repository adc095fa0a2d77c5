import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { expectLikeReal, login, recorded, request, waitFor } from './helpers.js';

const SERVER_FREE = ['server.metadata', 'server.addresses'];

describe('FakeCloud Nova', () => {
  const cloud = new FakeCloud({ buildDelayMs: 50 });
  let token = '';
  let imageId = '';
  const nova = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) =>
    request(cloud, method, `/compute/v2.1${path}`, { token, ...opts });

  async function boot(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const body = { server: { name: 'n1', imageRef: imageId, flavorRef: 'f1', ...extra } };
    return nova('POST', '/servers', { body, headers });
  }

  async function active(id: string) {
    return waitFor(
      async () => {
        const res = await nova('GET', `/servers/${id}`);
        return res.body.server.status === 'ACTIVE' ? res : null;
      },
      { what: `server ${id} ACTIVE` },
    );
  }

  beforeAll(async () => {
    await cloud.start();
    token = await login(cloud);
    const images = await request(cloud, 'GET', '/image/v2/images?name=Fake%20Precise', { token });
    imageId = images.body.images[0].id;
  });
  afterAll(() => cloud.stop());

  it('creates a server that goes BUILD then ACTIVE with loopback addresses', async () => {
    const created = await boot({
      availability_zone: 'az1',
      networks: [{ uuid: 'some-uuid' }],
      config_drive: true,
      metadata: { groups: '["p","i"]' },
    });
    expectLikeReal(created, 'nova-server-create');
    expect(created.headers.get('location')).toBe(created.body.server.links[0].href);
    const id = created.body.server.id;
    const res = await active(id);
    expectLikeReal(res, 'nova-server-active', SERVER_FREE);
    const s = res.body.server;
    expect(s['OS-EXT-AZ:availability_zone']).toBe('az1');
    expect(s.config_drive).toBe('True');
    expect(s.metadata).toEqual({ groups: '["p","i"]' });
    const addrs = s.addresses['some-network'];
    expect(addrs.find((a: any) => a['OS-EXT-IPS:type'] === 'fixed').addr).toMatch(/^127\.11\./);
    expect(addrs.find((a: any) => a['OS-EXT-IPS:type'] === 'floating').addr).toMatch(/^127\.20\./);
  });

  it('shows a server in BUILD like Nova does', async () => {
    cloud.setKnobs({ buildDelayMs: 600_000 });
    try {
      const id = (await boot()).body.server.id;
      expectLikeReal(await nova('GET', `/servers/${id}`), 'nova-server-building', SERVER_FREE);
    } finally {
      cloud.setKnobs({ buildDelayMs: 50 });
    }
  });

  it('gives servers on the ipv6-uuid network the IPv6 loopback address', async () => {
    const res = await active((await boot({ networks: [{ uuid: 'ipv6-uuid' }] })).body.server.id);
    const v6 = res.body.server.addresses['ipv6-network'].filter((a: any) => a.version === 6);
    expect(v6).toEqual([expect.objectContaining({ addr: '::1', 'OS-EXT-IPS:type': 'fixed' })]);
  });

  it('shows the embedded flavor and newer fields at microversion latest', async () => {
    const id = (await boot()).body.server.id;
    await active(id);
    const res = await nova('GET', `/servers/${id}`, {
      headers: { 'OpenStack-API-Version': 'compute latest' },
    });
    expectLikeReal(res, 'nova-latest-server', SERVER_FREE);
    expect(res.body.server.flavor.original_name).toBe('Fake Flavor');
  });

  it('lists servers with ?name= as a regex filter, newest first, with pagination', async () => {
    const a = (await boot({ name: 'pick-me-1' })).body.server.id;
    const b = (await boot({ name: 'pick-me-2' })).body.server.id;
    await active(a);
    await active(b);
    const detail = await nova('GET', '/servers/detail?name=pick-me');
    expectLikeReal(detail, 'nova-servers-detail', ['servers[].metadata', 'servers[].addresses']);
    expect(detail.body.servers.map((s: any) => s.id)).toEqual([b, a]);
    const page = await nova('GET', '/servers?name=pick-me&limit=1');
    expect(page.body.servers.map((s: any) => s.id)).toEqual([b]);
    expect(page.body.servers_links[0].href).toContain(`marker=${b}`);
    const next = await nova('GET', `/servers?name=pick-me&limit=1&marker=${b}`);
    expect(next.body.servers.map((s: any) => s.id)).toEqual([a]);
    expectLikeReal(await nova('GET', '/servers'), 'nova-servers');
  });

  it('deletes a server and then answers 404 itemNotFound', async () => {
    const id = (await boot()).body.server.id;
    expectLikeReal(await nova('DELETE', `/servers/${id}`), 'nova-server-delete');
    const gone = await nova('GET', `/servers/${id}`);
    expectLikeReal(gone, 'nova-server-not-found');
    expect(gone.body.itemNotFound.message).toBe(`Instance ${id} could not be found.`);
  });

  it('gets, sets and deletes server metadata', async () => {
    const id = (await boot({ metadata: { a: '1' } })).body.server.id;
    expectLikeReal(await nova('GET', `/servers/${id}/metadata`), 'nova-server-metadata', [
      'metadata',
    ]);
    const merged = await nova('POST', `/servers/${id}/metadata`, {
      body: { metadata: { b: '2' } },
    });
    expect(merged.body.metadata).toEqual({ a: '1', b: '2' });
    const item = await nova('PUT', `/servers/${id}/metadata/c`, { body: { meta: { c: '3' } } });
    expectLikeReal(item, 'nova-server-metadata-item-set', ['meta']);
    expectLikeReal(
      await nova('DELETE', `/servers/${id}/metadata/a`),
      'nova-server-metadata-item-delete',
    );
    expect((await nova('GET', `/servers/${id}/metadata`)).body.metadata).toEqual({
      b: '2',
      c: '3',
    });
    expect((await nova('DELETE', `/servers/${id}/metadata/zz`)).status).toBe(404);
    expect(
      (await nova('PUT', `/servers/${id}/metadata/x`, { body: { meta: { y: '1' } } })).status,
    ).toBe(400);
  });

  it('refuses unknown networks and availability zones with the real messages', async () => {
    const badNet = await boot({ networks: [{ uuid: 'no-such-net' }] });
    expectLikeReal(badNet, 'nova-server-create-bad-network');
    expect(badNet.body).toEqual(recorded('nova-server-create-bad-network').body);
    const missing = await boot({ networks: [{ uuid: '6f1e3a48-8c44-4fb3-a0f5-4a0fd1b3b1e1' }] });
    expect(missing.body.badRequest.message).toBe(
      'Network 6f1e3a48-8c44-4fb3-a0f5-4a0fd1b3b1e1 could not be found.',
    );
    const badAz = await boot({ availability_zone: 'no-such-az' });
    expect(badAz.body).toEqual(recorded('nova-server-create-bad-az').body);
    expect((await boot({ key_name: 'if-present-use-this-keypair' })).body).toEqual({
      badRequest: { code: 400, message: 'Invalid key_name provided.' },
    });
  });

  it('answers 406 to a microversion above 2.93', async () => {
    const res = await nova('GET', '/servers', {
      headers: { 'X-OpenStack-Nova-API-Version': '2.999' },
    });
    expectLikeReal(res, 'nova-microversion-too-new');
    expect(res.body).toEqual(recorded('nova-microversion-too-new').body);
  });

  it('serves flavors, availability zones, limits and key pairs like Nova', async () => {
    const flavors = await nova('GET', '/flavors/detail');
    expectLikeReal(flavors, 'nova-flavors-detail');
    expect(
      flavors.body.flavors.filter((f: any) => f.name.includes('Fake')).map((f: any) => f.ram),
    ).toEqual([8192, 16384]);
    expectLikeReal(await nova('GET', '/os-availability-zone'), 'nova-availability-zones');
    expectLikeReal(await nova('GET', '/limits'), 'nova-limits');
    expectLikeReal(
      await nova('GET', '/limits', { headers: { 'X-OpenStack-Nova-API-Version': 'latest' } }),
      'nova-latest-limits',
    );
    expectLikeReal(await nova('GET', '/os-keypairs'), 'nova-keypairs');
    const kp = await nova('POST', '/os-keypairs', { body: { keypair: { name: 'k1' } } });
    expect(kp.status).toBe(200);
    expect(kp.body.keypair.public_key).toMatch(/^ssh-rsa /);
    expect(
      (await nova('GET', '/os-keypairs')).body.keypairs.map((k: any) => k.keypair.name),
    ).toEqual(['k1']);
    expect((await nova('DELETE', '/os-keypairs/k1')).status).toBe(202);
    expect((await nova('DELETE', '/os-keypairs/k1')).status).toBe(404);
  });

  it('lists images through the deprecated proxy up to 2.35 only', async () => {
    expectLikeReal(await nova('GET', '/images/detail'), 'nova-images-detail', [
      'images[].metadata',
    ]);
    expectLikeReal(
      await nova('GET', '/images', { headers: { 'X-OpenStack-Nova-API-Version': 'latest' } }),
      'nova-latest-images',
    );
  });

  it('snapshots a server into a Glance image with createImage', async () => {
    const id = (await boot()).body.server.id;
    await active(id);
    const res = await nova('POST', `/servers/${id}/action`, {
      body: { createImage: { name: 'snap', metadata: { purpose: 'rec' } } },
      headers: { 'X-OpenStack-Nova-API-Version': '2.45' },
    });
    expectLikeReal(res, 'nova-server-create-image');
    const image = await waitFor(async () => {
      const r = await request(cloud, 'GET', `/image/v2/images/${res.body.image_id}`, { token });
      return r.body.status === 'active' ? r.body : null;
    });
    expect(image).toMatchObject({
      name: 'snap',
      instance_uuid: id,
      image_type: 'snapshot',
      purpose: 'rec',
      min_disk: 80,
    });
    const old = await nova('POST', `/servers/${id}/action`, {
      body: { createImage: { name: 'snap2' } },
    });
    expect(old.status).toBe(202);
    expect(old.headers.get('location')).toMatch(/\/images\/[0-9a-f-]{36}$/);
  });

  it('answers 403 forbidden like Nova when the instance quota is used up', async () => {
    const other = await login(cloud, 'quota-project');
    cloud.setKnobs({ quota: { instances: 1, cores: 10_000, ramMb: 10_000_000 } });
    try {
      const body = { server: { name: 'q', imageRef: imageId, flavorRef: '1' } };
      expect(
        (await request(cloud, 'POST', '/compute/v2.1/servers', { token: other, body })).status,
      ).toBe(202);
      const res = await request(cloud, 'POST', '/compute/v2.1/servers', { token: other, body });
      expectLikeReal(res, 'nova-server-create-over-quota');
      expect(res.body.forbidden.message).toBe(
        'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances',
      );
      const limits = await request(cloud, 'GET', '/compute/v2.1/limits', { token: other });
      expect(limits.body.limits.absolute).toMatchObject({
        maxTotalInstances: 1,
        totalInstancesUsed: 1,
        totalRAMUsed: 512,
        totalCoresUsed: 1,
      });
    } finally {
      cloud.setKnobs({ quota: { instances: 500 } });
    }
  });

  it('keeps projects apart', async () => {
    const other = await login(cloud, 'someone-else');
    const mine = (await boot()).body.server.id;
    expect(
      (await request(cloud, 'GET', `/compute/v2.1/servers/${mine}`, { token: other })).status,
    ).toBe(404);
    const list = await request(cloud, 'GET', '/compute/v2.1/servers', { token: other });
    expect(list.body.servers).toEqual([]);
  });
});
