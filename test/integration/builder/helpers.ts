/**
 * Builder test fixture: a ZooKeeper chroot per test, a temp images-dir, a fake cloud per test
 * (which `auth-url: fake` providers are pointed at), upstream's config fixtures written to
 * one config path (swapped in place, as upstream's `replace_config`), builders with short
 * loop intervals and the fake `disk-image-create`, and upstream's `waitFor*` helpers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { NodePoolBuilder } from '../../../src/builder/index.js';
import type { BuilderOptions } from '../../../src/builder/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { ImageBuilds } from '../../../src/zk/index.js';
import type { ImageBuild, ImageUpload } from '../../../src/zk/index.js';
import { fakeCloudDrivers } from '../../support/fake-drivers.js';
import { COMPAT_DIR, substitute } from '../../support/compat-fixtures.js';
import { captureLog } from '../../support/log-capture.js';
import type { CapturedLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { useZkFixture } from '../../support/zk-fixture.js';
import type { ZkFixture } from '../../support/zk-fixture.js';
import type { ZooKeeperAddress } from '../../support/zookeeper.js';

/** The fake dib script. */
export const FAKE_DIB = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/bin/disk-image-create',
);

/** Generous wait for builder progress (real ZooKeeper, child processes, 2 cores). */
export const WAIT_MS = 30_000;

/** What a builder test gets. */
export interface BuilderFixture {
  readonly zk: ZkFixture;
  readonly cloud: FakeCloud;
  readonly images: ImageBuilds;
  readonly dir: string;
  readonly imagesDir: string;
  readonly configPath: string;
  /**
   * Writes (or swaps in) an upstream fixture at `configPath` (or `opts.file`), atomically;
   * `opts` can point it at another images-dir or ZooKeeper address (e.g. a proxy).
   */
  useConfig(name: string, edit?: (text: string) => string, opts?: ConfigTarget): Promise<string>;
  /** Starts a builder (stopped after the test) on `configPath` or another config. */
  startBuilder(overrides?: Partial<BuilderOptions> & { name?: string }): Promise<TestBuilder>;
  waitForBuild(image: string, buildId: string, state?: string): Promise<ImageBuild>;
  waitForImage(provider: string, image: string, ignore?: ImageUpload[]): Promise<ImageUpload>;
  waitForImageDeletion(provider: string, image: string, match?: ImageUpload): Promise<void>;
  waitForBuildDeletion(image: string, buildId: string): Promise<void>;
  /** Local files of a build (`<image>-<bid>.*`, checksum files included). */
  filesOf(image: string, buildId: string, imagesDir?: string): string[];
}

/** Where {@link BuilderFixture.useConfig} writes and what it substitutes. */
export interface ConfigTarget {
  readonly file?: string;
  readonly imagesDir?: string;
  readonly zookeeper?: { host: string; port: number };
}

/** A started builder and its captured log. */
export interface TestBuilder {
  readonly builder: NodePoolBuilder;
  readonly logs: CapturedLog;
}

/** Sets up the fixture for each test of the enclosing `describe`. */
export function useBuilderFixture(address: ZooKeeperAddress | null): BuilderFixture {
  const zk = useZkFixture(address);
  let state: {
    cloud: FakeCloud;
    images: ImageBuilds;
    dir: string;
    builders: NodePoolBuilder[];
  } | null = null;

  beforeEach(async () => {
    if (address === null) return;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-builder-'));
    const cloud = new FakeCloud({ regions: ['RegionOne', 'fake-region'], checkKeyNames: false });
    await cloud.start();
    const images = new ImageBuilds(await zk.client());
    state = { cloud, images, dir, builders: [] };
    // Builders stop before the ZK fixture removes the chroot.
    zk.defer(async () => {
      const s = state;
      if (s === null) return;
      for (const b of [...s.builders].reverse()) await b.stop().catch(() => undefined);
    });
  });
  afterEach(async () => {
    const s = state;
    state = null;
    if (s === null) return;
    for (const b of s.builders.reverse()) await b.stop().catch(() => undefined);
    await s.cloud.stop();
    await rm(s.dir, { recursive: true, force: true });
  });

  const cur = (): NonNullable<typeof state> => {
    if (state === null) throw new Error('builder fixture used outside a test');
    return state;
  };
  const imagesDir = (): string => path.join(cur().dir, 'images');
  const configPath = (): string => path.join(cur().dir, 'nodepool.yaml');

  async function useConfig(
    name: string,
    edit: (t: string) => string = (t) => t,
    opts: ConfigTarget = {},
  ): Promise<string> {
    const text = await readFile(path.join(COMPAT_DIR, name), 'utf8');
    const chroot = zk.chroot.path;
    // Each provider gets its own project in the one fake cloud, so that, as with real
    // separate clouds, providers never see (or reuse) each other's images.
    let project = 0;
    const body = edit(
      substitute(
        text.replace(/project-id: 'fake'/g, () => `project-id: 'fake${++project}'`),
        {
          images_dir: opts.imagesDir ?? imagesDir(),
          gearman_port: '4730',
          zookeeper_host: opts.zookeeper?.host ?? address?.host ?? '127.0.0.1',
          zookeeper_port: String(opts.zookeeper?.port ?? address?.port ?? 2181),
          zookeeper_chroot: chroot,
        },
      ),
    );
    const file = opts.file ?? configPath();
    const tmp = `${file}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, file);
    return file;
  }

  async function startBuilder(
    o: Partial<BuilderOptions> & { name?: string } = {},
  ): Promise<TestBuilder> {
    const s = cur();
    const logs = captureLog('debug');
    const { name, ...rest } = o;
    const builder = new NodePoolBuilder({
      configPath: configPath(),
      log: logs.log.child({ name: `nodepool.builder.NodePoolBuilder${name ? `.${name}` : ''}` }),
      buildWorkers: 1,
      uploadWorkers: 2,
      dibCmd: FAKE_DIB,
      hostname: name ?? 'nb-test',
      buildLogDir: path.join(s.dir, 'logs', name ?? 'nb-test'),
      intervals: { buildMs: 200, uploadMs: 200, cleanupMs: 300, errorMs: 200 },
      uploadRetry: { baseMs: 100, maxMs: 400 },
      providerDeps: { tuning: { imagePollMs: 20 } },
      drivers: fakeCloudDrivers(s.cloud),
      ...rest,
    });
    s.builders.push(builder);
    await builder.start();
    return { builder, logs };
  }

  const fx: BuilderFixture = {
    zk,
    get cloud() {
      return cur().cloud;
    },
    get images() {
      return cur().images;
    },
    get dir() {
      return cur().dir;
    },
    get imagesDir() {
      return imagesDir();
    },
    get configPath() {
      return configPath();
    },
    useConfig,
    startBuilder,
    filesOf(image, buildId, dir = imagesDir()) {
      const base = `${image}-${buildId}.`;
      return existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.startsWith(base))
            .sort()
        : [];
    },
    async waitForBuild(image, buildId, want = 'ready') {
      return waitFor(
        async () => {
          const b = await cur().images.getBuild(image, buildId);
          return b?.state === want ? b : null;
        },
        { timeoutMs: WAIT_MS, intervalMs: 100, what: `build ${image}-${buildId} to be ${want}` },
      );
    },
    async waitForImage(provider, image, ignore = []) {
      return waitFor(
        async () => {
          const u = await cur().images.getMostRecentUpload(image, provider);
          if (u === null) return null;
          const seen = ignore.some((i) => i.buildId === u.buildId && i.id === u.id);
          return seen ? null : u;
        },
        {
          timeoutMs: WAIT_MS,
          intervalMs: 100,
          what: `a new ready upload of ${image} to ${provider}`,
        },
      );
    },
    async waitForImageDeletion(provider, image, match) {
      await waitFor(
        async () => {
          const u = await cur().images.getMostRecentUpload(image, provider);
          return (
            u === null ||
            (match !== undefined && (u.buildId !== match.buildId || u.id !== match.id))
          );
        },
        {
          timeoutMs: WAIT_MS,
          intervalMs: 100,
          what: `uploads of ${image} to ${provider} to be deleted`,
        },
      );
    },
    async waitForBuildDeletion(image, buildId) {
      await waitFor(
        async () =>
          fx.filesOf(image, buildId).length === 0 &&
          !existsSync(path.join(imagesDir(), `${image}-${buildId}.d`)) &&
          (await cur().images.getBuild(image, buildId)) === null,
        { timeoutMs: WAIT_MS, intervalMs: 100, what: `build ${image}-${buildId} to be deleted` },
      );
    },
  };
  return fx;
}
