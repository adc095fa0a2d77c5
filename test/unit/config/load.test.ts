import { mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/index.js';
import {
  compatYamlFiles,
  upstreamVerdict,
  writeCompatFixture,
} from '../../support/compat-fixtures.js';

function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-load-'));
  return { dir, env: { HOME: join(dir, 'home') } };
}

async function loadText(text: string, opts: { secure?: string } = {}) {
  const { dir, env } = sandbox();
  const path = join(dir, 'nodepool.yaml');
  writeFileSync(path, text);
  let securePath: string | undefined;
  if (opts.secure !== undefined) {
    securePath = join(dir, 'secure.conf');
    writeFileSync(securePath, opts.secure);
  }
  return loadConfig(path, { cwd: dir, env, ...(securePath ? { securePath } : {}) });
}

const MINIMAL = `providers:
  - name: p1
    auth-url: fake
    max-servers: 4
    images:
      - name: img
        min-ram: 1024
labels:
  - name: l1
    image: img
    providers:
      - name: p1
`;

// Loadable accepted fixtures: integration_osc.yaml needs a clouds.yaml (see clouds.test.ts).
const LOADABLE = compatYamlFiles().filter(
  (f) => upstreamVerdict(f, true) === 'accept' && f !== 'integration_osc.yaml',
);

describe('loadConfig on the upstream fixtures', () => {
  it.each(LOADABLE)("loads %s with upstream's defaults", async (name) => {
    const { dir, env } = sandbox();
    const config = await loadConfig(writeCompatFixture(name, { dir }), { cwd: dir, env });
    expect(Object.isFrozen(config) && Object.isFrozen(config.providers)).toBe(true);
    expect(config.warnings).toEqual([]);
    for (const p of config.providers) {
      expect(p.driver).toBe('openstack');
      for (const i of p.images) {
        expect(i.username).toMatch(/^(jenkins|.+)$/);
        expect(i.privateKey.length).toBeGreaterThan(0);
      }
    }
    // Every label's image is offered by each of its providers, every image has a diskimage.
    for (const l of config.labels) {
      for (const lp of l.providers) {
        expect(
          config.providers.find((p) => p.name === lp.name)?.images.map((i) => i.name),
        ).toContain(l.image);
      }
    }
  });

  it('applies the defaults docs/configuration.md to node.yaml', async () => {
    const { dir, env } = sandbox();
    const c = await loadConfig(writeCompatFixture('node.yaml', { dir }), { cwd: dir, env });
    const p = c.providers[0]!;
    expect(p).toMatchObject({
      bootTimeoutMs: 60_000,
      launchTimeoutMs: 3_600_000,
      rateMs: 0.1,
      ipv6Preferred: false,
      cleanFloatingIps: false,
      templateHostname: 'template-{image.name}-{timestamp}',
      imageType: 'qcow2',
      maxServers: 96,
      pool: 'fake',
    });
    expect(p.images[0]).toMatchObject({
      username: 'jenkins',
      userHome: '/home/jenkins',
      privateKey: '/var/lib/jenkins/.ssh/id_rsa',
      pause: false,
      diskimage: 'fake-image',
      minRam: 8192,
      nameFilter: 'Fake',
    });
    expect(p.networks).toEqual([{ id: 'some-uuid' }]);
    expect(c.labels[0]).toMatchObject({ minReady: 1, subnodes: 0 });
    expect(c.targets[0]).toMatchObject({
      hostname: '{label.name}-{provider.name}-{node_id}',
      subnodeHostname: '{label.name}-{provider.name}-{node_id}-{subnode_id}',
      rateMs: 1000,
      assignViaGearman: false,
      jenkins: {},
    });
    expect(c.diskimages[0]).toMatchObject({
      release: '21',
      rebuildAgeMs: 86_400_000,
      pause: false,
      imageTypes: ['qcow2'],
      elements: ['fedora', 'vm'],
    });
    expect(c.gearmanServers).toEqual([{ host: 'localhost', port: 4730 }]);
    expect(c.zookeeperServers).toEqual([
      { host: 'localhost', port: 2181, chroot: '/nodepool_test/abc_1' },
    ]);
    expect(c.cron.cleanup.parserSpec).toBe('0 */1 * * * *');
    expect(c.dburi).toBeUndefined();
  });

  it('defaults min-ready to 2, the crons, ports and empty sections when absent', async () => {
    const c = await loadText(MINIMAL);
    expect(c.labels[0]!.minReady).toBe(2);
    expect(c.cron.cleanup.spec).toBe('* * * * *');
    expect(c.cron.check.spec).toBe('*/15 * * * *');
    expect(c.cron.updateImage.spec).toBe('14 2 * * *');
    expect([
      c.zmqPublishers,
      c.gearmanServers,
      c.zookeeperServers,
      c.targets,
      c.diskimages,
    ]).toEqual([[], [], [], [], []]);
  });

  it('reads the six-field cron of leaked_node.yaml with seconds first for cron-parser', async () => {
    const { dir, env } = sandbox();
    const c = await loadConfig(writeCompatFixture('leaked_node.yaml', { dir }), { cwd: dir, env });
    expect(c.cron.cleanup).toEqual({ spec: '* * * * * *', parserSpec: '* * * * * *' });
  });

  it('collects image types per diskimage (node_vhd_and_qcow2.yaml)', async () => {
    const { dir, env } = sandbox();
    const c = await loadConfig(writeCompatFixture('node_vhd_and_qcow2.yaml', { dir }), {
      cwd: dir,
      env,
    });
    expect(c.diskimages[0]!.imageTypes).toEqual(['qcow2', 'vhd']);
  });

  it('merges secure.conf: dburi and Jenkins credentials of a target', async () => {
    const c = await loadText(
      `${MINIMAL}targets:\n  - name: t1\n    jenkins:\n      test-job: smoke\n      url: http://ignored/\n`,
      {
        secure:
          '[database]\ndburi=mysql+pymysql://np:pw@db/nodepool\n[jenkins "t1"]\nurl=https://j/\nuser=u\napikey=k\ncredentials=c\n',
      },
    );
    expect(c.dburi).toBe('mysql+pymysql://np:pw@db/nodepool');
    expect(c.targets[0]!.jenkins).toEqual({
      url: 'https://j/',
      user: 'u',
      apikey: 'k',
      credentialsId: 'c',
      testJob: 'smoke',
    });
  });
});

describe('loadConfig with 0.3-era keys', () => {
  const OLD = `script-dir: /etc/nodepool/scripts
dburi: 'mysql://nodepool@localhost/nodepool'
cron:
  update-image: '14 3 * * *'
providers:
  - name: p1
    auth-url: fake
    max-servers: 2
    images:
      - name: snap
        base-image: 'Ubuntu 12.04'
        setup: prepare_node.sh
        min-ram: 8192
      - name: centos-7
        diskimage: dib-centos-7
        min-ram: 8192
labels:
  - name: l1
    image: snap
    providers:
      - name: p1
diskimages:
  - name: dib-centos-7
`;

  it('maps images to differently named diskimages, keeps snapshot images and the yaml dburi', async () => {
    const c = await loadText(OLD);
    expect(c.scriptDir).toBe('/etc/nodepool/scripts');
    expect(c.dburi).toBe('mysql://nodepool@localhost/nodepool');
    expect(c.cron.updateImage.spec).toBe('14 3 * * *');
    expect(c.providers[0]!.images.map((i) => [i.name, i.diskimage, i.baseImage, i.setup])).toEqual([
      ['snap', 'snap', 'Ubuntu 12.04', 'prepare_node.sh'],
      ['centos-7', 'dib-centos-7', undefined, undefined],
    ]);
    expect(c.diskimages[0]!.imageTypes).toEqual(['qcow2']);
  });

  it('passes config-validate too', async () => {
    const { dir } = sandbox();
    const path = join(dir, 'old.yaml');
    writeFileSync(path, OLD);
    await expect(validateConfig(path)).resolves.toEqual([]);
  });

  it('prefers the dburi of secure.conf over the yaml one', async () => {
    const c = await loadText(OLD, { secure: '[database]\ndburi=sqlite://\n' });
    expect(c.dburi).toBe('sqlite://');
  });
});

describe('loadConfig versus validateConfig', () => {
  it("tolerates what only upstream's validator rejects, listing it in warnings", async () => {
    const text = MINIMAL.replace(
      '    max-servers: 4\n',
      '    max-servers: 4\n    rate: 2\n    flavour: big\n',
    );
    const c = await loadText(text);
    expect(c.providers[0]!.rateMs).toBe(2000);
    expect(c.warnings.map((w) => [w.path.join('.'), w.message, w.line])).toEqual([
      ['providers.0.rate', 'expected a float such as 2.0, got 2', 5],
      [
        'providers.0.flavour',
        'unknown key; allowed here: api-timeout, auth-url, availability-zones, boot-timeout, clean-floating-ips, cloud, driver, image-type, images, ipv6-preferred, keypair, launch-attempts, launch-timeout, max-servers, name, networks, password, pool, project-id, project-name, rate, region-name, service-name, service-type, template-hostname, username',
        6,
      ],
    ]);
    const { dir } = sandbox();
    const path = join(dir, 'n.yaml');
    writeFileSync(path, text);
    const err = await validateConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(2);
  });

  it('does not require providers and labels when loading, but validation does', async () => {
    const c = await loadText('zookeeper-servers:\n  - host: zk1\n');
    expect(c.providers).toEqual([]);
    const { dir } = sandbox();
    const path = join(dir, 'n.yaml');
    writeFileSync(path, 'zookeeper-servers:\n  - host: zk1\n');
    await expect(validateConfig(path)).rejects.toThrow(
      /missing required key "providers" .*; missing required key "labels"/,
    );
  });

  it("rejects what would crash upstream's loader, listing every problem", async () => {
    const err = await loadText(
      'providers:\n  - name: p1\n    images: []\n  - max-servers: x\n    images: []\n',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'providers.0: missing required key "max-servers"',
      'providers.1.max-servers: expected an integer, got "x"',
      'providers.1: missing required key "name"',
    ]);
  });

  it('warns when upstream would drop an image meta map', async () => {
    const meta = Array.from({ length: 6 }, (_, i) => `          k${i}: v`).join('\n');
    const c = await loadText(
      MINIMAL.replace('        min-ram: 1024\n', `        min-ram: 1024\n        meta:\n${meta}\n`),
    );
    expect(c.providers[0]!.images[0]!.meta).toEqual({});
    expect(c.warnings[0]!.message).toMatch(/^ignored: more than 5 entries/);
  });
});

describe('loadConfig file handling', () => {
  it('retries a missing file, so an editor replacing it does not fail a reload', async () => {
    const { dir, env } = sandbox();
    const path = join(dir, 'nodepool.yaml');
    const loading = loadConfig(path, { cwd: dir, env });
    await writeFile(path, MINIMAL);
    await expect(loading).resolves.toMatchObject({ providers: [{ name: 'p1' }] });
  });

  it('gives up on a missing file after its retries with one clear problem', async () => {
    const { dir, env } = sandbox();
    const err = await loadConfig(join(dir, 'none.yaml'), {
      cwd: dir,
      env,
      retryMissing: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.message)).toEqual([
      'Cannot read the file: the file does not exist',
    ]);
  });
});
