/**
 * A launcher under test: its own fake cloud (HTTP, port 0), its own ZooKeeper chroot, its
 * own database, config files in a temp dir (compat fixtures, substituted), and image upload
 * records written straight into ZooKeeper (the builder is not involved).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase, stateName } from '../../../src/db/index.js';
import type { Database, NodeRecord, SubnodeRecord } from '../../../src/db/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import type { FakeCloudServiceOptions } from '../../../src/fakecloud/index.js';
import { SHIPPED_SSH_SEAM } from '../../../src/cmd/ssh-seam.js';
import { createLauncherService } from '../../../src/launcher/index.js';
import type { LauncherOptions, LauncherService } from '../../../src/launcher/index.js';
import { createNoopStats, createStats } from '../../../src/stats/index.js';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { fakeCloudDrivers } from '../../support/fake-drivers.js';
import { COMPAT_DIR, substitute } from '../../support/compat-fixtures.js';
import { createTestDatabase } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';
import type { SqlBackendInfo } from '../../support/sql-backends.js';
import { StatsdCapture } from '../../support/statsd.js';
import { waitFor } from '../../support/wait-for.js';
import type { ZooKeeperAddress } from '../../support/zookeeper.js';
import { makeTestChroot } from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';
import { readFileSync } from 'node:fs';

/** Options of {@link LauncherHarness.create}. */
export interface HarnessOptions {
  backend: SqlBackendInfo;
  zookeeper: ZooKeeperAddress;
  cloud?: FakeCloudServiceOptions;
  /** Capture statsd on a local UDP socket. */
  statsd?: boolean;
}

/** Everything one launcher test uses; `stop()` tears it all down. */
export class LauncherHarness {
  launcher: LauncherService | null = null;
  configPath = '';
  securePath = '';
  private readonly zkClients: ZkClient[] = [];

  private constructor(
    readonly cloud: FakeCloud,
    readonly sql: TestDatabase,
    readonly db: Database,
    readonly chroot: TestChroot,
    readonly zk: ZkClient,
    readonly images: ImageBuilds,
    readonly dir: string,
    readonly statsd: StatsdCapture | null,
  ) {
    this.configPath = join(dir, 'nodepool.yaml');
    this.securePath = join(dir, 'secure.conf');
  }

  static async create(options: HarnessOptions): Promise<LauncherHarness> {
    const cloud = new FakeCloud({
      regions: ['RegionOne', 'fake-region'],
      checkKeyNames: false,
      buildDelayMs: 20,
      ...options.cloud,
    });
    await cloud.start();
    const sql = await createTestDatabase(options.backend);
    const db = await openDatabase(sql.dburi, { poolMax: 2 });
    const chroot = makeTestChroot([options.zookeeper]);
    const zk = new ZkClient({ servers: chroot.servers });
    await zk.start();
    const dir = await mkdtemp(join(tmpdir(), 'np-launcher-'));
    const statsd = options.statsd === true ? await StatsdCapture.start() : null;
    const h = new LauncherHarness(cloud, sql, db, chroot, zk, new ImageBuilds(zk), dir, statsd);
    await writeFile(
      h.securePath,
      substitute(readFileSync(join(COMPAT_DIR, 'secure.conf'), 'utf8'), { dburi: sql.dburi }),
    );
    return h;
  }

  /** Writes nodepool.yaml from a compat fixture (substituted) or from YAML text, then `edit`. */
  async writeConfig(
    fixtureOrYaml: string,
    edit: (text: string) => string = (t) => t,
  ): Promise<void> {
    const raw =
      fixtureOrYaml.endsWith('.yaml') && !fixtureOrYaml.includes('\n')
        ? readFileSync(join(COMPAT_DIR, fixtureOrYaml), 'utf8')
        : fixtureOrYaml;
    const server = this.chroot.servers[0]!;
    const text = substitute(raw, {
      images_dir: this.dir,
      gearman_port: '4730',
      zookeeper_host: server.host,
      zookeeper_port: String(server.port),
      zookeeper_chroot: this.chroot.path,
      dburi: this.sql.dburi,
    });
    await writeFile(this.configPath, edit(text));
  }

  /** Records a ready build and upload of `image` to each provider, pointing at a real cloud image. */
  async addUpload(
    image: string,
    providers: readonly string[],
    options: { state?: 'ready' | 'uploading' } = {},
  ): Promise<string> {
    const cloudImage = this.cloud.snapshot().images[0]!;
    const buildId = await this.images.storeBuild(image, {
      state: 'ready',
      builder: 'test',
      formats: ['qcow2'],
    });
    for (const p of providers) {
      await this.images.storeUpload(image, buildId, p, {
        state: options.state ?? 'ready',
        externalId: cloudImage.id,
        externalName: cloudImage.name,
      });
    }
    return buildId;
  }

  /** Starts the launcher with test timing. */
  async start(overrides: Partial<LauncherOptions> = {}): Promise<LauncherService> {
    const level = process.env['LAUNCHER_TEST_LOG'] ?? 'silent';
    const log = pino({ level }, pino.destination(2)).child({ name: 'nodepool.NodePool' });
    const stats = this.statsd
      ? createStats({ host: '127.0.0.1', port: this.statsd.port })
      : createNoopStats();
    const launcher = createLauncherService({
      configPath: this.configPath,
      securePath: this.securePath,
      log,
      noDeletes: false,
      noLaunches: false,
      stats,
      timing: { intervalMs: 1000, deleteTimeoutMs: 30_000, subnodePollMs: 100, stopGraceMs: 5000 },
      drivers: fakeCloudDrivers(this.cloud),
      providerTuning: { serverListAgeMs: 100, activePollMs: 50, deletePollMs: 50 },
      // As nodepoold composes it: `auth-url: fake` providers' nodes get in-memory SSH.
      ssh: { ...SHIPPED_SSH_SEAM, retryDelayMs: 100 },
      ...overrides,
    });
    this.launcher = launcher;
    await launcher.start();
    return launcher;
  }

  /** Stops the launcher (if running). */
  async stopLauncher(): Promise<void> {
    await this.launcher?.stop();
    this.launcher = null;
  }

  async nodes(): Promise<NodeRecord[]> {
    return this.db.nodes.list();
  }

  async subnodes(nodeId: number): Promise<SubnodeRecord[]> {
    return this.db.subnodes.listByNode(nodeId);
  }

  /** Nodes by state name, e.g. `{ ready: 2 }`. */
  async states(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const n of await this.nodes())
      out[stateName(n.state)] = (out[stateName(n.state)] ?? 0) + 1;
    return out;
  }

  /** Cloud servers (not deleted). */
  servers(): Array<{ id: string; name: string; metadata: Record<string, string> }> {
    return this.cloud.snapshot().servers;
  }

  /** Waits until `n` nodes of `label` are ready and nothing is building or being deleted. */
  async waitReady(counts: Record<string, number>, timeoutMs = 30_000): Promise<NodeRecord[]> {
    return waitFor(
      async () => {
        const nodes = await this.nodes();
        const ready = nodes.filter((n) => stateName(n.state) === 'ready');
        for (const [label, n] of Object.entries(counts)) {
          if (ready.filter((r) => r.labelName === label).length !== n) return null;
        }
        if (nodes.some((n) => stateName(n.state) === 'building' || stateName(n.state) === 'delete'))
          return null;
        return ready;
      },
      { timeoutMs, what: `ready nodes ${JSON.stringify(counts)}`, intervalMs: 100 },
    );
  }

  /** Waits until the cloud's servers and the database's node + subnode rows agree. */
  async waitConsistent(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const nodes = await this.nodes();
        const ids = new Set<string>();
        for (const n of nodes) {
          if (n.externalId) ids.add(n.externalId);
          for (const s of await this.subnodes(n.id)) if (s.externalId) ids.add(s.externalId);
        }
        const servers = this.servers()
          .map((s) => s.id)
          .sort();
        return servers.length === ids.size && servers.every((s) => ids.has(s));
      },
      { timeoutMs, what: 'cloud servers to match the database', intervalMs: 200 },
    );
  }

  async stop(): Promise<void> {
    const steps: Array<() => Promise<void>> = [
      () => this.stopLauncher(),
      () => this.zk.stop(),
      ...this.zkClients.map((c) => () => c.stop()),
      () => this.chroot.remove(),
      () => this.db.close(),
      () => this.sql.drop(),
      () => this.cloud.stop(),
      async () => this.statsd?.stop(),
      () => rm(this.dir, { recursive: true, force: true }),
    ];
    for (const s of steps) {
      try {
        await s();
      } catch (err) {
        process.stderr.write(`launcher harness cleanup: ${String(err)}\n`);
      }
    }
  }
}

/** Creates a server through the fake's Nova API as another user would (no nodepool metadata unless given). */
export async function createForeignServer(
  cloud: FakeCloud,
  name: string,
  metadata: Record<string, string> = {},
): Promise<string> {
  const auth = await fetch(`${cloud.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'other', password: 'x', domain: { name: 'Default' } } },
        },
        scope: { project: { id: 'fake' } },
      },
    }),
  });
  const token = auth.headers.get('x-subject-token') ?? '';
  const body = (await auth.json()) as {
    token: {
      catalog: Array<{
        type: string;
        endpoints: Array<{ interface: string; url: string; region: string }>;
      }>;
    };
  };
  const compute = body.token.catalog
    .find((c) => c.type === 'compute')!
    .endpoints.find((e) => e.interface === 'public')!.url;
  const image = cloud.snapshot().images[0]!.id;
  const res = await fetch(`${compute}/servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ server: { name, imageRef: image, flavorRef: '1', metadata } }),
  });
  if (!res.ok) throw new Error(`Cannot create foreign server: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { server: { id: string } }).server.id;
}
