/**
 * nodepoold's launcher (in process, `createLauncherService`) against the REAL OpenStack of
 * `../shared/realcloud` (issue #6), in a throw-away project: an image is uploaded to Glance
 * through the provider driver and its upload record written in ZooKeeper; two labels reach
 * min-ready; a node marked for deletion is replaced; then the pool is drained (min-ready 0,
 * `max-servers: -1`, the remaining nodes deleted) and the project holds no server and no
 * floating IP. Runs only with NODEPOOL_TEST_REAL_OPENSTACK=1.
 *
 * SSH: the real cloud's servers get 127.100.0.x / 127.200.0.x addresses and nothing boots,
 * so the launcher's SSH seam sends every node's SSH to a real local OpenSSH server
 * (test/support/sshd.ts), as the current user; `/etc/nodepool` is a temp dir there.
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { openDatabase, stateName } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { createLauncherService } from '../../../src/launcher/index.js';
import type { LauncherService } from '../../../src/launcher/index.js';
import { ProviderSet } from '../../../src/provider/index.js';
import type { Provider } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { REALCLOUD_DIR, createRealCloudProject, ensureRealCloud } from '../../support/realcloud.js';
import type { RealCloudProject } from '../../support/realcloud.js';
import { startSshd } from '../../support/sshd.js';
import type { Sshd } from '../../support/sshd.js';
import { createTestDatabase } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { makeTestChroot } from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';
import { redirectSeam } from '../../support/ssh-seams.js';

const enabled = process.env['NODEPOOL_TEST_REAL_OPENSTACK'] === '1';
const zk = sharedZooKeeper();
const skip = !enabled
  ? `NODEPOOL_TEST_REAL_OPENSTACK is not 1 (set it to run nodepoold against ${REALCLOUD_DIR})`
  : zk.address === null
    ? zk.reason
    : null;
if (skip !== null)
  process.stderr.write(`\n*** SKIPPED: nodepoold against the real OpenStack: ${skip} ***\n\n`);

const LABELS = { small: 2, large: 1 };
/** clouds.yaml `api_timeout` (s): the bound of every cloud call. */
const API_TIMEOUT_S = 60;
/**
 * The launcher's `deleteTimeoutMs` here: how long one deletion waits for its server to leave
 * Nova's list before it fails (and the next cleanup, every 2 s here, tries it again).
 */
const DELETE_TIMEOUT_MS = 180_000;
/**
 * What the daemon promises for the drain: a marked node is taken by the next pass or
 * cleanup run (2 s), its calls before the wait take at most one slow call (`api_timeout`;
 * they normally take well under a second) and the wait at most `DELETE_TIMEOUT_MS`.
 */
const DRAIN_TIMEOUT_MS = DELETE_TIMEOUT_MS + API_TIMEOUT_S * 1000 + 2000;

describe.skipIf(skip !== null)('nodepoold against the real OpenStack', () => {
  let project: RealCloudProject;
  let sshd: Sshd;
  let sql: TestDatabase;
  let db: Database;
  let chroot: TestChroot;
  let client: ZkClient;
  let dir: string;
  let providers: ProviderSet;
  let provider: Provider;
  let launcher: LauncherService | null = null;
  let imageId: string | null = null;

  function configText(labels: Record<string, number>, maxServers: number): string {
    const server = chroot.servers[0]!;
    return [
      'cron:',
      // Six fields, the last one seconds (upstream's format): every 2 s.
      "  cleanup: '* * * * * */2'",
      "  check: '0 0 1 1 *'",
      'zookeeper-servers:',
      `  - host: ${server.host}`,
      `    port: ${server.port}`,
      `    chroot: ${server.chroot}`,
      'labels:',
      ...Object.entries(labels).flatMap(([name, n]) => [
        `  - name: ${name}`,
        '    image: e2e-image',
        `    min-ready: ${n}`,
        '    providers:',
        '      - name: realcloud',
      ]),
      'providers:',
      '  - name: realcloud',
      '    cloud: realcloud-e2e',
      `    max-servers: ${maxServers}`,
      '    rate: 0.1',
      '    boot-timeout: 60',
      '    launch-timeout: 180',
      '    networks:',
      '      - name: private',
      '    images:',
      '      - name: e2e-image',
      '        min-ram: 512',
      `        username: ${sshd.user}`,
      `        private-key: ${sshd.privateKeyPath}`,
      'targets:',
      '  - name: e2e',
      '',
    ].join('\n');
  }

  async function writeConfig(labels: Record<string, number>, maxServers: number): Promise<void> {
    await writeFile(path.join(dir, 'nodepool.yaml.tmp'), configText(labels, maxServers));
    const { rename } = await import('node:fs/promises');
    await rename(path.join(dir, 'nodepool.yaml.tmp'), path.join(dir, 'nodepool.yaml'));
  }

  beforeAll(async () => {
    await ensureRealCloud();
    project = await createRealCloudProject();
    sshd = await startSshd();
    await mkdir(path.join(sshd.dir, 'etc-nodepool'));
    sql = await createTestDatabase({ name: 'sqlite', available: true });
    db = await openDatabase(sql.dburi, { poolMax: 1 });
    chroot = makeTestChroot([zk.address!]);
    client = new ZkClient({ servers: chroot.servers });
    await client.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'np-realcloud-e2e-'));
    await writeFile(
      path.join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  realcloud-e2e:',
        '    auth:',
        `      auth_url: ${project.authUrl}`,
        `      username: ${project.username}`,
        `      password: ${project.password}`,
        `      project_name: ${project.projectName}`,
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        `    region_name: ${project.regionName}`,
        '    identity_api_version: 3',
        `    api_timeout: ${API_TIMEOUT_S}`,
        '',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'secure.conf'), `[database]\ndburi=${sql.dburi}\n`);
    await writeConfig(LABELS, 6);
    process.env['OS_CLIENT_CONFIG_FILE'] = path.join(dir, 'clouds.yaml');
    const config = await loadConfig(path.join(dir, 'nodepool.yaml'), {
      env: { OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml') },
    });
    providers = new ProviderSet({
      log: pino({ level: 'silent' }),
      stats: createNoopStats(),
      tuning: { imagePollMs: 500 },
    });
    await providers.reconfigure(config.providers);
    provider = providers.get('realcloud')!;
  }, 900_000);

  afterAll(async () => {
    const steps: Array<() => Promise<unknown>> = [
      async () => launcher?.stop(),
      async () => (imageId !== null ? provider?.deleteImage(imageId) : undefined),
      async () => providers?.stop(),
      async () => client?.stop(),
      async () => chroot?.remove(),
      async () => db?.close(),
      async () => sql?.drop(),
      async () => sshd?.stop(),
      async () => (dir ? rm(dir, { recursive: true, force: true }) : undefined),
      async () => project?.remove(),
    ];
    for (const s of steps) {
      try {
        await s();
      } catch (err) {
        process.stderr.write(`realcloud e2e cleanup: ${String(err)}\n`);
      }
    }
  }, 300_000);

  async function readyByLabel(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const n of await db.nodes.list())
      if (n.state !== null && stateName(n.state) === 'ready')
        out[n.labelName] = (out[n.labelName] ?? 0) + 1;
    return out;
  }

  /** The nodes and servers still there and what the launcher is deleting, for a failed wait. */
  async function whatIsLeft(): Promise<string> {
    const now = Date.now();
    const nodes = (await db.nodes.list()).map(
      (n) =>
        `node ${n.id} ${n.state === null ? '?' : stateName(n.state)} for ${Math.round(now / 1000 - (n.stateTime ?? 0))} s, server ${n.externalId}`,
    );
    const servers = await provider
      .listServers()
      .then((list) => list.map((s) => `server ${s.id} ${s.rawStatus}`))
      .catch((e: unknown) => [`servers not listed: ${String(e)}`]);
    const d = launcher?.diagnostics();
    const deleting = d
      ? `deleting ${JSON.stringify(d.deletesInFlight)}, crons ${JSON.stringify(d.cronsRunning)}`
      : '';
    return [...nodes, ...servers, deleting].join('; ');
  }

  it('fills two labels, replaces a deleted node, and leaves nothing behind when drained', async () => {
    // An image in Glance (any bytes: nothing boots) and its upload record in ZooKeeper.
    const file = path.join(dir, 'e2e-image.qcow2');
    await writeFile(file, '');
    await truncate(file, 1024 * 1024);
    const image = await provider.uploadImage!({
      name: `e2e-image-${Date.now()}`,
      filename: file,
      diskFormat: 'qcow2',
    });
    imageId = image.id;
    const images = new ImageBuilds(client);
    const build = await images.storeBuild('e2e-image', {
      state: 'ready',
      builder: 'e2e',
      formats: ['qcow2'],
    });
    await images.storeUpload('e2e-image', build, 'realcloud', {
      state: 'ready',
      externalId: image.id,
      externalName: image.name,
    });

    launcher = createLauncherService({
      configPath: path.join(dir, 'nodepool.yaml'),
      securePath: path.join(dir, 'secure.conf'),
      log: pino({ level: process.env['LAUNCHER_TEST_LOG'] ?? 'silent' }, pino.destination(2)).child(
        { name: 'nodepool.NodePool' },
      ),
      noDeletes: false,
      noLaunches: false,
      stats: createNoopStats(),
      timing: { intervalMs: 2000, deleteTimeoutMs: DELETE_TIMEOUT_MS },
      providerTuning: { serverListAgeMs: 1000, activePollMs: 1000, deletePollMs: 1000 },
      ssh: redirectSeam(sshd.host, sshd.port, {
        nodepoolDir: path.join(sshd.dir, 'etc-nodepool'),
        retryDelayMs: 500,
      }),
    });
    await launcher.start();

    // Both labels at min-ready, each node a real server of the project.
    await waitFor(
      async () => {
        const r = await readyByLabel();
        return (r['small'] ?? 0) >= LABELS.small && (r['large'] ?? 0) >= LABELS.large;
      },
      { timeoutMs: 150_000, intervalMs: 1000, what: `min-ready ${JSON.stringify(LABELS)}` },
    );
    const servers = new Set((await provider.listServers()).map((s) => s.id));
    const nodes = await db.nodes.list();
    for (const n of nodes)
      expect(servers.has(n.externalId ?? ''), `node ${n.id}'s server ${n.externalId}`).toBe(true);

    // A node marked for deletion (as `nodepool delete`) is deleted in the cloud and replaced.
    const victim = nodes.find(
      (n) => n.labelName === 'small' && n.state !== null && stateName(n.state) === 'ready',
    )!;
    await db.nodes.update(victim.id, { state: 'delete' });
    launcher.wake();
    await waitFor(
      async () => {
        const rows = await db.nodes.list();
        const r = await readyByLabel();
        return !rows.some((n) => n.id === victim.id) && (r['small'] ?? 0) >= LABELS.small;
      },
      { timeoutMs: 150_000, intervalMs: 1000, what: `node ${victim.id} deleted and replaced` },
    );
    expect((await provider.listServers()).some((s) => s.id === victim.externalId)).toBe(false);

    // Drain: no demand, no capacity, the remaining nodes deleted; then nothing is left.
    await writeConfig({ small: 0, large: 0 }, -1);
    await waitFor(() => launcher!.diagnostics().config.loads >= 2, {
      timeoutMs: 30_000,
      what: 'the drained config to load',
    });
    for (const n of await db.nodes.list()) await db.nodes.update(n.id, { state: 'delete' });
    launcher.wake();
    try {
      await waitFor(async () => (await db.nodes.list()).length === 0, {
        timeoutMs: DRAIN_TIMEOUT_MS,
        intervalMs: 1000,
        what: 'every node deleted',
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; left: ${await whatIsLeft()}`, { cause: err });
    }
    await waitFor(async () => (await provider.listServers()).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      what: 'no server left in the project',
    });
    expect(await provider.listServers()).toEqual([]);
    expect((await provider.listFloatingIps?.()) ?? []).toEqual([]);
  }, 900_000);
});
