/**
 * A world for launcher chaos: a fake cloud in its own process (it survives every kill),
 * optionally behind a {@link FaultProxy}, a ZooKeeper, a database, config files, a ready
 * image upload record, and `nodepoold` as a real child process (fake SSH).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/db/index.js';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { FakeCloudProcess } from '../../../test/support/fake-cloud-process.js';
import type { FakeCloudKnobsPatch } from '../../../src/fakecloud/index.js';
import type { ZooKeeperAddress } from '../../../test/support/zookeeper.js';
import { accountLauncher } from './accounting.js';
import type { Accounting } from './accounting.js';
import { Daemon } from './daemon.js';
import { FaultProxy } from './fault-proxy.js';
import type { Rng } from './rng.js';

/** Options of {@link LauncherWorld.start}. */
export interface LauncherWorldOptions {
  zookeeper: ZooKeeperAddress;
  /** Database URL (SQLAlchemy style); the schema is created by nodepoold. */
  dburi: string;
  /** min-ready per label (all on one provider). */
  labels: Record<string, number>;
  maxServers: number;
  /** Fake cloud knobs. */
  knobs?: FakeCloudKnobsPatch;
  /** Put a fault proxy between nodepoold and the cloud. */
  faults?: boolean;
  /** clouds.yaml `api_timeout` (seconds). @default 3 */
  apiTimeoutS?: number;
  /** Extra nodepool.yaml lines (top level), e.g. gearman-servers. */
  extraConfig?: string[];
  /** Extra lines of a label (after its min-ready), e.g. a min-ready-schedule. */
  labelLines?: Record<string, string[]>;
  rng: Rng;
}

/** See the file comment. */
export class LauncherWorld {
  readonly nodepoold: Daemon;
  private zk: ZkClient | null = null;

  private constructor(
    readonly options: LauncherWorldOptions,
    readonly dir: string,
    readonly cloud: FakeCloudProcess,
    readonly proxy: FaultProxy | null,
    readonly chroot: string,
  ) {
    this.nodepoold = new Daemon({
      name: 'nodepoold',
      args: [
        '--fake-ssh',
        '--no-webapp',
        '-c',
        path.join(dir, 'nodepool.yaml'),
        '-s',
        path.join(dir, 'secure.conf'),
      ],
      cwd: dir,
      env: { OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml') },
    });
  }

  /** Starts the cloud (and proxy), writes the files and the upload record. nodepoold is not started. */
  static async start(options: LauncherWorldOptions): Promise<LauncherWorld> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-chaos-'));
    const cloud = await FakeCloudProcess.start({
      knobs: { quota: { instances: 1000, cores: 100_000, ramMb: 100_000_000 }, ...options.knobs },
    });
    const proxy =
      options.faults === true ? await FaultProxy.start(cloud.origin, options.rng) : null;
    const chroot = `/chaos-${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '')}`;
    const world = new LauncherWorld(options, dir, cloud, proxy, chroot);
    try {
      await world.writeFiles();
      await world.seedUpload();
    } catch (err) {
      await world.stop();
      throw err;
    }
    return world;
  }

  /** The provider's name in nodepool.yaml. */
  static readonly PROVIDER = 'chaos';

  /** Rewrites nodepool.yaml (e.g. min-ready 0 to drain). */
  async writeFiles(
    labels: Record<string, number> = this.options.labels,
    labelLines: Record<string, string[]> = this.options.labelLines ?? {},
  ): Promise<void> {
    const { zookeeper: zk, maxServers } = this.options;
    const lines = [
      'cron:',
      "  cleanup: '* * * * * *'",
      "  check: '0 0 1 1 *'",
      'zookeeper-servers:',
      `  - host: ${zk.host}`,
      `    port: ${zk.port}`,
      `    chroot: ${this.chroot}`,
      ...(this.options.extraConfig ?? []),
      'labels:',
      ...Object.entries(labels).flatMap(([name, n]) => [
        `  - name: ${name}`,
        '    image: chaos-image',
        `    min-ready: ${n}`,
        ...(labelLines[name] ?? []),
        '    providers:',
        '      - name: chaos',
      ]),
      'providers:',
      '  - name: chaos',
      '    cloud: chaos',
      `    max-servers: ${maxServers}`,
      '    rate: 0.001',
      '    boot-timeout: 10',
      '    launch-timeout: 20',
      '    images:',
      '      - name: chaos-image',
      '        min-ram: 512',
      'targets:',
      '  - name: chaos-target',
      '',
    ];
    await writeFile(path.join(this.dir, 'nodepool.yaml.tmp'), lines.join('\n'));
    const { rename } = await import('node:fs/promises');
    await rename(path.join(this.dir, 'nodepool.yaml.tmp'), path.join(this.dir, 'nodepool.yaml'));
    await writeFile(
      path.join(this.dir, 'secure.conf'),
      `[database]\ndburi=${this.options.dburi}\n`,
    );
    const authUrl = this.proxy?.authUrl ?? this.cloud.authUrl;
    await writeFile(
      path.join(this.dir, 'clouds.yaml'),
      this.cloud.cloudsYaml('chaos', { authUrl, apiTimeoutS: this.options.apiTimeoutS ?? 3 }),
    );
  }

  /** A ZooKeeper client on the world's chroot (kept until stop). */
  async zkClient(): Promise<ZkClient> {
    if (this.zk === null) {
      const { host, port } = this.options.zookeeper;
      this.zk = new ZkClient({ servers: [{ host, port, chroot: this.chroot }] });
      await this.zk.start();
    }
    return this.zk;
  }

  private async seedUpload(): Promise<void> {
    const image = (await this.cloud.state()).images[0];
    if (image === undefined) throw new Error('The fake cloud has no seeded image');
    const images = new ImageBuilds(await this.zkClient());
    const build = await images.storeBuild('chaos-image', {
      state: 'ready',
      builder: 'chaos',
      formats: ['qcow2'],
    });
    await images.storeUpload('chaos-image', build, 'chaos', {
      state: 'ready',
      externalId: image.id,
      externalName: image.name,
    });
  }

  /**
   * Marks up to `n` random ready nodes for deletion, as `nodepool delete` does, so that
   * launches and deletes are in flight when the next fault hits.
   */
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

  /** Marks one node for deletion (as `nodepool delete`). */
  async markDelete(id: number): Promise<void> {
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      await db.nodes.update(id, { state: 'delete' });
    } finally {
      await db.close();
    }
  }

  /** The accounting against the configured min-ready. */
  async account(minReady: Record<string, number> = this.options.labels): Promise<Accounting> {
    return accountLauncher(await this.cloud.state(), this.options.dburi, { minReady });
  }

  /** Stops everything (nodepoold gracefully, then the cloud) and removes the temp dir. */
  async stop(): Promise<void> {
    const steps = [
      () => this.nodepoold.stop(10_000),
      () => this.zk?.stop(),
      () => this.proxy?.stop(),
      () => this.cloud.stop(),
      () => rm(this.dir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(`chaos cleanup: ${String(err)}\n`);
      }
    }
  }
}
