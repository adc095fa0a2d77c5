/**
 * `nodepool alien-list` and `alien-image-list` end to end: two fake clouds over HTTP on
 * 127.0.0.1:0, a real SQLite database, real ZooKeeper, and a third provider whose cloud is
 * unreachable (the table of the others, then an error line and exit status 1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { openDatabase } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { DEFAULT_KNOBS, FakeCloud } from '../../../src/fakecloud/index.js';
import { DriverRegistry } from '../../../src/provider/index.js';
import type { Provider, ServerInfo } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { ImageBuilds } from '../../../src/zk/index.js';
import { runCli, runCliChild } from '../../support/nodepool-cli.js';
import type { CliFiles } from '../../support/nodepool-cli.js';
import { freePort } from '../../support/zookeeper.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED alien CLI tests: ${reason}\n`);

/** A 0.3-era snapshot image entry of a provider's `images`. */
const SNAPSHOT_IMAGE_YAML = `      - name: snap-image
        base-image: 'Fake Precise'
        setup: prepare_node.sh
        min-ram: 8192
`;

function providerYaml(name: string, authUrl: string, withSnapshotImage = false): string {
  return `  - name: ${name}
    region-name: RegionOne
    username: demo
    password: secret
    project-name: demo
    auth-url: ${authUrl}
    api-timeout: 5
    rate: 0.001
    max-servers: 4
    images:
      - name: fake-image
        min-ram: 8192
${withSnapshotImage ? SNAPSHOT_IMAGE_YAML : ''}`;
}

/** nodepool.yaml over the clouds; `snapshotIn` names the provider that also has a snapshot image. */
function nodepoolYaml(clouds: Record<string, string>, zk: string, snapshotIn?: string): string {
  return `zookeeper-servers:
${zk}
labels:
  - name: fake-label
    image: fake-image
    min-ready: 0
    providers:
${Object.keys(clouds)
  .map((n) => `      - name: ${n}\n`)
  .join('')}providers:
${Object.entries(clouds)
  .map(([n, url]) => providerYaml(n, url, n === snapshotIn))
  .join('')}targets:
  - name: fake-target
diskimages:
  - name: fake-image
    elements: [fedora, vm]
`;
}

/** Rows of a table printed by the CLI, as arrays of trimmed cells, header excluded. */
function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(1)
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

describe.skipIf(address === null)('nodepool alien-list and alien-image-list', () => {
  const fx = useZkFixture(address);
  const log = pino({ level: 'silent' });
  let cloudA: FakeCloud;
  let cloudB: FakeCloud;
  let deadUrl: string;
  let dir: string;
  let files: CliFiles;
  let db: Database;
  let providers: Map<string, Provider>;
  let clouds: Record<string, string>;
  let zkYaml: string;

  beforeAll(async () => {
    const knobs = { ...DEFAULT_KNOBS, buildDelayMs: 0 };
    cloudA = new FakeCloud({ ...knobs });
    cloudB = new FakeCloud({ ...knobs });
    await cloudA.start();
    await cloudB.start();
    deadUrl = `http://127.0.0.1:${await freePort()}/v3`;
  });
  afterAll(async () => {
    await cloudA?.stop();
    await cloudB?.stop();
  });

  beforeEach(async () => {
    cloudA.reset();
    cloudB.reset();
    dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-alien-'));
    files = {
      configPath: path.join(dir, 'nodepool.yaml'),
      securePath: path.join(dir, 'secure.conf'),
    };
    zkYaml = `  - host: ${address!.host}\n    port: ${address!.port}\n    chroot: ${fx.chroot.path}`;
    clouds = { 'cloud-a': cloudA.authUrl, 'cloud-b': cloudB.authUrl, 'cloud-dead': deadUrl };
    await writeFile(files.configPath, nodepoolYaml(clouds, zkYaml));
    const dburi = `sqlite:///${path.join(dir, 'nodepool.db')}`;
    await writeFile(files.securePath, `[database]\ndburi=${dburi}\n`);
    db = await openDatabase(dburi);
    const config = await loadConfig(files.configPath, { securePath: files.securePath });
    const registry = new DriverRegistry();
    providers = new Map();
    for (const c of config.providers.filter((p) => p.name !== 'cloud-dead')) {
      const p = registry.create(c, {
        log,
        stats: createNoopStats(),
        tuning: { activePollMs: 50, imagePollMs: 50, serverListAgeMs: 50 },
      });
      await p.start();
      providers.set(c.name, p);
    }
  });
  afterEach(async () => {
    for (const p of providers.values()) await p.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function boot(provider: string, name: string): Promise<ServerInfo> {
    const p = providers.get(provider)!;
    const base = (await p.listImages()).find((i) => i.name === 'Fake Precise')!;
    const created = await p.createServer({ name, imageId: base.id, minRam: 8192 });
    return p.waitForServer(created.id, { timeoutMs: 30_000 });
  }

  it('lists servers no node or subnode row claims, per provider, and fails after the table for a dead cloud', async () => {
    const known = await boot('cloud-a', 'known-node');
    const sub = await boot('cloud-a', 'known-subnode');
    const alienA = await boot('cloud-a', 'alien-a');
    const alienB = await boot('cloud-b', 'alien-b');
    const node = await db.nodes.create({
      providerName: 'cloud-a',
      labelName: 'fake-label',
      targetName: 'fake-target',
      externalId: known.id,
    });
    await db.subnodes.create({ nodeId: node.id, externalId: sub.id });
    // A row of another provider does not claim cloud-a's server.
    await db.nodes.create({
      providerName: 'cloud-b',
      labelName: 'fake-label',
      targetName: 'fake-target',
      externalId: alienA.id,
    });

    // A child process, so that the error line on stderr is captured too.
    const r = await runCliChild(files, ['alien-list']);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n')[1]).toMatch(/^\| Provider +\| Hostname +\| Server ID +\| IP +\|$/);
    expect(rows(r.stdout)).toEqual([
      ['cloud-a', 'alien-a', alienA.id, alienA.publicIpv4],
      ['cloud-b', 'alien-b', alienB.id, alienB.publicIpv4],
    ]);
    expect(alienA.publicIpv4).toMatch(/^127\./);
    expect(r.stderr).toMatch(/^Cannot list provider "cloud-dead": .+\n$/);

    const onlyB = await runCli(files, ['alien-list', 'cloud-b', '--json']);
    expect(JSON.parse(onlyB.stdout)).toEqual([
      { provider: 'cloud-b', hostname: 'alien-b', serverId: alienB.id, ip: alienB.publicIpv4 },
    ]);
  });

  it('refuses an unknown provider with status 2, naming the configured ones', async () => {
    await boot('cloud-a', 'alien-a');
    for (const verb of ['alien-list', 'alien-image-list']) {
      const r = await runCliChild(files, [verb, 'nope']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'Cannot find provider "nope" in the configuration: configured providers are cloud-a, cloud-b, cloud-dead\n',
      );
    }
  });

  it('lists nodepool images that no ready upload of a configured image claims', async () => {
    const file = path.join(dir, 'image.qcow2');
    await writeFile(file, 'not really an image');
    const a = providers.get('cloud-a')!;
    const upload = (name: string, properties: Record<string, string>) =>
      a.uploadImage!({ name, filename: file, diskFormat: 'qcow2', properties });
    const ready = await upload('fake-image-ready', { nodepool_build_id: '0000000000' });
    const deleting = await upload('fake-image-deleting', { nodepool_build_id: '0000000000' });
    const stray = await upload('fake-image-stray', { nodepool_build_id: '0000000007' });
    const removed = await upload('removed-image-ready', { nodepool_build_id: '0000000000' });
    await upload('someone-elses-image', { purpose: 'ops' });
    const images = new ImageBuilds(await fx.client());
    const bid = await images.storeBuild('fake-image', { state: 'ready', builder: 'nb01' });
    await images.storeUpload('fake-image', bid, 'cloud-a', {
      state: 'ready',
      externalId: ready.id,
      externalName: ready.name,
    });
    await images.storeUpload('fake-image', bid, 'cloud-a', {
      state: 'deleting',
      externalId: deleting.id,
    });
    // Ready, but for an image cloud-a no longer lists: still an alien (upstream's rule).
    const old = await images.storeBuild('removed-image', { state: 'ready' });
    await images.storeUpload('removed-image', old, 'cloud-a', {
      state: 'ready',
      externalId: removed.id,
    });

    const r = await runCli(files, ['alien-image-list', 'cloud-a']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[1]).toMatch(/^\| Provider +\| Name +\| Image ID +\|$/);
    const got = rows(r.stdout).sort((x, y) => x[1]!.localeCompare(y[1]!));
    expect(got).toEqual([
      ['cloud-a', 'fake-image-deleting', deleting.id],
      ['cloud-a', 'fake-image-stray', stray.id],
      ['cloud-a', 'removed-image-ready', removed.id],
    ]);

    const all = await runCliChild(files, ['alien-image-list', '--json']);
    expect(all.status).toBe(1);
    expect((JSON.parse(all.stdout) as Array<{ provider: string }>).map((x) => x.provider)).toEqual([
      'cloud-a',
      'cloud-a',
      'cloud-a',
    ]);
    expect(all.stderr).toMatch(/^Cannot list provider "cloud-dead": .+\n$/);
  });

  it('with snapshot images, also lists server snapshots that no ready or building snapshot_image row claims', async () => {
    const a = providers.get('cloud-a')!;
    const template = await boot('cloud-a', 'template-snap-image');
    const snap = (name: string) =>
      a.createSnapshot!(template.id, { name, metadata: { purpose: 'test' }, timeoutMs: 30_000 });
    const ready = await snap('snap-ready');
    const building = await snap('snap-building');
    const deleting = await snap('snap-deleting');
    const orphan = await snap('snap-orphan');
    const otherProvider = await snap('snap-of-cloud-b');
    const file = path.join(dir, 'image.qcow2');
    await writeFile(file, 'not really an image');
    const stray = await a.uploadImage!({
      name: 'fake-image-stray',
      filename: file,
      diskFormat: 'qcow2',
      properties: { nodepool_build_id: '0000000007' },
    });
    const row = async (
      provider: string,
      externalId: string | null,
      state: 'ready' | 'building' | 'delete',
    ) => {
      const r = await db.snapshotImages.create(provider, 'snap-image');
      await db.snapshotImages.update(r.id, { externalId, state });
    };
    await row('cloud-a', ready.id, 'ready');
    await row('cloud-a', building.id, 'building');
    await row('cloud-a', null, 'building');
    await row('cloud-a', deleting.id, 'delete');
    // A row of another provider does not claim cloud-a's snapshot.
    await row('cloud-b', otherProvider.id, 'ready');
    const byName = (t: string) => rows(t).sort((x, y) => x[1]!.localeCompare(y[1]!));

    // A 0.4.0 file (no snapshot image): snapshots are not nodepool images; output as before.
    const before = await runCli(files, ['alien-image-list', 'cloud-a']);
    expect(before.status, before.stderr).toBe(0);
    expect(byName(before.stdout)).toEqual([['cloud-a', 'fake-image-stray', stray.id]]);

    await writeFile(files.configPath, nodepoolYaml(clouds, zkYaml, 'cloud-a'));
    const r = await runCli(files, ['alien-image-list', 'cloud-a']);
    expect(r.status, r.stderr).toBe(0);
    expect(byName(r.stdout)).toEqual([
      ['cloud-a', 'fake-image-stray', stray.id],
      ['cloud-a', 'snap-deleting', deleting.id],
      ['cloud-a', 'snap-of-cloud-b', otherProvider.id],
      ['cloud-a', 'snap-orphan', orphan.id],
    ]);
    // The template server's base image is no snapshot: never listed.
    expect(r.stdout).not.toContain('Fake Precise');

    // Without zookeeper-servers, the snapshot rows alone are known (no ZooKeeper needed).
    const noZkYaml = nodepoolYaml(clouds, zkYaml, 'cloud-a').replace(
      /^zookeeper-servers:\n(  .*\n)+/,
      '',
    );
    expect(noZkYaml).not.toContain('zookeeper');
    await writeFile(files.configPath, noZkYaml);
    const noZk = await runCli(files, ['alien-image-list', 'cloud-a', '--json']);
    expect(noZk.status, noZk.stderr).toBe(0);
    expect((JSON.parse(noZk.stdout) as Array<{ name: string }>).map((x) => x.name).sort()).toEqual([
      'fake-image-stray',
      'snap-deleting',
      'snap-of-cloud-b',
      'snap-orphan',
    ]);
  });
});
