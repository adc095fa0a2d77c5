/**
 * Every seed document's configuration, run against the fake cloud, reaches its labels'
 * `min-ready` (issue #11):
 * - seed 002 (infra page): a snapshot image (`base-image` + `setup` from `script-dir`), its
 *   label written as `targets[].images`, the database from the YAML `dburi` (no secure.conf);
 * - seed 004 (2017 walkthrough), its config and its clouds.yaml as written (the project beside
 *   `auth:`, a `regions:` list): provider images `centos-7` and `rdo-newton` (with the 0.3-era
 *   provider-image `ready-script`) built by the builder from their diskimages; then
 *   `nodepool image-upload`, `image-list` and the one-ID `image-delete` on what it built.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { NodePoolBuilder } from '../../../src/builder/index.js';
import { SnapshotImages } from '../../../src/snapshot/index.js';
import { runCli } from '../../support/nodepool-cli.js';
import { captureLog } from '../../support/log-capture.js';
import { seedCloudsYaml, seedConfig } from '../../support/seed-fixtures.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from '../launcher/harness.js';
import { ANY_DIB } from './dib-stand-in.js';
import { FAKE_SSH_SEAM } from '../../support/ssh-seams.js';

const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
const skip = zk.address === null || sqlite === undefined;
if (skip)
  process.stderr.write(`SKIPPED seed configuration tests: ${zk.reason ?? 'SQLite unavailable'}\n`);

describe.skipIf(skip)('Seed configurations against the fake cloud', () => {
  let h: LauncherHarness | null = null;
  const stops: Array<() => Promise<void>> = [];
  const savedEnv = process.env['OS_CLIENT_CONFIG_FILE'];

  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
    await h?.stop();
    h = null;
    if (savedEnv === undefined) delete process.env['OS_CLIENT_CONFIG_FILE'];
    else process.env['OS_CLIENT_CONFIG_FILE'] = savedEnv;
  });

  it('seed 002: keeps 2 ready nodes booted from a snapshot image made by its setup script', async () => {
    const t = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! });
    h = t;
    const scripts = join(t.dir, 'scripts');
    await mkdir(scripts);
    await writeFile(join(scripts, 'prepare_node_tripleo.sh'), '#!/bin/sh\necho prepared\n');
    await chmod(join(scripts, 'prepare_node_tripleo.sh'), 0o755);
    // The cloud has the page's base image.
    const base = [...t.cloud.store.images.values()][0]!;
    base.name = 'Ubuntu Precise 12.04 LTS Server 64-bit';
    await t.writeConfig(
      seedConfig('002-infra.yaml', {
        script_dir: scripts,
        dburi: t.sql.dburi,
        auth_url: 'fake',
        private_key: join(t.dir, 'id_rsa'),
      }),
    );
    // As on the page, there is no secure.conf: the database comes from nodepool.yaml.
    await rm(t.securePath);
    const snapshots = new SnapshotImages({ timing: { settleMs: 0, checkIntervalMs: 200 } });
    stops.push(() => snapshots.stop());
    await t.start({
      integrations: [snapshots],
      providerTuning: { serverListAgeMs: 100, activePollMs: 50, deletePollMs: 50, imagePollMs: 50 },
    });
    const ready = await t.waitReady({ 'tripleo-precise': 2 }, 60_000);
    const [snap] = await t.db.snapshotImages.list();
    expect(snap).toMatchObject({
      providerName: 'tripleo-test-cloud',
      imageName: 'tripleo-precise',
      state: 2,
    });
    // No provider keypair: a temporary key pair was imported for the template server; it goes
    // with the server, after the snapshot (and so maybe after the nodes) is ready.
    expect(
      Object.entries(t.cloud.calls()).some(
        ([k]) => k.startsWith('compute POST') && k.endsWith('/os-keypairs'),
      ),
    ).toBe(true);
    await waitFor(() => t.cloud.snapshot().keypairs.length === 0, {
      timeoutMs: 30_000,
      what: 'the temporary key pair to be deleted',
    });
    const state = t.cloud.snapshot();
    const servers = state.servers;
    for (const n of ready) {
      expect(n.targetName).toBe('fake-jenkins');
      expect(servers.find((s) => s.id === n.externalId)?.imageId).toBe(snap!.externalId);
    }
  });

  it('seed 004 as written (its clouds.yaml too): builds both diskimages, uploads them, keeps 1 ready node per label; the rdo node ran run_packstack.sh; image-upload, image-list, image-delete ID', async () => {
    const t = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! });
    h = t;
    // The walkthrough's clouds.yaml, word for word, at the nodepool user's path.
    const confDir = join(t.dir, 'var/lib/nodepool/.config/openstack');
    await mkdir(confDir, { recursive: true });
    const cloudsPath = join(confDir, 'clouds.yaml');
    await writeFile(
      cloudsPath,
      seedCloudsYaml({
        OS_USERNAME: 'demo',
        OS_PASSWORD: 'secret',
        OS_AUTH_URL: t.cloud.authUrl,
        OS_PROJECT_NAME: 'demo',
        OS_REGION_NAME: 'RegionOne',
      }),
    );
    process.env['OS_CLIENT_CONFIG_FILE'] = cloudsPath;
    // The walkthrough's network.
    const net = [...t.cloud.store.networks.values()].find((n) => n.name === 'private')!;
    net.name = 'defaultnet';
    const imagesDir = join(t.dir, 'dib');
    await mkdir(imagesDir);
    await mkdir(join(t.dir, 'elements'));
    const dib = join(t.dir, 'disk-image-create');
    await writeFile(dib, ANY_DIB);
    await chmod(dib, 0o755);
    const server = t.chroot.servers[0]!;
    // The walkthrough predates ZooKeeper; the builder and nodepoold meet there now. Its
    // `rate: 10.0` (10 s between API calls) is lowered so the test runs in seconds.
    const text =
      seedConfig('004-walkthrough.yaml', {
        elements_dir: join(t.dir, 'elements'),
        images_dir: imagesDir,
      }).replace('rate: 10.0', 'rate: 0.001') +
      `\nzookeeper-servers:\n  - host: ${server.host}\n    port: ${server.port}\n    chroot: ${t.chroot.path}\n`;
    await t.writeConfig(text);
    const builder = new NodePoolBuilder({
      configPath: t.configPath,
      log: pino({ level: process.env['LAUNCHER_TEST_LOG'] ?? 'silent' }),
      buildWorkers: 1,
      uploadWorkers: 1,
      dibCmd: dib,
      hostname: 'nb-seed',
      buildLogDir: join(t.dir, 'logs'),
      // Short loops and upload retries: nothing here waits for a production interval.
      intervals: { buildMs: 100, uploadMs: 100, cleanupMs: 100, errorMs: 100 },
      uploadRetry: { baseMs: 100, maxMs: 400 },
      providerDeps: { tuning: { imagePollMs: 20 } },
    });
    stops.push(() => builder.stop());
    await builder.start();
    const captured = captureLog('info');
    await t.start({
      log: captured.log,
      timing: { intervalMs: 200, deleteTimeoutMs: 30_000, subnodePollMs: 100, stopGraceMs: 5000 },
      providerTuning: { serverListAgeMs: 100, activePollMs: 50, deletePollMs: 50, imagePollMs: 50 },
      ssh: { ...FAKE_SSH_SEAM, retryDelayMs: 100 },
    });
    const readyNodes = await t.waitReady({ 'centos-7': 1, 'rdo-ocata': 1 }, 30_000);
    const rdo = readyNodes.find((n) => n.labelName === 'rdo-ocata')!;
    expect(captured.find('Running ready script').map((l) => l.msg)).toEqual([
      `Running ready script run_packstack.sh on ${rdo.hostname}`,
    ]);
    // The tokens were scoped to the project written beside `auth:` (none is unscoped).
    const tokens = [...t.cloud.store.tokens.values()];
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens.map((tk) => tk.projectName))).toEqual(new Set(['demo']));
    const [rdoBuild] = await t.images.getMostRecentBuilds('dib-rdo-newton', {
      state: 'ready',
      count: 1,
    });
    expect(rdoBuild?.formats).toEqual(['raw']);
    // The config's one warning (the 0.3-era ready-script) is logged once, not at every reload.
    expect(captured.find('0.3-era form')).toHaveLength(1);
    const node = readyNodes.find((n) => n.labelName === 'centos-7');
    // Well within the test's own time limit, so that a failure names what it waited for.
    expect(node).toMatchObject({
      providerName: 'default',
      labelName: 'centos-7',
      targetName: 'default',
    });
    const [build] = await t.images.getMostRecentBuilds('dib-centos-7', {
      state: 'ready',
      count: 1,
    });
    expect(build?.formats).toEqual(['raw']);
    const [first] = await t.images.getMostRecentBuildUploads('dib-centos-7', build!.id, 'default', {
      state: 'ready',
      count: 1,
    });
    expect(t.cloud.snapshot().servers.find((s) => s.id === node!.externalId)?.imageId).toBe(
      first!.externalId,
    );

    // `nodepool image-upload default centos-7`: a new upload of the newest build, now.
    const files = { configPath: t.configPath, securePath: t.securePath };
    const up = await runCli(files, ['image-upload', 'default', 'centos-7']);
    expect(up.status, up.stderr).toBe(0);
    const uploads = await t.images.getUploads('dib-centos-7', build!.id, 'default');
    const ready = uploads.filter((u) => u.state === 'ready');
    expect(ready.length).toBeGreaterThanOrEqual(2);
    const added = ready.find((u) => u.id !== first!.id)!;
    expect(t.cloud.snapshot().images.some((i) => i.id === added.externalId)).toBe(true);

    const list = await runCli(files, ['image-list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`\\| ${build!.id} \\| ${added.id} \\| default +\\| dib-centos-7 +\\|`),
    );
    expect(list.stdout).toMatch(
      /\| default +\| dib-rdo-newton +\| template-rdo-newton-\d+ +\|.*\| ready +\|/,
    );

    // `nodepool image-delete ID` with the upload written as one id.
    const del = await runCli(files, [
      'image-delete',
      `dib-centos-7-${build!.id}-default-${added.id}`,
    ]);
    expect(del).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await t.images.getUpload('dib-centos-7', build!.id, 'default', added.id))?.state).toBe(
      'deleting',
    );
    await waitFor(
      async () =>
        (await t.images.getUpload('dib-centos-7', build!.id, 'default', added.id)) === null,
      {
        timeoutMs: 20_000,
        what: 'the builder to delete the marked upload',
      },
    );
  });
});
