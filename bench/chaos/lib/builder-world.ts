/**
 * A world for builder chaos: a fake cloud in its own process, a ZooKeeper chroot, an
 * images-dir, config files, and `nodepool-builder` as a real child process running the
 * test suite's fake `disk-image-create` (a short sleep, then a sparse image file).
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageBuilds, ZkClient } from '../../../src/zk/index.js';
import { FakeCloudProcess } from '../../../test/support/fake-cloud-process.js';
import type { ZooKeeperAddress } from '../../../test/support/zookeeper.js';
import { accountBuilder } from './accounting.js';
import type { Accounting } from './accounting.js';
import { Daemon, ROOT } from './daemon.js';

/** The fake dib of the test suite. */
export const FAKE_DIB = path.join(ROOT, 'test/fixtures/bin/disk-image-create');

/** Options of {@link BuilderWorld.start}. */
export interface BuilderWorldOptions {
  zookeeper: ZooKeeperAddress;
  /** Seconds the fake dib sleeps. @default 1 */
  dibSleepS?: number;
  /** Image size in MiB (sparse). @default 16 */
  imageMb?: number;
}

/** See the file comment. */
export class BuilderWorld {
  static readonly IMAGE = 'chaos-image';
  static readonly PROVIDER = 'chaos';
  readonly builder: Daemon;
  private zk: ZkClient | null = null;

  private constructor(
    readonly options: BuilderWorldOptions,
    readonly dir: string,
    readonly cloud: FakeCloudProcess,
    readonly chroot: string,
    readonly foreignImages: ReadonlySet<string>,
  ) {
    this.builder = new Daemon({
      name: 'nodepool-builder',
      args: ['-c', path.join(dir, 'nodepool.yaml'), '--upload-workers', '2'],
      cwd: dir,
      env: {
        OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml'),
        NODEPOOL_DIB_CMD: FAKE_DIB,
        NODEPOOL_BUILD_LOG_DIR: path.join(dir, 'build-logs'),
      },
    });
  }

  /** Starts the cloud and writes the files; the builder is not started. */
  static async start(options: BuilderWorldOptions): Promise<BuilderWorld> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-chaos-builder-'));
    const cloud = await FakeCloudProcess.start({ knobs: { imageSaveDelayMs: 300 } });
    const foreign = new Set((await cloud.state()).images.map((i) => i.id));
    const world = new BuilderWorld(
      options,
      dir,
      cloud,
      `/chaos-${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '')}`,
      foreign,
    );
    try {
      await mkdir(world.imagesDir);
      await world.writeFiles();
    } catch (err) {
      await world.stop();
      throw err;
    }
    return world;
  }

  /** Where the builder writes images. */
  get imagesDir(): string {
    return path.join(this.dir, 'images');
  }

  private async writeFiles(): Promise<void> {
    const { zookeeper: zk } = this.options;
    const lines = [
      'elements-dir: .',
      `images-dir: ${this.imagesDir}`,
      'zookeeper-servers:',
      `  - host: ${zk.host}`,
      `    port: ${zk.port}`,
      `    chroot: ${this.chroot}`,
      'labels: []',
      'providers:',
      `  - name: ${BuilderWorld.PROVIDER}`,
      '    cloud: chaos',
      '    max-servers: 10',
      '    images:',
      `      - name: ${BuilderWorld.IMAGE}`,
      '        min-ram: 512',
      'targets:',
      '  - name: chaos-target',
      'diskimages:',
      `  - name: ${BuilderWorld.IMAGE}`,
      '    elements: [fedora, vm]',
      '    release: 21',
      '    env-vars:',
      '      TMPDIR: /opt/dib_tmp',
      '      DIB_IMAGE_CACHE: /opt/dib_cache',
      '      DIB_CLOUD_IMAGES: http://download.fedoraproject.org/pub/fedora/linux/releases/test/21-Beta/Cloud/Images/x86_64/',
      '      BASE_IMAGE_FILE: Fedora-Cloud-Base-20141029-21_Beta.x86_64.qcow2',
      `      FAKE_DIB_SLEEP: '${this.options.dibSleepS ?? 1}'`,
      `      FAKE_DIB_SIZE_MB: '${this.options.imageMb ?? 16}'`,
      '',
    ];
    await writeFile(path.join(this.dir, 'nodepool.yaml.tmp'), lines.join('\n'));
    await rename(path.join(this.dir, 'nodepool.yaml.tmp'), path.join(this.dir, 'nodepool.yaml'));
    await writeFile(
      path.join(this.dir, 'clouds.yaml'),
      this.cloud.cloudsYaml('chaos', { apiTimeoutS: 10 }),
    );
  }

  /** Image build records and locks of this world. */
  async images(): Promise<ImageBuilds> {
    if (this.zk === null) {
      const { host, port } = this.options.zookeeper;
      this.zk = new ZkClient({ servers: [{ host, port, chroot: this.chroot }] });
      await this.zk.start();
    }
    return new ImageBuilds(this.zk);
  }

  /** Asks for a new build, as `nodepool image-build` does. */
  async requestBuild(): Promise<void> {
    await (await this.images()).submitBuildRequest(BuilderWorld.IMAGE);
  }

  /** Base names (`<image>-<build id>`) of the image files on disk. */
  async files(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const f of await readdir(this.imagesDir)) {
      const m = /^(.+-\d+)\./.exec(f);
      if (m?.[1] !== undefined) out.add(m[1]);
    }
    return out;
  }

  /** The accounting: cloud images vs upload records, files vs build records. */
  async account(): Promise<Accounting> {
    // A session of its own per accounting: the records are read as a newcomer would, not
    // through a test client that lived through the faults.
    const { host, port } = this.options.zookeeper;
    const zk = new ZkClient({
      servers: [{ host, port, chroot: this.chroot }],
      connectTimeoutMs: 10_000,
    });
    await zk.start();
    try {
      return await accountBuilder(await this.cloud.state(), new ImageBuilds(zk), {
        uploads: { [BuilderWorld.IMAGE]: [BuilderWorld.PROVIDER] },
        foreignImages: this.foreignImages,
        files: await this.files(),
      });
    } finally {
      await zk.stop();
    }
  }

  /** Stops the builder (gracefully), the cloud, and removes the temp dir. */
  async stop(): Promise<void> {
    const steps = [
      () => this.builder.stop(15_000),
      () => this.zk?.stop(),
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
