import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, diffProviders, loadConfig } from '../../../src/config/index.js';
import { writeCompatFixture } from '../../support/compat-fixtures.js';

const REAL_CLOUD = `clouds:
  real-cloud:
    auth:
      username: real
      password: real
      project_id: real
      auth_url: real
    region_name: real-region
`;

function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-clouds-'));
  return { dir, env: { HOME: join(dir, 'home') } };
}

const PROVIDER_ONLY = (provider: string): string => `providers:
  - name: p
${provider}
    max-servers: 1
    images: []
labels: []
`;

async function cloudOf(provider: string, opts: { clouds?: string; env?: NodeJS.ProcessEnv } = {}) {
  const { dir, env } = sandbox();
  if (opts.clouds !== undefined) writeFileSync(join(dir, 'clouds.yaml'), opts.clouds);
  const path = join(dir, 'nodepool.yaml');
  writeFileSync(path, PROVIDER_ONLY(provider));
  const config = await loadConfig(path, { cwd: dir, env: { ...env, ...opts.env } });
  return config.providers[0]!;
}

describe('cloud settings', () => {
  it('builds auth from exactly the compatibility keys (integration.yaml)', async () => {
    const { dir, env } = sandbox();
    const config = await loadConfig(writeCompatFixture('integration.yaml', { dir }), {
      cwd: dir,
      env,
    });
    const p = config.providers[0]!;
    expect(p.cloud.auth).toEqual({
      username: 'real',
      project_id: 'real',
      password: 'real',
      auth_url: 'real',
    });
    expect(p.cloud.regionName).toBe('real-region');
    expect(p.cloud.isFake).toBe(false);
    expect(p.imageType).toBe('qcow2');
  });

  it('takes the auth block of the named clouds.yaml entry unchanged (integration_osc.yaml)', async () => {
    const { dir, env } = sandbox();
    writeFileSync(join(dir, 'clouds.yaml'), REAL_CLOUD);
    const config = await loadConfig(writeCompatFixture('integration_osc.yaml', { dir }), {
      cwd: dir,
      env,
    });
    const p = config.providers[0]!;
    expect(p.cloud.cloudName).toBe('real-cloud');
    expect(p.cloud.auth).toEqual({
      username: 'real',
      password: 'real',
      project_id: 'real',
      auth_url: 'real',
    });
    expect(p.cloud.regionName).toBe('real-region');
  });

  it('re-reads clouds.yaml on every load, so a changed entry changes the provider', async () => {
    const { dir, env } = sandbox();
    writeFileSync(join(dir, 'clouds.yaml'), REAL_CLOUD);
    const path = writeCompatFixture('integration_osc.yaml', { dir });
    const before = await loadConfig(path, { cwd: dir, env });
    writeFileSync(
      join(dir, 'clouds.yaml'),
      REAL_CLOUD.replace('password: real', 'password: rotated'),
    );
    const after = await loadConfig(path, { cwd: dir, env });
    expect(after.providers[0]!.cloud.auth.password).toBe('rotated');
    expect(diffProviders(before, after).changed).toEqual(['real-provider']);
  });

  it("reports a named cloud missing from clouds.yaml at the provider's cloud key", async () => {
    const { dir, env } = sandbox();
    const path = writeCompatFixture('integration_osc.yaml', { dir });
    const err = await loadConfig(path, { cwd: dir, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problem = (err as ConfigError).problems[0]!;
    expect(problem.path).toEqual(['providers', 0, 'cloud']);
    expect(problem.message).toMatch(/^cloud "real-cloud" is not defined: no clouds.yaml was found/);
    expect([problem.line, problem.column]).toEqual([26, 12]);
  });

  it('layers compatibility keys over the named cloud, auth key by key', async () => {
    const p = await cloudOf(
      '    cloud: real-cloud\n    password: override\n    region-name: real-region\n    api-timeout: 30',
      { clouds: REAL_CLOUD },
    );
    expect(p.cloud.auth).toEqual({
      username: 'real',
      password: 'override',
      project_id: 'real',
      auth_url: 'real',
    });
    expect(p.cloud.apiTimeoutMs).toBe(30_000);
  });

  it('finds clouds.yaml through OS_CLIENT_CONFIG_FILE and in ~/.config/openstack', async () => {
    const { dir } = sandbox();
    const custom = join(dir, 'custom.yaml');
    writeFileSync(custom, REAL_CLOUD);
    const viaEnv = await cloudOf('    cloud: real-cloud', {
      env: { OS_CLIENT_CONFIG_FILE: custom },
    });
    expect(viaEnv.cloud.auth.username).toBe('real');

    const home = join(dir, 'home2');
    mkdirSync(join(home, '.config', 'openstack'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'openstack', 'clouds.yaml'),
      REAL_CLOUD.replace('username: real', 'username: fromhome'),
    );
    const viaHome = await cloudOf('    cloud: real-cloud', { env: { HOME: home } });
    expect(viaHome.cloud.auth.username).toBe('fromhome');
  });

  it("picks the first of a cloud's regions, and rejects a region it does not list", async () => {
    const clouds =
      'clouds:\n  le-cloud:\n    regions: [r1, r2]\n    auth: {auth_url: "http://k:5000"}\n';
    expect((await cloudOf('    cloud: le-cloud', { clouds })).cloud.regionName).toBe('r1');
    expect(
      (await cloudOf('    cloud: le-cloud\n    region-name: r2', { clouds })).cloud.regionName,
    ).toBe('r2');
    await expect(cloudOf('    cloud: le-cloud\n    region-name: r3', { clouds })).rejects.toThrow(
      /region "r3" is not a region of cloud "le-cloud"; valid regions: r1, r2/,
    );
  });

  it("defaults image-type to the cloud's image_format or vendor profile, unless image-type is set", async () => {
    const clouds =
      'clouds:\n  a: {image_format: vhd}\n  b: {profile: rackspace}\n  c: {image-format: raw}\n';
    expect((await cloudOf('    cloud: a', { clouds })).imageType).toBe('vhd');
    expect((await cloudOf('    cloud: b', { clouds })).imageType).toBe('vhd');
    expect((await cloudOf('    cloud: c', { clouds })).imageType).toBe('raw');
    expect((await cloudOf('    cloud: a\n    image-type: qcow2', { clouds })).imageType).toBe(
      'qcow2',
    );
  });

  it('uses OS_* variables when no cloud is named, under the compatibility keys', async () => {
    const p = await cloudOf('    username: yaml-user', {
      env: {
        OS_USERNAME: 'env-user',
        OS_PASSWORD: 'env-pw',
        OS_AUTH_URL: 'http://k/v3',
        OS_TENANT_NAME: 'proj',
        OS_REGION_NAME: 'RegionOne',
      },
    });
    expect(p.cloud.auth).toEqual({
      username: 'yaml-user',
      password: 'env-pw',
      auth_url: 'http://k/v3',
      project_name: 'proj',
    });
    expect(p.cloud.regionName).toBe('RegionOne');
  });

  it('marks auth-url "fake" as the bundled fake cloud with qcow2 images', async () => {
    const p = await cloudOf('    auth-url: fake\n    username: fake', {
      env: { OS_USERNAME: 'ignored' },
    });
    expect(p.cloud).toMatchObject({
      isFake: true,
      imageFormat: 'qcow2',
      auth: { auth_url: 'fake', username: 'fake' },
    });
    expect(p.imageType).toBe('qcow2');
  });

  it('keeps unknown clouds.yaml settings in extra and maps insecure to verify', async () => {
    const clouds = 'clouds:\n  a:\n    cacert: /etc/ssl/ca.pem\n    insecure: true\n';
    const p = await cloudOf('    cloud: a', { clouds });
    expect(p.cloud.extra).toEqual({ cacert: '/etc/ssl/ca.pem' });
    expect(p.cloud.verify).toBe(false);
  });

  it('reports a clouds.yaml that is not valid YAML, naming it', async () => {
    await expect(cloudOf('    cloud: a', { clouds: 'clouds: [\n' })).rejects.toThrow(
      /Cannot read ".*clouds.yaml:\d+:\d+"/,
    );
  });

  it('refuses domain settings with an identity v2.0 auth_url when the config loads', async () => {
    const clouds =
      'clouds:\n  a:\n    auth:\n      auth_url: http://k:5000/v2.0\n      username: u\n      password: p\n      project_name: x\n    domain_name: Default\n';
    await expect(cloudOf('    cloud: a', { clouds })).rejects.toThrow(
      'auth_url "http://k:5000/v2.0" of cloud "a" is identity v2.0, which has no domains, but project_domain_name, user_domain_name are set: remove them or use a v3 auth_url',
    );
  });

  it('moves the project, tenant and domain keys written beside auth into auth, as os-client-config', async () => {
    const clouds =
      'clouds:\n  a:\n    auth_url: http://k/v3\n    username: u\n    password: p\n    tenant_name: t\n    domain_id: d\n    endpoint_type: internal\n    regions:\n      - name: R1\n      - name: R2\n        values:\n          auth:\n            project_name: p2\n';
    const p = await cloudOf('    cloud: a\n    region-name: R2', { clouds });
    expect(p.cloud.auth).toEqual({
      auth_url: 'http://k/v3',
      username: 'u',
      password: 'p',
      project_name: 'p2',
      user_domain_id: 'd',
      project_domain_id: 'd',
    });
    expect(p.cloud.regionName).toBe('R2');
    expect(p.cloud.interface).toBe('internal');
    expect(p.cloud.extra).toEqual({});
  });
});
