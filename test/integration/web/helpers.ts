/**
 * What the web app tests share: a temp dir with nodepool.yaml (pointing at this test's
 * ZooKeeper chroot) and secure.conf (a SQLite file), seeded image records and nodes, a web
 * app on 127.0.0.1:0 over them with a settable clock, and a raw HTTP client that sends
 * exactly the headers given.
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/config/index.js';
import type { CompiledConfig } from '../../../src/config/index.js';
import { openDatabase } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { ActivityCounters, NodeHistory } from '../../../src/status/index.js';
import { createStatusSource, createWebApp } from '../../../src/web/index.js';
import type { StatusSource, WebApp } from '../../../src/web/index.js';
import { ImageBuilds } from '../../../src/zk/index.js';
import type { CliFiles } from '../../support/nodepool-cli.js';
import type { ZkFixture } from '../../support/zk-fixture.js';

// 2017-01-11 19:00:00 UTC, so that ages are fixed.
export const NOW_MS = 1484161200_000;
export const NOW_S = NOW_MS / 1000;

/** Variants of the web tests' nodepool.yaml. */
export interface WorldOptions {
  /** fake-provider also has a 0.3-era snapshot image `snap-image` (`base-image` + `setup`). */
  snapshotImage?: boolean;
  /** Leave out `zookeeper-servers` (the web source then has no ZooKeeper either). */
  noZooKeeper?: boolean;
  /**
   * small-label gets a `min-ready-schedule` (Asia/Kolkata) whose period 0 sets 2 during
   * the hour of {@link NOW_MS} there (00:30 local).
   */
  schedule?: boolean;
}

const SCHEDULE_YAML = `    min-ready-schedule:
      timezone: Asia/Kolkata
      periods:
        - cron: '* 5 * * *'
          min-ready: 7
        - cron: '* 0 * * *'
          min-ready: 2
`;

/** A 0.3-era snapshot image entry of a provider's `images`. */
const SNAPSHOT_IMAGE_YAML = `      - name: snap-image
        base-image: 'Fake Precise'
        setup: prepare_node.sh
        min-ram: 8192
`;

/**
 * nodepool.yaml of the web tests: two providers, two labels, ZooKeeper at `chroot`
 * (unless `noZooKeeper`), and with `snapshotImage` a snapshot image in fake-provider.
 */
export function nodepoolYaml(
  host: string,
  port: number,
  chroot: string,
  options: WorldOptions = {},
): string {
  const provider = (name: string, max: number): string => `  - name: ${name}
    region-name: fake-region
    username: fake
    password: fake
    auth-url: fake
    project-id: fake
    max-servers: ${max}
    images:
      - name: fake-image
        min-ram: 8192
${options.snapshotImage === true && name === 'fake-provider' ? SNAPSHOT_IMAGE_YAML : ''}`;
  const zk =
    options.noZooKeeper === true
      ? ''
      : `zookeeper-servers:
  - host: ${host}
    port: ${port}
    chroot: ${chroot}
`;
  return `images-dir: /var/tmp/nodepool-test-images
${zk}labels:
  - name: fake-label
    image: fake-image
    min-ready: 3
    providers:
      - name: fake-provider
      - name: other-provider
  - name: small-label
    image: fake-image
    min-ready: 1
${options.schedule === true ? SCHEDULE_YAML : ''}    providers:
      - name: other-provider
providers:
${provider('fake-provider', 4)}${provider('other-provider', 2)}targets:
  - name: fake-target
diskimages:
  - name: fake-image
    elements: [fedora, vm]
`;
}

/** One test's world: files, database, image records, config. */
export interface WebWorld {
  readonly dir: string;
  readonly files: CliFiles;
  readonly db: Database;
  readonly images: ImageBuilds;
  readonly config: CompiledConfig;
  readonly history: NodeHistory;
  readonly counters: ActivityCounters;
  /** The web app's clock; tests move it. */
  clock: number;
  /** A source over this world (ZooKeeper optional, to test 503). */
  source(options?: { withZk?: boolean; withDb?: boolean }): StatusSource;
  /** Starts a web app on 127.0.0.1:0 (stopped by `close`). */
  start(options?: { source?: StatusSource; cacheMs?: number }): Promise<WebApp>;
  close(): Promise<void>;
}

/** Sets up a world in a new temp dir over this test's ZooKeeper chroot. */
export async function createWorld(
  fx: ZkFixture,
  zk: { host: string; port: number },
  options: WorldOptions = {},
): Promise<WebWorld> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-web-'));
  const files = {
    configPath: path.join(dir, 'nodepool.yaml'),
    securePath: path.join(dir, 'secure.conf'),
  };
  const dburi = `sqlite:///${path.join(dir, 'nodepool.db')}`;
  await writeFile(files.configPath, nodepoolYaml(zk.host, zk.port, fx.chroot.path, options));
  await writeFile(files.securePath, `[database]\ndburi=${dburi}\n`);
  const config = await loadConfig(files.configPath, { securePath: files.securePath });
  const db = await openDatabase(dburi, { now: () => Math.floor(world.clock / 1000) });
  const images = new ImageBuilds(await fx.client());
  const apps: WebApp[] = [];
  const log = pino({ level: 'silent' });
  const world: WebWorld = {
    dir,
    files,
    db,
    images,
    config,
    history: new NodeHistory({ minSpacingMs: 0 }),
    counters: new ActivityCounters(),
    clock: NOW_MS,
    source({ withZk = true, withDb = true } = {}) {
      return createStatusSource({
        config: () => config,
        imageBuilds: () => (withZk && options.noZooKeeper !== true ? images : null),
        database: () => (withDb ? db : null),
        history: world.history,
        counters: world.counters,
        launchers: () =>
          Promise.resolve([
            {
              name: 'nl01',
              host: 'h1',
              pid: 11,
              since: NOW_S - 60,
              leader: true,
              providers: ['fake-provider'],
            },
          ]),
        now: () => world.clock,
      });
    },
    async start(options = {}) {
      const app = createWebApp({
        source: options.source ?? world.source(),
        log,
        host: '127.0.0.1',
        port: 0,
        now: () => world.clock,
        ...(options.cacheMs !== undefined ? { cacheMs: options.cacheMs } : {}),
      });
      apps.push(app);
      await app.start();
      return app;
    },
    async close() {
      for (const app of apps) await app.stop();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Seeds two builds (one ready with two uploads, one building) and nodes in several states. */
export async function seed(world: WebWorld): Promise<void> {
  const { images, db } = world;
  const ready = await images.storeBuild('fake-image', {
    state: 'ready',
    stateTime: NOW_S - 3723,
    builder: 'nb01',
    formats: ['qcow2', 'vhd'],
  });
  await images.storeBuild('fake-image', {
    state: 'building',
    stateTime: NOW_S - 4,
    builder: 'nb01',
  });
  await images.storeUpload('fake-image', ready, 'fake-provider', {
    state: 'ready',
    stateTime: NOW_S - 600,
    externalId: 'a1b2',
    externalName: 'template-fake-image-1484159265',
  });
  await images.storeUpload('fake-image', ready, 'other-provider', {
    state: 'uploading',
    stateTime: NOW_S - 7,
  });
  const node = (
    provider: string,
    label: string,
    n: number,
    state: 'ready' | 'building' | 'used' | 'hold',
  ) =>
    db.nodes.create({
      providerName: provider,
      labelName: label,
      targetName: 'fake-target',
      hostname: `${label}-${provider}-${n}`,
      nodename: `${label}-${provider}-${n}`,
      externalId: `srv-${provider}-${n}`,
      ip: `198.51.100.${n}`,
      state,
      ...(state === 'hold' ? { comment: 'debugging bug 123' } : {}),
    });
  world.clock = NOW_MS - 192_000;
  await node('fake-provider', 'fake-label', 1, 'ready');
  await node('fake-provider', 'fake-label', 2, 'building');
  await node('other-provider', 'fake-label', 3, 'used');
  await node('other-provider', 'small-label', 4, 'ready');
  world.clock = NOW_MS - 90_041_000;
  await node('fake-provider', 'fake-label', 5, 'hold');
  world.clock = NOW_MS;
}

/** A raw HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one request with exactly these headers (no default Accept). */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Seeds `snapshot_image` rows of fake-provider's snap-image as 0.3.1 left them: a ready
 * one, a newer one still building, and an old one in delete.
 */
export async function seedSnapshotImages(world: WebWorld): Promise<void> {
  const rows = world.db.snapshotImages;
  world.clock = NOW_MS - 7_200_000;
  const old = await rows.create('fake-provider', 'snap-image');
  await rows.update(old.id, {
    hostname: 'fake-provider-snap-image-1484150000',
    version: 1484150000,
    externalId: 'img-old',
    state: 'delete',
  });
  world.clock = NOW_MS - 3_723_000;
  const ready = await rows.create('fake-provider', 'snap-image');
  await rows.update(ready.id, {
    hostname: 'fake-provider-snap-image-1484157000',
    version: 1484157000,
    externalId: 'img-ready',
    serverExternalId: 'srv-template-1',
    state: 'ready',
  });
  world.clock = NOW_MS - 42_000;
  const building = await rows.create('fake-provider', 'snap-image');
  await rows.update(building.id, {
    hostname: 'fake-provider-snap-image-1484161158',
    version: 1484161158,
    serverExternalId: 'srv-template-2',
  });
  world.clock = NOW_MS;
}
