/**
 * OpenStackProvider against stubbed service clients (no HTTP): which calls it makes for each
 * operation and in which order, what it sends Nova, and what it decides on its own (flavor,
 * networks, quota, floating IPs, failures).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import {
  OpenStackProvider,
  ProviderError,
  ResourceNotFoundError,
  ServerFailedError,
} from '../../../src/provider/index.js';
import type { OpenStackProviderOptions } from '../../../src/provider/index.js';
import { compileYaml } from '../../support/memory/memory-launcher.js';
import { recordingStats } from '../../support/memory/recording-stats.js';
import { StubCloud } from '../../support/memory/stub-openstack.js';

let provider: OpenStackProvider | null = null;
afterEach(async () => {
  await provider?.stop();
  provider = null;
});

const YAML = `
labels:
  - name: small
    image: small-image
    min-ready: 0
    providers:
      - name: p1
providers:
  - name: p1
    region-name: fake-region
    auth-url: fake
    username: fake
    password: fake
    project-id: fake
    max-servers: 10
    rate: 0.0001
    networks:
      - name: private
    images:
      - name: small-image
        min-ram: 2048
targets:
  - name: fake-target
`;

async function providerConfig(): Promise<CompiledProvider> {
  const config = await compileYaml(YAML);
  return config.providers[0]!;
}

async function setUp(
  o: {
    tuning?: OpenStackProviderOptions['tuning'];
    config?: (c: CompiledProvider) => CompiledProvider;
  } = {},
): Promise<{ p: OpenStackProvider; cloud: StubCloud; stats: ReturnType<typeof recordingStats> }> {
  const cloud = new StubCloud();
  const stats = recordingStats();
  const base = await providerConfig();
  const p = new OpenStackProvider(o.config ? o.config(base) : base, {
    log: pino({ level: 'silent' }),
    stats,
    fakeAuthUrl: () => Promise.resolve('http://keystone.test/v3'),
    connect: cloud.connect,
    tuning: {
      serverListAgeMs: 0,
      activePollMs: 1,
      deletePollMs: 1,
      floatingIpTimeoutMs: 50,
      ...o.tuning,
    },
  });
  provider = p;
  await p.start();
  return { p, cloud, stats };
}

const REQUEST = {
  name: 'small-p1-7',
  imageId: 'img-1',
  minRam: 2048,
  nodeId: 7,
  imageName: 'small-image',
};

describe('OpenStackProvider (stubbed clients)', () => {
  it('connects with the fake cloud URL for auth-url: fake and the provider region', async () => {
    const { cloud } = await setUp();
    expect(cloud.session).toMatchObject({
      provider: 'p1',
      regionName: 'fake-region',
      auth: { auth_url: 'http://keystone.test/v3', username: 'fake' },
    });
  });

  it('boots on the smallest flavor with enough RAM (first by config order on a tie) with nodepool metadata and named networks', async () => {
    const { p, cloud } = await setUp();
    const info = await p.createServer({
      ...REQUEST,
      az: 'az1',
      keyName: 'kp',
      configDrive: true,
      extraMetadata: { team: 'ci' },
    });
    expect(info).toMatchObject({
      id: 'srv-1',
      name: 'small-p1-7',
      status: 'building',
      rawStatus: 'BUILD',
      az: 'az1',
    });
    expect(cloud.lastCreate).toEqual({
      name: 'small-p1-7',
      imageRef: 'img-1',
      flavorRef: 'f-small',
      availability_zone: 'az1',
      networks: [{ uuid: 'net-private' }],
      key_name: 'kp',
      config_drive: true,
      metadata: {
        team: 'ci',
        groups: '["p1", "small-image"]',
        nodepool: '{"provider_name": "p1", "node_id": 7, "image_name": "small-image"}',
      },
    });
    expect(cloud.calls).toEqual([
      'nova.listFlavors',
      'neutron.listNetworks',
      'nova.getLimits',
      'nova.listServers',
      'nova.createServer small-p1-7',
    ]);
  });

  it('applies the name filter when choosing a flavor and fails clearly when none fits', async () => {
    const { p, cloud } = await setUp();
    await p.createServer({ ...REQUEST, nameFilter: 'Fast' });
    expect(cloud.lastCreate?.flavorRef).toBe('f-fast');
    const err = await p.createServer({ ...REQUEST, minRam: 16_384 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      code: 'ERR_PROVIDER_NO_FLAVOR',
      message: 'Unable to find flavor with min ram: 16384',
    });
  });

  it('refuses a network name the cloud does not have, before creating anything', async () => {
    const { p, cloud } = await setUp();
    cloud.networks = cloud.networks.filter((n) => n.name !== 'private');
    const err = await p.createServer(REQUEST).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_PROVIDER_NO_NETWORK',
      message: 'Cannot find network "private" in provider "p1"',
    });
    expect(cloud.servers.size).toBe(0);
  });

  it('refuses a create that would pass the instance limit without asking Nova', async () => {
    const { p, cloud } = await setUp();
    cloud.limits = { ...cloud.limits, maxTotalInstances: 1 };
    await p.createServer(REQUEST);
    const err = await p.createServer({ ...REQUEST, name: 'small-p1-8' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('ERR_PROVIDER_QUOTA');
    expect((err as Error).message).toBe(
      'Cannot create server "small-p1-8" in provider "p1": the instances quota of 1 would be exceeded: 1 in use, 1 more needed',
    );
    expect(cloud.calls.filter((c) => c.startsWith('nova.createServer'))).toEqual([
      'nova.createServer small-p1-7',
    ]);
  });

  it('counts creates in flight against the limit, so two at once cannot both take the last place', async () => {
    const { p, cloud } = await setUp();
    cloud.limits = { ...cloud.limits, maxTotalInstances: 1 };
    const results = await Promise.allSettled([
      p.createServer(REQUEST),
      p.createServer({ ...REQUEST, name: 'small-p1-8' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(cloud.servers.size).toBe(1);
  });

  it('reports a server the cloud puts in ERROR at once as failed, with its fault, when waited for', async () => {
    const { p, cloud } = await setUp();
    cloud.createStatus = 'ERROR';
    // The create answers without a GET (as upstream): the ERROR shows in the wait.
    const created = await p.createServer(REQUEST);
    expect(created.status).toBe('building');
    const err = await p.waitForServer(created.id, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerFailedError);
    expect(err).toMatchObject({
      serverId: 'srv-1',
      serverStatus: 'ERROR',
      fault: { message: 'No valid host was found.' },
    });
  });

  it('waits for ACTIVE, then adds a floating IP on the server port and returns the server with it', async () => {
    const { p, cloud } = await setUp();
    const { id } = await p.createServer(REQUEST);
    let polls = 0;
    const listServers = cloud.calls.length;
    const active = p.waitForServer(id, { timeoutMs: 5000 });
    // Booted after a few polls of the server list.
    const boot = setInterval(() => {
      if (++polls === 3) cloud.boot(id);
    }, 1);
    const info = await active.finally(() => clearInterval(boot));
    expect(info).toMatchObject({
      id,
      status: 'active',
      publicIp: '203.0.113.1',
      privateIp: '10.0.0.1',
    });
    const after = cloud.calls.slice(listServers);
    expect(after.filter((c) => c === 'nova.listServers').length).toBeGreaterThan(1);
    // The floating IP's wait sees it on the server at once; the answer is read fresh.
    expect(after.slice(-4)).toEqual([
      `neutron.listPorts ${id}`,
      `neutron.createFloatingIp port-${id}`,
      `nova.getServer ${id}`,
      `nova.getServer ${id}`,
    ]);
  });

  it('adds no floating IP when the cloud has no network service', async () => {
    const { p, cloud } = await setUp({ config: (c) => ({ ...c, networks: [] }) });
    cloud.hasNetwork = false;
    const { id } = await p.createServer(REQUEST);
    cloud.boot(id);
    const info = await p.waitForServer(id, { timeoutMs: 1000 });
    expect(info.publicIp).toBeUndefined();
    expect(cloud.calls.some((c) => c.startsWith('neutron.'))).toBe(false);
  });

  it('fails the wait when the server goes to ERROR, and times out on one that stays in BUILD', async () => {
    const { p, cloud } = await setUp();
    const a = await p.createServer(REQUEST);
    cloud.servers.set(a.id, {
      ...cloud.servers.get(a.id)!,
      status: 'ERROR',
      fault: { code: 500, message: 'Exceeded maximum number of retries.' },
    });
    await expect(p.waitForServer(a.id, { timeoutMs: 1000 })).rejects.toThrow(
      `Server "${a.id}" in provider "p1" is in status ERROR: Exceeded maximum number of retries.`,
    );
    const b = await p.createServer({ ...REQUEST, name: 'small-p1-8' });
    const err = await p.waitForServer(b.id, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('ERR_PROVIDER_TIMEOUT');
    expect((err as Error).message).toBe(
      `Cannot wait for server "${b.id}" in provider "p1": not ACTIVE after 20 ms: status is BUILD`,
    );
  });

  it('lets waiters share one server list per waiting age, however often they poll', async () => {
    const { p, cloud } = await setUp({
      tuning: { serverListAgeMs: 60_000, waitingListAgeMs: 200, activePollMs: 10 },
    });
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push((await p.createServer({ ...REQUEST, name: `small-p1-${10 + i}` })).id);
    const lists = (): number => cloud.calls.filter((c) => c === 'nova.listServers').length;
    const before = lists();
    // Five servers that stay in BUILD, each polled every 10 ms for 700 ms.
    const waits = await Promise.all(
      ids.map((id) => p.waitForServer(id, { timeoutMs: 700 }).catch((e: unknown) => e)),
    );
    for (const err of waits) expect((err as ProviderError).code).toBe('ERR_PROVIDER_TIMEOUT');
    // One list per 200 ms (about 4), not one per poll (about 70).
    expect(lists() - before).toBeGreaterThanOrEqual(2);
    expect(lists() - before).toBeLessThanOrEqual(6);
  });

  it('polls on through failing server lists until the server is ACTIVE, as upstream does', async () => {
    const { p, cloud } = await setUp();
    const { id } = await p.createServer(REQUEST);
    cloud.boot(id);
    cloud.failLists = 3;
    const info = await p.waitForServer(id, { timeoutMs: 5000 });
    expect(info.status).toBe('active');
    expect(cloud.failLists).toBe(0);
    expect(cloud.calls.filter((c) => c === 'nova.listServers').length).toBeGreaterThanOrEqual(4);
  });

  it('times out naming the failing list when every poll fails, and stops at once on abort', async () => {
    const { p, cloud } = await setUp();
    const { id } = await p.createServer(REQUEST);
    cloud.failLists = 1_000_000;
    const err = await p.waitForServer(id, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe('ERR_PROVIDER_TIMEOUT');
    expect((err as Error).message).toContain('the last server list failed: compute answered 503');
    const stop = new AbortController();
    stop.abort(new Error('stopping'));
    await expect(p.waitForServer(id, { timeoutMs: 5000, signal: stop.signal })).rejects.toThrow(
      'stopping',
    );
  });

  it('deletes the floating IPs on a server port before the server, and reports a missing server', async () => {
    const { p, cloud } = await setUp();
    const { id } = await p.createServer(REQUEST);
    cloud.boot(id);
    await p.waitForServer(id, { timeoutMs: 1000 });
    const from = cloud.calls.length;
    await p.deleteServer(id);
    expect(cloud.calls.slice(from)).toEqual([
      `nova.getServer ${id}`,
      `neutron.listPorts ${id}`,
      'neutron.listFloatingIps',
      'neutron.deleteFloatingIp fip-1',
      `nova.deleteServer ${id}`,
    ]);
    await p.waitForServerDeletion(id, { timeoutMs: 1000 });
    await expect(p.deleteServer(id)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('shares one server list among callers within the list age', async () => {
    const { p, cloud } = await setUp({ tuning: { serverListAgeMs: 60_000 } });
    await Promise.all([p.listServers(), p.listServers(), p.getServer('srv-x')]);
    await p.listServers();
    expect(cloud.calls.filter((c) => c === 'nova.listServers')).toHaveLength(1);
  });

  it('fetches flavors once for its life and the limits on every refresh', async () => {
    const { p, cloud } = await setUp();
    await p.refresh();
    await p.refresh();
    expect(cloud.calls.filter((c) => c === 'nova.listFlavors')).toHaveLength(1);
    expect(cloud.calls.filter((c) => c === 'nova.getLimits')).toHaveLength(2);
  });

  it('asks Nova for the limits once for many creates that find them stale at once', async () => {
    const { p, cloud } = await setUp({ tuning: { limitsAgeMs: 0 } });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => p.createServer({ ...REQUEST, name: `s-${i}` })),
    );
    expect(cloud.servers.size).toBe(8);
    expect(cloud.calls.filter((c) => c === 'nova.getLimits').length).toBeLessThanOrEqual(2);
  });

  it('reports quota from the limits and the flavors of the listed servers', async () => {
    const { p } = await setUp();
    await p.createServer(REQUEST);
    await p.createServer({ ...REQUEST, name: 'big', minRam: 8192 });
    expect(await p.getQuota()).toEqual({
      maxInstances: 10,
      maxCores: 100,
      maxRamMb: 100_000,
      usedInstances: 2,
      usedCores: 5,
      usedRamMb: 10_240,
    });
  });

  it('times every cloud call under its task metric', async () => {
    const { p, stats } = await setUp();
    await p.createServer(REQUEST);
    const tasks = stats.lines
      .filter((l) => l.startsWith('nodepool.task.p1.'))
      .map((l) => l.replace(/:.*/, ''));
    expect(new Set(tasks)).toEqual(
      new Set(
        ['FlavorList', 'NetworkList', 'NovaLimitsGet', 'ServerList', 'ServerCreate'].map(
          (t) => `nodepool.task.p1.${t}`,
        ),
      ),
    );
  });
});
