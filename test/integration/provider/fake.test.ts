/**
 * The provider conformance suite against the bundled fake cloud over HTTP, with its fault
 * knobs; plus what only the fake can show (Keystone v2.0 behind a knob, `auth-url: fake`).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import { DEFAULT_KNOBS, FakeCloud, FakeCloudDriver } from '../../../src/fakecloud/index.js';
import { BUILTIN_DRIVERS, DriverRegistry, ProviderSet } from '../../../src/provider/index.js';
import type { OpenStackProvider } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { providerConformanceSuite } from '../../conformance/provider.suite.js';
import type { ProviderSuiteTarget } from '../../conformance/provider.suite.js';

let cloud: FakeCloud;
const knobs = { ...DEFAULT_KNOBS, autoFloatingIp: false, buildDelayMs: 200 };

beforeAll(async () => {
  cloud = new FakeCloud({ ...knobs });
  await cloud.start();
});

afterAll(async () => {
  await cloud?.stop();
});

function config(overrides: Partial<CompiledProvider> = {}, authUrl?: string): CompiledProvider {
  return {
    name: 'fake',
    driver: 'openstack',
    cloud: {
      auth: {
        auth_url: authUrl ?? cloud.authUrl,
        username: 'demo',
        password: 'secret',
        project_name: 'demo',
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      regionName: 'RegionOne',
      interface: 'public',
      identityApiVersion: '3',
      apiTimeoutMs: 30_000,
      imageFormat: 'qcow2',
      isFake: false,
      extra: {},
    },
    maxServers: 10,
    imageType: 'qcow2',
    networks: [{ name: 'private' }],
    ipv6Preferred: false,
    bootTimeoutMs: 60_000,
    launchTimeoutMs: 600_000,
    rateMs: 0,
    templateHostname: 'template-{image.name}-{timestamp}',
    cleanFloatingIps: false,
    images: [],
    ...overrides,
  };
}

const target: ProviderSuiteTarget = {
  config: (o) => config(o),
  expectsFloatingIp: true,
  seedCloudsValues: () => ({
    OS_USERNAME: 'demo',
    OS_PASSWORD: 'secret',
    OS_AUTH_URL: cloud.authUrl,
    OS_PROJECT_NAME: 'demo',
    OS_REGION_NAME: 'RegionOne',
  }),
  async setInstanceQuota(n) {
    cloud.setKnobs({
      quota: { ...DEFAULT_KNOBS.quota, instances: n ?? DEFAULT_KNOBS.quota.instances },
    });
  },
  faults: {
    setTokenTtlMs: (ms) => cloud.setKnobs({ tokenTtlMs: ms }),
    revokeTokens: () => cloud.expireTokens(),
    failNextCreate: (kind) => cloud.failNext('create', 1, kind),
    setLatencyMs: (ms) => cloud.setKnobs({ latencyMs: ms }),
    reset: () => cloud.setKnobs({ ...knobs, quota: { ...knobs.quota } }),
  },
};

providerConformanceSuite('the fake cloud', () => target);

describe('OpenStackProvider with the fake cloud only', () => {
  const log = pino({ level: 'silent' });

  it('authenticates with Keystone v2.0 when the auth URL says so (and the cloud offers it)', async () => {
    cloud.setKnobs({ identityV2: true });
    const set = new ProviderSet({ log, stats: createNoopStats() });
    try {
      const authUrl = cloud.authUrl.replace(/\/v3$/, '/v2.0');
      const base = config({ name: 'v2' }, authUrl);
      // v2.0 has no domains: keystoneauth (and this client) refuse domain settings with it.
      const { user_domain_name: _u, project_domain_name: _p, ...auth } = base.cloud.auth;
      await set.reconfigure([{ ...base, cloud: { ...base.cloud, auth } }]);
      const p = set.get('v2') as OpenStackProvider;
      expect((await p.listFlavors()).length).toBeGreaterThan(0);
      expect(p.keystone?.authCount).toBe(1);
    } finally {
      await set.stop();
      cloud.setKnobs({ identityV2: false });
    }
  });

  it('serves auth-url: fake from the fake cloud driver, which owns and stops its cloud', async () => {
    const driver = new FakeCloudDriver();
    await driver.start();
    expect(driver.diagnostics()).toEqual({ cloud: null });
    const set = new ProviderSet(
      { log, stats: createNoopStats() },
      { registry: new DriverRegistry([...BUILTIN_DRIVERS, driver]) },
    );
    const base = config({ name: 'fake-provider', regionName: 'my-region' }, 'fake');
    await set.reconfigure([
      { ...base, cloud: { ...base.cloud, regionName: 'my-region', isFake: true } },
    ]);
    const p = set.get('fake-provider') as OpenStackProvider;
    expect((await p.listServers()).length).toBeGreaterThanOrEqual(0);
    expect((await p.getQuota()).maxInstances).toBeGreaterThan(0);
    const own = await driver.ownCloud();
    expect(own).not.toBe(cloud);
    expect(own.snapshot().calls).not.toEqual({});
    expect(driver.diagnostics()).toEqual({ cloud: { authUrl: own.authUrl } });
    await set.stop();
    await driver.stop();
    expect(own.state).toBe('stopped');
    await expect(driver.ownCloud()).rejects.toThrow(
      'Cannot start the fake cloud of auth-url "fake": the fake cloud driver is not running: state is "stopped"',
    );
  });

  it('refuses auth-url: fake when the program registers no fake cloud driver', async () => {
    const set = new ProviderSet({ log, stats: createNoopStats() });
    const base = config({ name: 'fake-provider' }, 'fake');
    await expect(
      set.reconfigure([{ ...base, cloud: { ...base.cloud, isFake: true } }]),
    ).rejects.toThrow(
      'Cannot use provider "fake-provider": auth-url "fake" needs the fake cloud driver, which this program does not register: available drivers are "openstack"',
    );
    expect(set.all()).toEqual([]);
  });

  it('keeps unchanged providers and replaces changed ones on reconfigure', async () => {
    const set = new ProviderSet({ log, stats: createNoopStats() });
    const a = config({ name: 'a' });
    const b = config({ name: 'b' });
    expect(await set.reconfigure([a, b])).toEqual({ started: ['a', 'b'], stopped: [], kept: [] });
    const oldA = set.get('a')!;
    const oldB = set.get('b')!;
    const result = await set.reconfigure([structuredClone(a), { ...b, rateMs: 500 }]);
    expect(result).toEqual({ started: ['b'], stopped: ['b'], kept: ['a'] });
    expect(set.get('a')).toBe(oldA);
    expect(set.get('b')).not.toBe(oldB);
    expect(oldB.state).toBe('stopped');
    expect(await set.reconfigure([])).toEqual({ started: [], stopped: ['a', 'b'], kept: [] });
    expect(oldA.state).toBe('stopped');
    await expect(set.reconfigure([{ ...a, driver: 'nope' }])).rejects.toThrow(
      'Cannot find provider driver "nope": available drivers are "openstack"',
    );
  });
});
