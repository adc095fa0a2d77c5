/**
 * A world for launcher-cluster chaos (issue #15): a three-server ZooKeeper ensemble, one
 * database, one fake cloud in its own process behind a {@link FaultProxy}, two providers of
 * that cloud in nodepool.yaml, a ready image upload record for each, and three `nodepoold`
 * launchers as real child processes (distinct `--launcher-name`, own pid files, fake SSH).
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readLauncherList } from '../../../src/cluster/index.js';
import type { LauncherListEntry } from '../../../src/cluster/index.js';
import { openDatabase, stateName } from '../../../src/db/index.js';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { FakeCloudProcess } from '../../../test/support/fake-cloud-process.js';
import type { ZooKeeperEnsemble } from '../../../test/support/zookeeper-ensemble.js';
import { accountLauncher, mergeAccountings } from './accounting.js';
import type { Accounting } from './accounting.js';
import { Daemon } from './daemon.js';
import { FaultProxy } from './fault-proxy.js';
import type { Rng } from './rng.js';
import { withTimeout } from './settle.js';

/** Options of {@link ClusterWorld.start}. */
export interface ClusterWorldOptions {
  ensemble: ZooKeeperEnsemble;
  /** Database URL (SQLAlchemy style); the schema is created by nodepoold. */
  dburi: string;
  /** min-ready per label (each label on both providers). */
  labels: Record<string, number>;
  /** max-servers of each provider. */
  maxServers: number;
  /** Fraction of cloud API calls the proxy fails. */
  failureRate: number;
  rng: Rng;
}

/** The providers in nodepool.yaml (both on the one fake cloud). */
export const CLUSTER_PROVIDERS = ['p1', 'p2'] as const;
/** The launchers' names. */
export const LAUNCHER_NAMES = ['l1', 'l2', 'l3'] as const;

/** See the file comment. */
export class ClusterWorld {
  readonly launchers: Daemon[];
  private zk: ZkClient | null = null;

  private constructor(
    readonly options: ClusterWorldOptions,
    readonly dir: string,
    readonly cloud: FakeCloudProcess,
    readonly proxy: FaultProxy,
    readonly chroot: string,
  ) {
    this.launchers = LAUNCHER_NAMES.map(
      (name) =>
        new Daemon({
          name: 'nodepoold',
          args: [
            '--fake-ssh',
            '--no-webapp',
            '--launcher-name',
            name,
            '-p',
            path.join(dir, `${name}.pid`),
            '-c',
            path.join(dir, 'nodepool.yaml'),
            '-s',
            path.join(dir, 'secure.conf'),
          ],
          cwd: dir,
          env: { OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml') },
        }),
    );
  }

  /** Starts the cloud and proxy, writes the files and the upload records. No launcher runs yet. */
  static async start(options: ClusterWorldOptions): Promise<ClusterWorld> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-chaos-cluster-'));
    const cloud = await FakeCloudProcess.start({
      knobs: {
        quota: { instances: 1000, cores: 100_000, ramMb: 100_000_000 },
        buildDelayMs: 800,
        deleteDelayMs: 300,
      },
    });
    const proxy = await FaultProxy.start(cloud.origin, options.rng);
    proxy.failureRate = options.failureRate;
    const chroot = `/chaos-${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '')}`;
    const world = new ClusterWorld(options, dir, cloud, proxy, chroot);
    try {
      await world.writeFiles();
      await world.seedUploads();
    } catch (err) {
      await world.stop();
      throw err;
    }
    return world;
  }

  private async writeFiles(): Promise<void> {
    const { ensemble, labels, maxServers } = this.options;
    const lines = [
      'cron:',
      "  cleanup: '* * * * * *'",
      "  check: '0 0 1 1 *'",
      'zookeeper-servers:',
      ...ensemble
        .entries(this.chroot)
        .flatMap((s) => [
          `  - host: ${s.host}`,
          `    port: ${s.port}`,
          `    chroot: ${this.chroot}`,
        ]),
      'labels:',
      ...Object.entries(labels).flatMap(([name, n]) => [
        `  - name: ${name}`,
        '    image: chaos-image',
        `    min-ready: ${n}`,
        '    providers:',
        ...CLUSTER_PROVIDERS.map((p) => `      - name: ${p}`),
      ]),
      'providers:',
      ...CLUSTER_PROVIDERS.flatMap((p) => [
        `  - name: ${p}`,
        '    cloud: chaos',
        `    max-servers: ${maxServers}`,
        '    rate: 0.001',
        '    boot-timeout: 10',
        '    launch-timeout: 20',
        '    images:',
        '      - name: chaos-image',
        '        min-ram: 512',
      ]),
      'targets:',
      '  - name: chaos-target',
      '',
    ];
    await writeFile(path.join(this.dir, 'nodepool.yaml.tmp'), lines.join('\n'));
    await rename(path.join(this.dir, 'nodepool.yaml.tmp'), path.join(this.dir, 'nodepool.yaml'));
    await writeFile(
      path.join(this.dir, 'secure.conf'),
      `[database]\ndburi=${this.options.dburi}\n`,
    );
    await writeFile(
      path.join(this.dir, 'clouds.yaml'),
      this.cloud.cloudsYaml('chaos', { authUrl: this.proxy.authUrl, apiTimeoutS: 2 }),
    );
  }

  /** A ZooKeeper client on the world's chroot, on every server of the ensemble (kept until stop). */
  async zkClient(): Promise<ZkClient> {
    if (this.zk === null) {
      this.zk = new ZkClient({ servers: this.options.ensemble.entries(this.chroot) });
      await this.zk.start();
    }
    return this.zk;
  }

  private async seedUploads(): Promise<void> {
    const image = (await this.cloud.state()).images[0];
    if (image === undefined) throw new Error('The fake cloud has no seeded image');
    const images = new ImageBuilds(await this.zkClient());
    const build = await images.storeBuild('chaos-image', {
      state: 'ready',
      builder: 'chaos',
      formats: ['qcow2'],
    });
    for (const p of CLUSTER_PROVIDERS)
      await images.storeUpload('chaos-image', build, p, {
        state: 'ready',
        externalId: image.id,
        externalName: image.name,
      });
  }

  /** `nodepool launcher-list` as data (bounded: the ensemble may be failing over). */
  async launcherList(): Promise<LauncherListEntry[]> {
    const zk = await this.zkClient();
    return withTimeout(readLauncherList(zk), 10_000, 'Reading the launcher list');
  }

  /** Marks up to `n` random ready nodes for deletion, as `nodepool delete` does. */
  async churn(n: number): Promise<number> {
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      const ready = await db.nodes.list({ state: 'ready' });
      let marked = 0;
      for (let i = 0; i < n && ready.length > 0; i++) {
        const [node] = ready.splice(this.options.rng.int(0, ready.length - 1), 1);
        await db.nodes.update(node!.id, { state: 'delete' });
        marked++;
      }
      return marked;
    } finally {
      await db.close();
    }
  }

  /**
   * The accounting of {@link accountLauncher} plus the allocation: no label with more live
   * rows than its min-ready, no provider with more live rows than its max-servers.
   */
  async account(): Promise<Accounting> {
    const base = await accountLauncher(await this.cloud.state(), this.options.dburi, {
      minReady: this.options.labels,
    });
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      const live = (await db.nodes.list()).filter(
        (n) => n.state === null || stateName(n.state) !== 'delete',
      );
      const problems: string[] = [];
      for (const [label, n] of Object.entries(this.options.labels)) {
        const have = live.filter((r) => r.labelName === label).length;
        if (have > n) problems.push(`Label ${label} has ${have} live node(s), above its ${n}`);
      }
      for (const p of CLUSTER_PROVIDERS) {
        const have = live.filter((r) => r.providerName === p).length;
        if (have > this.options.maxServers)
          problems.push(`Provider ${p} has ${have} live node(s), above max-servers`);
      }
      return mergeAccountings(base, { figures: {}, problems });
    } finally {
      await db.close();
    }
  }

  /** True when every label has at least its min-ready of ready, used or test nodes. */
  async minReadyMet(): Promise<boolean> {
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      const rows = await db.nodes.list();
      const supply = (label: string): number =>
        rows.filter(
          (r) =>
            r.labelName === label &&
            r.state !== null &&
            ['ready', 'used', 'test'].includes(stateName(r.state)),
        ).length;
      return Object.entries(this.options.labels).every(([label, n]) => supply(label) >= n);
    } finally {
      await db.close();
    }
  }

  /** The output of every launcher without debug lines (tail of each). */
  tail(maxChars = 1500): string {
    return this.launchers
      .map((d, i) => `=== ${LAUNCHER_NAMES[i]} (${d.exits.join(', ')})\n${d.tail(maxChars)}`)
      .join('\n');
  }

  /** Stops everything (launchers gracefully, then the cloud) and removes the temp dir. */
  async stop(): Promise<void> {
    const steps = [
      ...this.launchers.map((d) => () => d.stop(10_000)),
      () => this.zk?.stop(),
      () => this.proxy.stop(),
      () => this.cloud.stop(),
      () => rm(this.dir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await withTimeout(Promise.resolve(step()), 30_000, 'A chaos cleanup step');
      } catch (err) {
        process.stderr.write(`chaos cleanup: ${String(err)}\n`);
      }
    }
  }
}
