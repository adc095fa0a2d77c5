/**
 * A launcher to benchmark: a standalone ZooKeeper, a fake cloud (in this process, or as a
 * separate `nodepool-fake-cloud` process so it does not share the launcher's event loop;
 * `auth-url: fake` → fake SSH as upstream), a database (SQLite in a temp dir, or a fresh
 * database on MariaDB/PostgreSQL), config files written from a small template, and a ready
 * image upload record per provider.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openDatabase } from '../../src/db/index.js';
import type { Database } from '../../src/db/index.js';
import { FakeCloud } from '../../src/fakecloud/index.js';
import type { FakeCloudOptions } from '../../src/fakecloud/index.js';
import { SHIPPED_SSH_SEAM } from '../../src/cmd/ssh-seam.js';
import { createLauncherService } from '../../src/launcher/index.js';
import type { LauncherOptions, LauncherService } from '../../src/launcher/index.js';
import { createNoopStats } from '../../src/stats/index.js';
import { ImageBuilds, ZkClient } from '../../src/zk/index.js';
import { fakeCloudDrivers } from '../../test/support/fake-drivers.js';
import { FakeCloudProcess } from '../../test/support/fake-cloud-process.js';
import type { SqlBackendInfo } from '../../test/support/sql-backends.js';
import { createTestDatabase } from '../../test/support/sql-db.js';
import type { TestDatabase } from '../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../test/support/zookeeper.js';

/** One provider of the benchmark config. */
export interface BenchProvider {
  name: string;
  maxServers: number;
  rate: number;
  /** Labels served only by this provider, with their min-ready. */
  labels: Array<{ name: string; minReady: number }>;
}

/** Options of {@link startLauncherEnv}. */
export interface LauncherEnvOptions {
  cloud?: FakeCloudOptions;
  /** Run the fake cloud as a separate process (only knobs of `cloud` apply). */
  cloudProcess?: boolean;
  /** SQL backend. @default SQLite */
  backend?: SqlBackendInfo;
  launcher?: Partial<LauncherOptions>;
  /**
   * Open the bench's own database handle (`db`, `readyCount`). Off when counting the
   * launcher's connections on the server. @default true
   */
  benchDb?: boolean;
}

/** A running benchmark environment. */
export interface LauncherEnv {
  /** The in-process fake cloud, or null with `cloudProcess`. */
  cloud: FakeCloud | null;
  /** The bench's own handle (null with `benchDb: false`). */
  db: Database | null;
  sql: TestDatabase;
  launcher: LauncherService;
  /** Cloud API calls by `service METHOD path` so far. */
  calls(): Promise<Record<string, number>>;
  /** Total cloud API calls (all services but identity) so far. */
  apiCalls(): Promise<number>;
  /** Servers the cloud holds. */
  serverCount(): Promise<number>;
  /** Nodes in state ready. */
  readyCount(): Promise<number>;
  stop(): Promise<void>;
}

function configYaml(zk: ZooKeeperServer, providers: readonly BenchProvider[]): string {
  const lines = [
    'cron:',
    "  cleanup: '0 0 1 1 *'",
    "  check: '0 0 1 1 *'",
    'zookeeper-servers:',
    `  - host: ${zk.host}`,
    `    port: ${zk.port}`,
    '    chroot: /bench',
    'labels:',
  ];
  for (const p of providers)
    for (const l of p.labels)
      lines.push(
        `  - name: ${l.name}`,
        '    image: bench-image',
        `    min-ready: ${l.minReady}`,
        '    providers:',
        `      - name: ${p.name}`,
      );
  lines.push('providers:');
  for (const p of providers) {
    lines.push(
      `  - name: ${p.name}`,
      '    region-name: RegionOne',
      "    auth-url: 'fake'",
      "    username: 'bench'",
      "    password: 'bench'",
      "    project-id: 'bench'",
      `    max-servers: ${p.maxServers}`,
      `    rate: ${p.rate}`,
      '    images:',
      '      - name: bench-image',
      '        min-ram: 512',
    );
  }
  lines.push('targets:', '  - name: bench-target', '');
  return lines.join('\n');
}

function knobsOf(o: FakeCloudOptions): Record<string, unknown> {
  const {
    host: _h,
    port: _p,
    regions: _r,
    availabilityZones: _a,
    users: _u,
    checkKeyNames: _c,
    random: _x,
    ...knobs
  } = o;
  return knobs;
}

/** Starts everything; the launcher is created, not started. */
export async function startLauncherEnv(
  providers: readonly BenchProvider[],
  options: LauncherEnvOptions = {},
): Promise<LauncherEnv> {
  const reason = zooKeeperUnavailableReason();
  if (reason !== null) throw new Error(`Cannot run the launcher benchmarks: ${reason}`);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(`bench cleanup: ${String(err)}\n`);
      }
    }
  };
  try {
    const zk = await ZooKeeperServer.start();
    cleanups.push(() => zk.stop());
    let cloud: FakeCloud | null = null;
    let proc: FakeCloudProcess | null = null;
    if (options.cloudProcess === true) {
      proc = await FakeCloudProcess.start({ knobs: knobsOf(options.cloud ?? {}) });
      const p = proc;
      cleanups.push(() => p.stop());
    } else {
      const c = (cloud = new FakeCloud({ checkKeyNames: false, ...options.cloud }));
      await c.start();
      cleanups.push(() => c.stop());
    }
    const authUrl = proc?.authUrl ?? cloud!.authUrl;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-bench-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sql = await createTestDatabase(options.backend ?? { name: 'sqlite', available: true });
    cleanups.push(() => sql.drop());
    const configPath = path.join(dir, 'nodepool.yaml');
    const securePath = path.join(dir, 'secure.conf');
    await writeFile(configPath, configYaml(zk, providers));
    await writeFile(securePath, `[database]\ndburi=${sql.dburi}\n`);
    const client = new ZkClient({ servers: [{ host: zk.host, port: zk.port, chroot: '/bench' }] });
    await client.start();
    cleanups.push(() => client.stop());
    const images = new ImageBuilds(client);
    const cloudImage = proc ? (await proc.state()).images[0]! : cloud!.snapshot().images[0]!;
    const build = await images.storeBuild('bench-image', { state: 'ready' });
    for (const p of providers)
      await images.storeUpload('bench-image', build, p.name, {
        state: 'ready',
        externalId: cloudImage.id,
        externalName: cloudImage.name,
      });
    const db = options.benchDb === false ? null : await openDatabase(sql.dburi, { poolMax: 1 });
    if (db !== null) cleanups.push(() => db.close());
    const launcher = createLauncherService({
      configPath,
      securePath,
      log: pino({ level: process.env['BENCH_LOG'] ?? 'silent' }).child({
        name: 'nodepool.NodePool',
      }),
      noDeletes: false,
      noLaunches: false,
      stats: createNoopStats(),
      drivers: fakeCloudDrivers({ authUrl }),
      // As nodepoold composes it: `auth-url: fake` providers' nodes get in-memory SSH.
      ssh: SHIPPED_SSH_SEAM,
      timing: { stopGraceMs: 100 },
      ...options.launcher,
    });
    cleanups.push(() => launcher.stop());
    const calls = async (): Promise<Record<string, number>> =>
      proc ? proc.calls() : cloud!.calls();
    return {
      cloud,
      db,
      sql,
      launcher,
      calls,
      apiCalls: async () =>
        Object.entries(await calls())
          .filter(([k]) => !k.startsWith('identity'))
          .reduce((s, [, n]) => s + n, 0),
      serverCount: async () =>
        proc ? (await proc.state()).servers.length : cloud!.snapshot().servers.length,
      readyCount: () =>
        db === null
          ? Promise.reject(new Error('readyCount needs benchDb'))
          : db.nodes.count({ state: 'ready' }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
