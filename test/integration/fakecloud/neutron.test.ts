import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { expectLikeReal, login, recorded, request, waitFor } from './helpers.js';

describe('FakeCloud Neutron', () => {
  // Like a real cloud: servers get no floating IP unless the client attaches one.
  const cloud = new FakeCloud({ buildDelayMs: 20, autoFloatingIp: false });
  let token = '';
  const neutron = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) =>
    request(cloud, method, `/network/v2.0${path}`, { token, ...opts });

  async function activeServer(): Promise<string> {
    const images = await request(cloud, 'GET', '/image/v2/images', { token });
    const body = {
      server: {
        name: 'fip-test',
        imageRef: images.body.images[0].id,
        flavorRef: '1',
        networks: [{ uuid: (await neutron('GET', '/networks?name=private')).body.networks[0].id }],
      },
    };
    const id = (await request(cloud, 'POST', '/compute/v2.1/servers', { token, body })).body.server
      .id;
    await waitFor(
      async () =>
        (await request(cloud, 'GET', `/compute/v2.1/servers/${id}`, { token })).body.server
          .status === 'ACTIVE',
    );
    return id;
  }

  beforeAll(async () => {
    await cloud.start();
    token = await login(cloud);
  });
  afterAll(() => cloud.stop());

  it('lists networks and filters them by name and id', async () => {
    const all = await neutron('GET', '/networks');
    expectLikeReal(all, 'neutron-networks');
    expect(all.body.networks.map((n: any) => n.name)).toEqual(
      expect.arrayContaining([
        'private',
        'public',
        'some-network',
        'ipv6-network',
        'fake-public-network-name',
        'fake-private-network-name',
      ]),
    );
    const byName = await neutron('GET', '/networks?name=private');
    expectLikeReal(byName, 'neutron-networks-name');
    expect(byName.body.networks).toHaveLength(1);
    expect((await neutron('GET', '/networks?id=some-uuid')).body.networks[0].name).toBe(
      'some-network',
    );
    expect(
      (await neutron('GET', '/networks?router:external=True')).body.networks
        .map((n: any) => n.name)
        .sort(),
    ).toEqual(['fake-public-network-name', 'public']);
    expectLikeReal(await neutron('GET', '/subnets'), 'neutron-subnets');
  });

  it('lists the ports of a server by device_id', async () => {
    const id = await activeServer();
    const ports = await neutron('GET', `/ports?device_id=${id}`);
    expectLikeReal(ports, 'neutron-ports-device');
    expect(ports.body.ports).toHaveLength(1);
    expect(ports.body.ports[0].fixed_ips[0].ip_address).toMatch(/^127\.10\./);
  });

  it('creates, associates, lists and deletes floating IPs', async () => {
    const id = await activeServer();
    const publicNet = (await neutron('GET', '/networks?name=public')).body.networks[0].id;
    const created = await neutron('POST', '/floatingips', {
      body: { floatingip: { floating_network_id: publicNet } },
    });
    expectLikeReal(created, 'neutron-floatingip-create');
    const fip = created.body.floatingip;
    expect(fip.floating_ip_address).toMatch(/^127\.20\./);
    const port = (await neutron('GET', `/ports?device_id=${id}`)).body.ports[0];
    const assoc = await neutron('PUT', `/floatingips/${fip.id}`, {
      body: { floatingip: { port_id: port.id } },
    });
    expectLikeReal(assoc, 'neutron-floatingip-associate');
    expect(assoc.body.floatingip).toMatchObject({
      port_id: port.id,
      fixed_ip_address: port.fixed_ips[0].ip_address,
    });
    const server = await request(cloud, 'GET', `/compute/v2.1/servers/${id}`, { token });
    expect(server.body.server.addresses.private).toContainEqual(
      expect.objectContaining({ addr: fip.floating_ip_address, 'OS-EXT-IPS:type': 'floating' }),
    );
    expectLikeReal(await neutron('GET', `/floatingips?port_id=${port.id}`), 'neutron-floatingips');
    expectLikeReal(await neutron('DELETE', `/floatingips/${fip.id}`), 'neutron-floatingip-delete');
    const gone = await neutron('GET', `/floatingips/${fip.id}`);
    expectLikeReal(gone, 'neutron-floatingip-not-found');
    expect(gone.body.NeutronError.message).toBe(`Floating IP ${fip.id} could not be found`);
    expect(gone.body.NeutronError.type).toBe(
      recorded('neutron-floatingip-not-found').body.NeutronError.type,
    );
  });

  it('detaches a floating IP when its server is deleted', async () => {
    const id = await activeServer();
    const publicNet = (await neutron('GET', '/networks?name=public')).body.networks[0].id;
    const port = (await neutron('GET', `/ports?device_id=${id}`)).body.ports[0];
    const fip = (
      await neutron('POST', '/floatingips', {
        body: { floatingip: { floating_network_id: publicNet, port_id: port.id } },
      })
    ).body.floatingip;
    expect(fip.port_id).toBe(port.id);
    await request(cloud, 'DELETE', `/compute/v2.1/servers/${id}`, { token });
    const after = await neutron('GET', `/floatingips/${fip.id}`);
    expect(after.body.floatingip).toMatchObject({
      port_id: null,
      fixed_ip_address: null,
      status: 'DOWN',
    });
    expect((await neutron('GET', `/ports?device_id=${id}`)).body.ports).toEqual([]);
  });

  it('refuses a floating IP on a network that is not external', async () => {
    const privateNet = (await neutron('GET', '/networks?name=private')).body.networks[0].id;
    const res = await neutron('POST', '/floatingips', {
      body: { floatingip: { floating_network_id: privateNet } },
    });
    expect(res.status).toBe(400);
    expect(res.body.NeutronError.type).toBe('BadRequest');
  });
});
