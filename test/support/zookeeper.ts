/**
 * Throwaway standalone ZooKeeper servers for tests: Debian's `zookeeper` package run with
 * `java` directly, a zoo.cfg in a temp dir, a free 127.0.0.1 port, and stopped by pid.
 * Also per-test chroots (`/nodepool-test/<uuid>`) that are deleted afterwards.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../../src/cmd/pidfile.js';
import { ZkClient } from '../../src/zk/index.js';
import type { CompiledZooKeeperServer } from '../../src/config/index.js';

/** Address of a running server, as handed to test files through `inject('zookeeper')`. */
export interface ZooKeeperAddress {
  host: string;
  port: number;
}

/** What global setup provides: the shared server, or why there is none. */
export type ZooKeeperInfo =
  ({ available: true } & ZooKeeperAddress) | { available: false; reason: string };

export const JAVA = process.env.JAVA ?? '/usr/bin/java';
export const ZK_JAR = process.env.NODEPOOL_TEST_ZK_JAR ?? '/usr/share/java/zookeeper.jar';
export const LOG_JAR = '/usr/share/java/slf4j-simple.jar';

/** Why a ZooKeeper server cannot be started here, or null when it can. */
export function zooKeeperUnavailableReason(): string | null {
  if (!existsSync(JAVA)) return `no Java at ${JAVA} (run scripts/install-deps.sh)`;
  if (!existsSync(ZK_JAR)) return `no ZooKeeper jar at ${ZK_JAR} (run scripts/install-deps.sh)`;
  return null;
}

/** Returns a currently free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null
          ? resolve(addr.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Sends a four-letter word and resolves to the reply, or null on any failure. */
export function fourLetter(port: number, word: string): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let out = '';
    const done = (v: string | null): void => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(2000, () => done(null));
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => (out += d.toString()));
    sock.on('end', () => done(out));
    sock.on('error', () => done(null));
  });
}

/** A standalone ZooKeeper server owned by a test. */
export class ZooKeeperServer implements ZooKeeperAddress {
  readonly host = '127.0.0.1';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /**
   * Starts a server in a new temp dir on a free port and waits until it serves.
   * `tickTimeMs` bounds session timeouts: [2, 120] ticks.
   */
  static async start(options: { tickTimeMs?: number } = {}): Promise<ZooKeeperServer> {
    const reason = zooKeeperUnavailableReason();
    if (reason !== null) throw new Error(`Cannot start ZooKeeper: ${reason}`);
    await reapOrphans();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-zk-'));
    const port = await freePort();
    const tick = options.tickTimeMs ?? 500;
    const cfg = [
      `tickTime=${tick}`,
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,cons,conf',
      `minSessionTimeout=${2 * tick}`,
      `maxSessionTimeout=${120 * tick}`,
      'maxClientCnxns=0',
    ].join('\n');
    await writeFile(path.join(dir, 'zoo.cfg'), cfg + '\n');
    const server = new ZooKeeperServer(port, dir);
    try {
      await server.launch();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The server as a `zookeeper-servers` entry, optionally with a chroot. */
  entry(chroot?: string): CompiledZooKeeperServer {
    return chroot === undefined
      ? { host: this.host, port: this.port }
      : { host: this.host, port: this.port, chroot };
  }

  private async launch(): Promise<void> {
    const logFd = openSync(path.join(this.dir, 'zookeeper.log'), 'a');
    const cp = [ZK_JAR, ...(existsSync(LOG_JAR) ? [LOG_JAR] : [])].join(':');
    try {
      this.child = spawn(
        JAVA,
        [
          '-Xmx256m',
          '-Dzookeeper.jmx.log4j.disable=true',
          '-cp',
          cp,
          'org.apache.zookeeper.server.ZooKeeperServerMain',
          path.join(this.dir, 'zoo.cfg'),
        ],
        { stdio: ['ignore', logFd, logFd] },
      );
    } finally {
      closeSync(logFd);
    }
    const child = this.child;
    // For reapOrphans(): who started this server, and its pid.
    await writeFile(path.join(this.dir, 'owner'), `${process.pid} ${child.pid ?? ''}\n`);
    // Do not outlive the test process, even when it exits without running teardown.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    // `ruok` is answered as soon as the port is bound, before the server serves; ZooKeeper
    // 3.8.0 neither answers nor closes a client connection made then (a NullPointerException
    // in its close). `srvr` names the mode only once the server serves.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `ZooKeeper on port ${this.port} exited (${child.exitCode ?? child.signalCode}) before serving; see ${this.dir}/zookeeper.log`,
        );
      const out = await fourLetter(this.port, 'srvr');
      if (out !== null && /^Mode: standalone$/m.test(out)) {
        // The port was free when picked (or before a restart): make sure no other server took it.
        const conf = (await fourLetter(this.port, 'conf')) ?? '';
        const dataDir = /^dataDir=(.*)$/m.exec(conf)?.[1] ?? '(no answer to conf)';
        if (dataDir.startsWith(path.join(this.dir, 'data'))) return;
        throw new Error(
          `Port ${this.port} is served by another ZooKeeper (dataDir ${dataDir}), not the one in ${this.dir}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `ZooKeeper on port ${this.port} did not serve within 120 s; see ${this.dir}/zookeeper.log`,
    );
  }

  /** Stops the server by its pid (TERM, then KILL after 10 s). The data stays for `restart`. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Starts the server again on the same port and data dir (sessions may survive). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops the server and removes its temp dir. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Stops servers whose test process died without its teardown (a worker killed by SIGKILL
 * or a V8 fatal error runs no exit handler) and removes their temp dirs. A server is ours
 * to kill only while its command line still names its own dir.
 */
export async function reapOrphans(): Promise<void> {
  for (const name of await readdir(os.tmpdir()).catch(() => [])) {
    if (!name.startsWith('nodepool-zk-')) continue;
    const dir = path.join(os.tmpdir(), name);
    const [owner, java] = (await readFile(path.join(dir, 'owner'), 'utf8').catch(() => ''))
      .trim()
      .split(' ')
      .map(Number);
    if (!owner || isProcessAlive(owner)) continue;
    if (java && isProcessAlive(java)) {
      const cmdline = await readFile(`/proc/${java}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(dir)) process.kill(java, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** A per-test chroot under `/nodepool-test`, and a way to remove it afterwards. */
export interface TestChroot {
  /** e.g. `/nodepool-test/3f0c...` */
  readonly path: string;
  /** `zookeeper-servers` entries with this chroot. */
  readonly servers: CompiledZooKeeperServer[];
  /** Deletes the chroot and everything under it. */
  remove(): Promise<void>;
}

/** Makes a new chroot name for `addresses` (created by the client on first connect). */
export function makeTestChroot(addresses: readonly ZooKeeperAddress[]): TestChroot {
  const chroot = `/nodepool-test/${randomUUID()}`;
  const servers = addresses.map((a) => ({ host: a.host, port: a.port, chroot }));
  return {
    path: chroot,
    servers,
    async remove() {
      const root = new ZkClient({
        servers: addresses.map((a) => ({ host: a.host, port: a.port })),
        connectTimeoutMs: 5000,
      });
      try {
        await root.start();
        await root.delete(chroot, { recursive: true }).catch((err: unknown) => {
          if (!(err instanceof Error && 'zkCode' in err && err.zkCode === -101)) throw err;
        });
      } finally {
        await root.stop();
      }
    },
  };
}

export { ZooKeeperEnsemble } from './zookeeper-ensemble.js';
export type { EnsembleServer } from './zookeeper-ensemble.js';
