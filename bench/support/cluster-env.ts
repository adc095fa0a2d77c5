/**
 * A launcher cluster measured from outside (issue #15): N `bin/nodepoold` processes, each
 * with its own `--launcher-name`, on one three-server ZooKeeper ensemble (shared across
 * trials, a chroot per trial), one database and a `nodepool-fake-cloud` process. The config
 * is written with every `min-ready` at 0 first; `startDemand()` rewrites it with the real
 * figures once every member has registered and every provider is held by its rendezvous owner, so the
 * measurement sees the cluster in its steady state, not members joining and providers
 * moving. The daemons pick the new config up through their file watcher.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherList, rendezvousOwner } from '../../src/cluster/index.js';
import type { LauncherListEntry } from '../../src/cluster/index.js';
import type { FakeCloudKnobsPatch } from '../../src/fakecloud/index.js';
import { ImageBuilds, ZkClient } from '../../src/zk/index.js';
import { FakeCloudProcess } from '../../test/support/fake-cloud-process.js';
import type { SqlBackendInfo } from '../../test/support/sql-backends.js';
import { createTestDatabase } from '../../test/support/sql-db.js';
import type { ZooKeeperEnsemble } from '../../test/support/zookeeper-ensemble.js';
import { procCpuSeconds, requireFreshBuild } from './proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One provider, serving one label of its own. */
export interface ClusterProvider {
  name: string;
  maxServers: number;
  rate: number;
  label: string;
  minReady: number;
}

/** Options of {@link startClusterEnv}. */
export interface ClusterEnvOptions {
  ensemble: ZooKeeperEnsemble;
  /** A fresh chroot per trial, e.g. `/bench-cluster-1`. */
  chroot: string;
  launchers: number;
  providers: readonly ClusterProvider[];
  knobs: FakeCloudKnobsPatch;
  backend: SqlBackendInfo;
  /** Write each daemon's V8 CPU profile into this directory (`--cpu-prof`). */
  cpuProfDir?: string;
}

/** A running cluster under measurement. */
export interface ClusterEnv {
  readonly names: readonly string[];
  /** Resolves once every member is listed and every provider is held by its rendezvous owner. */
  waitFormed(timeoutMs: number): Promise<LauncherListEntry[]>;
  /** Rewrites the config with the providers' real `min-ready`. */
  startDemand(): Promise<void>;
  apiCalls(): Promise<number>;
  /** The fake cloud's call counters by kind (identity calls left out). */
  callCounts(): Promise<Record<string, number>>;
  /** Node rows in the database (the leader inserts one per launch). */
  nodeRows(): Promise<number>;
  /** CPU seconds (user + system) of each daemon so far, by launcher name. */
  cpuSeconds(): Record<string, number>;
  /** CPU seconds of the fake cloud process so far. */
  cloudCpuSeconds(): number;
  /** Output of all daemons (a tail, for error messages). */
  output(): string;
  /** Names of daemons that have exited. */
  exited(): string[];
  stop(): Promise<void>;
}

function configYaml(o: ClusterEnvOptions, demand: boolean): string {
  const lines = [
    'cron:',
    "  cleanup: '0 0 1 1 *'",
    "  check: '0 0 1 1 *'",
    'zookeeper-servers:',
    ...o.ensemble
      .entries(o.chroot)
      .flatMap((s) => [`  - host: ${s.host}`, `    port: ${s.port}`, `    chroot: ${o.chroot}`]),
    'labels:',
    ...o.providers.flatMap((p) => [
      `  - name: ${p.label}`,
      '    image: bench-image',
      `    min-ready: ${demand ? p.minReady : 0}`,
      '    providers:',
      `      - name: ${p.name}`,
    ]),
    'providers:',
    ...o.providers.flatMap((p) => [
      `  - name: ${p.name}`,
      '    cloud: benchcloud',
      `    max-servers: ${p.maxServers}`,
      `    rate: ${p.rate}`,
      '    images:',
      '      - name: bench-image',
      '        min-ram: 512',
    ]),
    'targets:',
    '  - name: bench-target',
    '',
  ];
  return lines.join('\n');
}

/** Starts the fake cloud, the database and the daemons (with no demand yet). */
export async function startClusterEnv(o: ClusterEnvOptions): Promise<ClusterEnv> {
  requireFreshBuild('the cluster benchmark');
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
    const cloud = await FakeCloudProcess.start({ knobs: o.knobs });
    cleanups.push(() => cloud.stop());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-bench-cluster-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sql = await createTestDatabase(o.backend);
    cleanups.push(() => sql.drop());
    const configPath = path.join(dir, 'nodepool.yaml');
    const securePath = path.join(dir, 'secure.conf');
    await writeFile(configPath, configYaml(o, false));
    await writeFile(securePath, `[database]\ndburi=${sql.dburi}\n`);
    await writeFile(path.join(dir, 'clouds.yaml'), cloud.cloudsYaml('benchcloud'));
    const client = new ZkClient({ servers: o.ensemble.entries(o.chroot) });
    await client.start();
    cleanups.push(() => client.stop());
    const images = new ImageBuilds(client);
    const cloudImage = (await cloud.state()).images[0]!;
    const build = await images.storeBuild('bench-image', { state: 'ready' });
    for (const p of o.providers)
      await images.storeUpload('bench-image', build, p.name, {
        state: 'ready',
        externalId: cloudImage.id,
        externalName: cloudImage.name,
      });
    const names = Array.from({ length: o.launchers }, (_, i) => `bench-l${i + 1}`);
    // Not beside nodepool.yaml: every daemon watches that directory, and a log written there
    // would wake all of them at each line (operators keep logs under /var/log).
    const logDir = path.join(dir, 'logs');
    await mkdir(logDir);
    const prof = o.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir];
    const daemons: Array<{ name: string; child: ChildProcess; log: string }> = [];
    for (const name of names) {
      const log = path.join(logDir, `${name}.log`);
      const fd = openSync(log, 'a');
      let child: ChildProcess;
      try {
        child = spawn(
          process.execPath,
          [
            ...prof,
            path.join(ROOT, 'bin/nodepoold'),
            '-d',
            '--no-webapp',
            '--launcher-name',
            name,
            '-c',
            configPath,
            '-s',
            securePath,
            '-p',
            path.join(dir, `${name}.pid`),
          ],
          {
            cwd: dir,
            env: {
              ...process.env,
              OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml'),
              STATSD_HOST: '',
            },
            // A file, not a pipe this busy process would have to drain.
            stdio: ['ignore', fd, fd],
          },
        );
      } finally {
        closeSync(fd);
      }
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      daemons.push({ name, child, log });
      cleanups.push(async () => {
        const keep = process.env['BENCH_DAEMON_OUTPUT'];
        if (keep !== undefined && keep !== '')
          await writeFile(`${keep}.${name}`, readFileSync(log, 'utf8'));
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      });
    }
    const output = (): string =>
      daemons
        .map((d) => `--- ${d.name} ---\n${readFileSync(d.log, 'utf8').slice(-1500)}`)
        .join('\n');
    const exitedNames = (): string[] =>
      daemons
        .filter((d) => d.child.exitCode !== null || d.child.signalCode !== null)
        .map((d) => d.name);
    const counts = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        Object.entries(await cloud.calls()).filter(([k]) => !k.startsWith('identity')),
      );
    return {
      names,
      async waitFormed(timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const gone = exitedNames();
          if (gone.length > 0)
            throw new Error(`nodepoold ${gone.join(', ')} exited at start: ${output()}`);
          const list = await readLauncherList(client);
          // Every provider held by its rendezvous owner: no hand-over left to happen.
          const held = new Map(list.flatMap((m) => m.providers.map((p) => [p, m.name] as const)));
          const members = list.map((m) => m.name);
          if (
            list.length === o.launchers &&
            o.providers.every((p) => held.get(p.name) === rendezvousOwner(p.name, members))
          )
            return list;
          if (Date.now() > deadline)
            throw new Error(
              `Timed out after ${timeoutMs} ms waiting for ${o.launchers} members owning all providers: ${JSON.stringify(list)}\n${output()}`,
            );
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      async startDemand() {
        // Whole, as a deploy tool replaces it: the watcher must not read a half-written file.
        await writeFile(`${configPath}.new`, configYaml(o, true));
        await rename(`${configPath}.new`, configPath);
      },
      apiCalls: async () => Object.values(await counts()).reduce((s, n) => s + n, 0),
      callCounts: counts,
      nodeRows: async () => {
        const rows: Array<{ n?: number | string }> = await sql.knex('node').count({ n: '*' });
        const row = rows[0];
        return Number(row?.n ?? 0);
      },
      cpuSeconds: () =>
        Object.fromEntries(daemons.map((d) => [d.name, procCpuSeconds(d.child.pid ?? 0)])),
      cloudCpuSeconds: () => procCpuSeconds(cloud.pid),
      output,
      exited: exitedNames,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
