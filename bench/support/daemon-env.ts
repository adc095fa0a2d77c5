/**
 * A launcher measured from outside, as an operator runs it: `bin/nodepoold` spawned as its
 * own process (the clock starts at the spawn), a `nodepool-fake-cloud` process whose every
 * ACTIVE server answers SSH on its own address, port 22 (`--ssh-port 22`: needs root), a
 * standalone ZooKeeper and a SQLite database. The bench reads the daemon's CPU time and peak
 * RSS from /proc while it runs.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { openDatabase, stateCode, stateName } from '../../src/db/index.js';
import type { Database } from '../../src/db/index.js';
import type {
  FakeCloudKnobsPatch,
  FakeServerCall,
  NodeSshActivity,
} from '../../src/fakecloud/index.js';
import { ImageBuilds, ZkClient } from '../../src/zk/index.js';
import { FakeCloudProcess } from '../../test/support/fake-cloud-process.js';
import { createTestDatabase } from '../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../test/support/zookeeper.js';
import { procCpuSeconds, requireFreshBuild } from './proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Options of {@link startDaemonEnv}. */
export interface DaemonEnvOptions {
  labels: Array<{ name: string; minReady: number }>;
  maxServers: number;
  rate: number;
  /** Fake cloud knobs (build and delete delays, latency). */
  knobs: FakeCloudKnobsPatch;
  /**
   * Diagnostic only: no SSH endpoints; the daemon runs through the test harness entry
   * with a fake SSH seam instead of the shipped `bin/nodepoold`.
   */
  fakeSsh?: boolean;
  /** Write a V8 CPU profile of the daemon into this directory (`--cpu-prof`). */
  cpuProfDir?: string;
}

/** A running daemon under measurement. */
export interface DaemonEnv {
  /** performance.now() at the daemon's spawn. */
  readonly spawnedAt: number;
  readonly pid: number;
  readyCount(): Promise<number>;
  /** CPU seconds (user + system) the daemon used so far. */
  cpuSeconds(): number;
  /** Peak resident set size so far, MiB (VmHWM). */
  peakRssMiB(): number;
  apiCalls(): Promise<number>;
  /** Cloud server ids. */
  serverIds(): Promise<string[]>;
  sshActivity(): Promise<Record<string, NodeSshActivity>>;
  /** Marks one ready node `delete` (the daemon launches its replacement); returns its id. */
  retireOneReady(): Promise<number>;
  /** The fake cloud's latest server creates and deletes, with arrival times (`Date.now()`). */
  serverCalls(): Promise<FakeServerCall[]>;
  /** Node counts by state name. */
  states(): Promise<Record<string, number>>;
  /** The daemon's config files, for running the `nodepool` CLI against it. */
  readonly files: { configPath: string; securePath: string; cloudsPath: string };
  output(): string;
  /** True once the daemon process has exited. */
  exited(): boolean;
  stop(): Promise<void>;
}

function configYaml(zk: ZooKeeperServer, o: DaemonEnvOptions, keyPath: string): string {
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
  for (const l of o.labels)
    lines.push(
      `  - name: ${l.name}`,
      '    image: bench-image',
      `    min-ready: ${l.minReady}`,
      '    providers:',
      '      - name: p1',
    );
  lines.push(
    'providers:',
    '  - name: p1',
    '    cloud: benchcloud',
    `    max-servers: ${o.maxServers}`,
    `    rate: ${o.rate}`,
    '    images:',
    '      - name: bench-image',
    '        min-ram: 512',
    '        username: bench',
    `        private-key: ${keyPath}`,
  );
  lines.push('targets:', '  - name: bench-target', '');
  return lines.join('\n');
}

function procPeakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

function spawnDaemon(
  o: DaemonEnvOptions,
  dir: string,
  configPath: string,
  securePath: string,
  logFd: number,
): ChildProcess {
  const prof = o.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir];
  const args =
    o.fakeSsh === true
      ? [
          ...prof,
          '--import',
          path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'),
          path.join(ROOT, 'test/support/nodepoold-harness.ts'),
          '--fake-ssh',
        ]
      : [...prof, path.join(ROOT, 'bin/nodepoold')];
  return spawn(
    process.execPath,
    [...args, '-d', '--no-webapp', '-c', configPath, '-s', securePath],
    {
      cwd: dir,
      env: {
        ...process.env,
        OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml'),
        STATSD_HOST: '',
      },
      // A file, as an operator's service manager or log file takes it: not a pipe this
      // (busy) process drains, whose back-pressure would spin the daemon's sync writes.
      stdio: ['ignore', logFd, logFd],
    },
  );
}

/** Starts ZooKeeper, the fake cloud process and the database, then spawns the daemon. */
export async function startDaemonEnv(o: DaemonEnvOptions): Promise<DaemonEnv> {
  const reason = zooKeeperUnavailableReason();
  if (reason !== null) throw new Error(`Cannot run the daemon benchmarks: ${reason}`);
  if (o.fakeSsh !== true) requireFreshBuild('the daemon benchmarks');
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
    const cloud = await FakeCloudProcess.start({
      args: o.fakeSsh === true ? [] : ['--ssh-port', '22'],
      knobs: o.knobs,
    });
    cleanups.push(() => cloud.stop());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-bench-daemon-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sql = await createTestDatabase({ name: 'sqlite', available: true });
    cleanups.push(() => sql.drop());
    // The image's login key: RSA 2048, what most images' `private-key` is.
    const keyPath = path.join(dir, 'id_rsa');
    await writeFile(keyPath, ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }).private, {
      mode: 0o600,
    });
    const configPath = path.join(dir, 'nodepool.yaml');
    const securePath = path.join(dir, 'secure.conf');
    await writeFile(configPath, configYaml(zk, o, keyPath));
    await writeFile(securePath, `[database]\ndburi=${sql.dburi}\n`);
    await writeFile(path.join(dir, 'clouds.yaml'), cloud.cloudsYaml('benchcloud'));
    const client = new ZkClient({ servers: [{ host: zk.host, port: zk.port, chroot: '/bench' }] });
    await client.start();
    cleanups.push(() => client.stop());
    const images = new ImageBuilds(client);
    const cloudImage = (await cloud.state()).images[0]!;
    const build = await images.storeBuild('bench-image', { state: 'ready' });
    await images.storeUpload('bench-image', build, 'p1', {
      state: 'ready',
      externalId: cloudImage.id,
      externalName: cloudImage.name,
    });
    const db: Database = await openDatabase(sql.dburi, { poolMax: 1 });
    cleanups.push(() => db.close());
    const logPath = path.join(dir, 'nodepoold.log');
    const logFd = openSync(logPath, 'a');
    const spawnedAt = performance.now();
    const child = spawnDaemon(o, dir, configPath, securePath, logFd);
    closeSync(logFd); // the child has its own copy
    const out = (): string => readFileSync(logPath, 'utf8');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      const keep = process.env['BENCH_DAEMON_OUTPUT'];
      if (keep !== undefined && keep !== '') await writeFile(`${keep}.${child.pid ?? 0}`, out());
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    });
    const pid = child.pid!;
    return {
      spawnedAt,
      pid,
      readyCount: () => db.nodes.count({ state: 'ready' }),
      cpuSeconds: () => procCpuSeconds(pid),
      peakRssMiB: () => procPeakRssMiB(pid),
      apiCalls: async () =>
        Object.entries(await cloud.calls())
          .filter(([k]) => !k.startsWith('identity'))
          .reduce((s, [, n]) => s + n, 0),
      serverIds: async () => (await cloud.state()).servers.map((s) => s.id),
      sshActivity: () => cloud.sshActivity(),
      retireOneReady: async () => {
        const [node] = await db.nodes.list({ state: 'ready' });
        if (node === undefined) throw new Error('Cannot retire a node: none is ready');
        await sql
          .knex('node')
          .where({ id: node.id })
          .update({ state: stateCode('delete') });
        return node.id;
      },
      serverCalls: () => cloud.serverCalls(),
      states: async () => {
        const out: Record<string, number> = {};
        for (const c of await db.nodes.countBy(['state']))
          out[stateName(c.state ?? 0)] = (out[stateName(c.state ?? 0)] ?? 0) + c.count;
        return out;
      },
      files: { configPath, securePath, cloudsPath: path.join(dir, 'clouds.yaml') },
      output: out,
      exited: () => child.exitCode !== null || child.signalCode !== null,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
