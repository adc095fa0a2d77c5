/**
 * Seed 004 (2017 walkthrough) as written against the REAL OpenStack of `../shared/realcloud`
 * (issue #14), in a throw-away project: its clouds.yaml word for word (the project beside
 * `auth:`, a `regions:` list, no domain keys), its nodepool.yaml with `rate: 10.0` kept, the
 * builder building and uploading both diskimages to Glance, nodepoold keeping one ready node
 * per label (the rdo node runs run_packstack.sh), then `nodepool image-upload`, `image-list`
 * and `image-delete ID`. Runs only with NODEPOOL_TEST_REAL_OPENSTACK=1; it takes minutes
 * (10 s between two API calls, as the seed has it).
 *
 * Changes a reader would make too: the network is the cloud's (`private`, the walkthrough
 * says to put a valid name there), a flavor with 8192 MB exists for `rdo-newton`'s
 * `min-ram`, and `zookeeper-servers` is added. Nothing boots in realcloud, so SSH goes to
 * in-memory sessions (`fake-<ip>`), whose commands the launcher logs.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NodePoolBuilder } from '../../../src/builder/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { ProviderSet } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { captureLog } from '../../support/log-capture.js';
import { runCli } from '../../support/nodepool-cli.js';
import { REALCLOUD_DIR, createRealCloudProject, ensureRealCloud } from '../../support/realcloud.js';
import type { RealCloudProject } from '../../support/realcloud.js';
import { seedCloudsYaml, seedConfig } from '../../support/seed-fixtures.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { FAKE_SSH_SEAM } from '../../support/ssh-seams.js';
import { LauncherHarness } from '../launcher/harness.js';
import { ANY_DIB } from './dib-stand-in.js';

const enabled = process.env['NODEPOOL_TEST_REAL_OPENSTACK'] === '1';
const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
const skip = !enabled
  ? `NODEPOOL_TEST_REAL_OPENSTACK is not 1 (set it to run seed 004 against ${REALCLOUD_DIR})`
  : zk.address === null
    ? zk.reason
    : sqlite === undefined
      ? 'SQLite unavailable'
      : null;
if (skip !== null)
  process.stderr.write(`\n*** SKIPPED: seed 004 against the real OpenStack: ${skip} ***\n\n`);

describe.skipIf(skip !== null)('Seed 004 as written against the real OpenStack', () => {
  let project: RealCloudProject;
  let dropFlavor: (() => Promise<void>) | null = null;
  let h: LauncherHarness | null = null;
  let builder: NodePoolBuilder | null = null;
  const savedEnv = process.env['OS_CLIENT_CONFIG_FILE'];

  beforeAll(async () => {
    await ensureRealCloud();
    project = await createRealCloudProject();
    dropFlavor = await project.createFlavor(`np-seed-8g-${project.projectName}`, 8192);
  }, 900_000);

  afterAll(async () => {
    const steps: Array<() => Promise<unknown>> = [
      async () => builder?.stop(),
      async () => h?.stopLauncher(),
      async () => (h === null ? undefined : emptyProject(h)),
      async () => h?.stop(),
      async () => dropFlavor?.(),
      async () => project?.remove(),
    ];
    for (const s of steps) {
      try {
        await s();
      } catch (err) {
        process.stderr.write(`seed 004 realcloud cleanup: ${String(err)}\n`);
      }
    }
    if (savedEnv === undefined) delete process.env['OS_CLIENT_CONFIG_FILE'];
    else process.env['OS_CLIENT_CONFIG_FILE'] = savedEnv;
  }, 600_000);

  /** Deletes every server, floating IP and image of the project, with a fast provider. */
  async function emptyProject(t: LauncherHarness): Promise<void> {
    const config = await loadConfig(t.configPath);
    const set = new ProviderSet({ log: pino({ level: 'silent' }), stats: createNoopStats() });
    try {
      await set.reconfigure(config.providers.map((p) => ({ ...p, rateMs: 0 })));
      const p = set.get('default')!;
      const servers = await p.listServers();
      for (const s of servers) await p.deleteServer(s.id);
      for (const s of servers) await p.waitForServerDeletion(s.id, { timeoutMs: 120_000 });
      await p.cleanFloatingIps?.();
      for (const i of await p.listImages())
        if (/^template-(centos-7|rdo-newton)-/.test(i.name)) await p.deleteImage(i.id);
    } finally {
      await set.stop();
    }
  }

  it('builds and uploads both diskimages, keeps one ready node per label (rdo ran run_packstack.sh); image-upload, image-list, image-delete ID', async () => {
    const t = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! });
    h = t;
    const confDir = join(t.dir, 'var/lib/nodepool/.config/openstack');
    await mkdir(confDir, { recursive: true });
    const cloudsPath = join(confDir, 'clouds.yaml');
    await writeFile(
      cloudsPath,
      seedCloudsYaml({
        OS_USERNAME: project.username,
        OS_PASSWORD: project.password,
        OS_AUTH_URL: project.authUrl,
        OS_PROJECT_NAME: project.projectName,
        OS_REGION_NAME: project.regionName,
      }),
    );
    process.env['OS_CLIENT_CONFIG_FILE'] = cloudsPath;
    const imagesDir = join(t.dir, 'dib');
    await mkdir(imagesDir);
    await mkdir(join(t.dir, 'elements'));
    const dib = join(t.dir, 'disk-image-create');
    await writeFile(dib, ANY_DIB);
    await chmod(dib, 0o755);
    const server = t.chroot.servers[0]!;
    const text =
      seedConfig('004-walkthrough.yaml', {
        elements_dir: join(t.dir, 'elements'),
        images_dir: imagesDir,
      }).replace('- name: defaultnet', '- name: private') +
      `\nzookeeper-servers:\n  - host: ${server.host}\n    port: ${server.port}\n    chroot: ${t.chroot.path}\n`;
    expect(text).toContain('rate: 10.0');
    await t.writeConfig(text);
    const captured = captureLog('info');
    builder = new NodePoolBuilder({
      configPath: t.configPath,
      log: captured.log.child({ name: 'nodepool.builder' }),
      buildWorkers: 1,
      uploadWorkers: 2,
      dibCmd: dib,
      hostname: 'nb-seed-real',
      buildLogDir: join(t.dir, 'logs'),
      intervals: { buildMs: 1000, uploadMs: 1000, cleanupMs: 5000, errorMs: 1000 },
      uploadRetry: { baseMs: 1000, maxMs: 5000 },
      providerDeps: { tuning: { imagePollMs: 1000 } },
    });
    await builder.start();
    await t.start({
      log: captured.log,
      timing: {
        intervalMs: 2000,
        deleteTimeoutMs: 300_000,
        subnodePollMs: 1000,
        stopGraceMs: 5000,
      },
      providerTuning: {
        serverListAgeMs: 5000,
        activePollMs: 2000,
        deletePollMs: 2000,
        imagePollMs: 2000,
      },
      ssh: { ...FAKE_SSH_SEAM, retryDelayMs: 500 },
    });
    const ready = await t.waitReady({ 'centos-7': 1, 'rdo-ocata': 1 }, 1_200_000);
    const rdo = ready.find((n) => n.labelName === 'rdo-ocata')!;
    expect(captured.find('Running ready script').map((l) => l.msg)).toContain(
      `Running ready script run_packstack.sh on ${rdo.hostname}`,
    );
    expect(captured.find('unscoped token')).toEqual([]);

    const [build] = await t.images.getMostRecentBuilds('dib-centos-7', {
      state: 'ready',
      count: 1,
    });
    const files = { configPath: t.configPath, securePath: t.securePath };
    const up = await runCli(files, ['image-upload', 'default', 'centos-7']);
    expect(up.status, up.stderr).toBe(0);
    const uploads = (await t.images.getUploads('dib-centos-7', build!.id, 'default')).filter(
      (u) => u.state === 'ready',
    );
    expect(uploads.length).toBeGreaterThanOrEqual(2);
    const added = uploads.reduce((a, b) => (a.id > b.id ? a : b));
    const list = await runCli(files, ['image-list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`\\| ${build!.id} \\| ${added.id} \\| default +\\| dib-centos-7 +\\|`),
    );
    const del = await runCli(files, [
      'image-delete',
      `dib-centos-7-${build!.id}-default-${added.id}`,
    ]);
    expect(del).toEqual({ status: 0, stdout: '', stderr: '' });
    await waitFor(
      async () =>
        (await t.images.getUpload('dib-centos-7', build!.id, 'default', added.id)) === null,
      {
        timeoutMs: 300_000,
        intervalMs: 2000,
        what: 'the builder to delete the marked upload from Glance',
      },
    );
  }, 1_800_000);
});
