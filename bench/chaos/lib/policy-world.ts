/**
 * A world for the pool policies beyond 0.4.0: two fake clouds in their own processes, one
 * with a small instance quota (`full`) and one with room (`spare`), one label on both with a
 * `min-ready-schedule` whose period the scenario rewrites (a config reload), a ready image
 * upload to each, and `nodepoold` as a real child process (fake SSH).
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../../src/db/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { FakeCloudProcess } from '../../../test/support/fake-cloud-process.js';
import type { ZooKeeperAddress } from '../../../test/support/zookeeper.js';
import { accountLauncher, joinClouds } from './accounting.js';
import type { Accounting, LauncherExpectation } from './accounting.js';
import { Daemon } from './daemon.js';

/** The scheduled label. */
export const POLICY_LABEL = 'sched';
/** Provider names, which are also the clouds' names in clouds.yaml. */
export const FULL = 'full';
export const SPARE = 'spare';

/** Options of {@link PolicyWorld.start}. */
export interface PolicyWorldOptions {
  zookeeper: ZooKeeperAddress;
  /** Database URL (SQLAlchemy style); the schema is created by nodepoold. */
  dburi: string;
  /** Instance quota of the `full` cloud at start. */
  fullQuota: number;
  /** `max-servers` of each provider. */
  maxServers: number;
}

/** See the file comment. */
export class PolicyWorld {
  readonly nodepoold: Daemon;
  private zk: ZkClient | null = null;

  private constructor(
    readonly options: PolicyWorldOptions,
    readonly dir: string,
    readonly clouds: Readonly<Record<string, FakeCloudProcess>>,
    readonly chroot: string,
  ) {
    this.nodepoold = new Daemon({
      name: 'nodepoold',
      args: [
        '--fake-ssh',
        // Quota limits are read again at most once per interval: 2 s instead of 10.
        '--interval-ms',
        '2000',
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

  /** Starts both clouds, writes the files (schedule at `minReady`) and the uploads. */
  static async start(options: PolicyWorldOptions, minReady: number): Promise<PolicyWorld> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-chaos-'));
    const knobs = { buildDelayMs: 800, deleteDelayMs: 300 };
    const clouds: Record<string, FakeCloudProcess> = {};
    const chroot = `/chaos-${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '')}`;
    let world: PolicyWorld | null = null;
    try {
      clouds[FULL] = await FakeCloudProcess.start({
        knobs: { ...knobs, quota: { instances: options.fullQuota } },
      });
      clouds[SPARE] = await FakeCloudProcess.start({
        knobs: { ...knobs, quota: { instances: 1000, cores: 100_000, ramMb: 100_000_000 } },
      });
      world = new PolicyWorld(options, dir, clouds, chroot);
      await world.writeFiles(minReady);
      for (const name of [FULL, SPARE]) await world.seedUpload(name);
      return world;
    } catch (err) {
      if (world !== null) await world.stop();
      else for (const c of Object.values(clouds)) await c.stop();
      throw err;
    }
  }

  /** Rewrites nodepool.yaml with the label's schedule period at `minReady` (always matching). */
  async writeFiles(minReady: number): Promise<void> {
    const { zookeeper: zk, maxServers } = this.options;
    const provider = (name: string): string[] => [
      `  - name: ${name}`,
      `    cloud: ${name}`,
      `    max-servers: ${maxServers}`,
      '    rate: 0.001',
      '    boot-timeout: 10',
      '    launch-timeout: 20',
      '    images:',
      '      - name: chaos-image',
      '        min-ram: 512',
    ];
    const lines = [
      'cron:',
      "  cleanup: '* * * * * *'",
      "  check: '0 0 1 1 *'",
      'zookeeper-servers:',
      `  - host: ${zk.host}`,
      `    port: ${zk.port}`,
      `    chroot: ${this.chroot}`,
      'labels:',
      `  - name: ${POLICY_LABEL}`,
      '    image: chaos-image',
      '    min-ready: 0',
      '    min-ready-schedule:',
      '      timezone: Europe/Berlin',
      '      periods:',
      // Both periods match every minute: the first one wins.
      "        - cron: '* * * * *'",
      `          min-ready: ${minReady}`,
      "        - cron: '* * * * *'",
      '          min-ready: 50',
      '    providers:',
      `      - name: ${FULL}`,
      `      - name: ${SPARE}`,
      'providers:',
      ...provider(FULL),
      ...provider(SPARE),
      'targets:',
      '  - name: chaos-target',
      '',
    ];
    // Replaced in one rename, so the watcher never reads half a file.
    await writeFile(path.join(this.dir, 'nodepool.yaml.tmp'), lines.join('\n'));
    await rename(path.join(this.dir, 'nodepool.yaml.tmp'), path.join(this.dir, 'nodepool.yaml'));
    await writeFile(
      path.join(this.dir, 'secure.conf'),
      `[database]\ndburi=${this.options.dburi}\n`,
    );
    const yaml = [FULL, SPARE].map((name, i) => {
      const text = this.clouds[name]!.cloudsYaml(name, { apiTimeoutS: 3 });
      return i === 0 ? text : text.replace(/^clouds:\n/, '');
    });
    await writeFile(path.join(this.dir, 'clouds.yaml'), yaml.join(''));
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

  private async seedUpload(provider: string): Promise<void> {
    const image = (await this.clouds[provider]!.state()).images[0];
    if (image === undefined) throw new Error(`The fake cloud ${provider} has no seeded image`);
    const images = new ImageBuilds(await this.zkClient());
    const build = await images.storeBuild('chaos-image', {
      state: 'ready',
      builder: 'chaos',
      formats: ['qcow2'],
    });
    await images.storeUpload('chaos-image', build, provider, {
      state: 'ready',
      externalId: image.id,
      externalName: image.name,
    });
  }

  /** Every node row. */
  async nodes(): Promise<NodeRecord[]> {
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      return await db.nodes.list();
    } finally {
      await db.close();
    }
  }

  /** Sets a node's state, as a job taking it (`used`) or `nodepool hold` would. */
  async setState(id: number, state: 'used' | 'hold'): Promise<void> {
    const db = await openDatabase(this.options.dburi, { poolMax: 1 });
    try {
      await db.nodes.update(id, { state });
    } finally {
      await db.close();
    }
  }

  /** The accounting over both clouds. */
  async account(expect: LauncherExpectation): Promise<Accounting> {
    const [full, spare] = await Promise.all([
      this.clouds[FULL]!.state(),
      this.clouds[SPARE]!.state(),
    ]);
    return accountLauncher(joinClouds(full, spare), this.options.dburi, expect);
  }

  /** Stops everything (nodepoold gracefully, then the clouds) and removes the temp dir. */
  async stop(): Promise<void> {
    const steps = [
      () => this.nodepoold.stop(10_000),
      () => this.zk?.stop(),
      ...Object.values(this.clouds).map((c) => () => c.stop()),
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
