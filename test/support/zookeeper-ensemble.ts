/**
 * A three-server ZooKeeper ensemble on 127.0.0.1 for cluster tests: each server in its own
 * temp dir (`nodepool-zk-*`, reaped like the standalone ones), stoppable, killable and
 * restartable one by one; `leader()` asks each server's `srvr` which one leads.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CompiledZooKeeperServer } from '../../src/config/index.js';
import {
  JAVA,
  LOG_JAR,
  ZK_JAR,
  fourLetter,
  freePort,
  reapOrphans,
  zooKeeperUnavailableReason,
} from './zookeeper.js';
import type { ZooKeeperAddress } from './zookeeper.js';

/** One server of the ensemble. */
export interface EnsembleServer extends ZooKeeperAddress {
  /** `myid`, 1-based. */
  readonly id: number;
  readonly dir: string;
  /** True while its process runs. */
  readonly running: boolean;
}

class Server implements EnsembleServer {
  readonly host = '127.0.0.1';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly port: number,
    readonly dir: string,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  /** True when the process was started and has ended by itself. */
  get hasExited(): boolean {
    const c = this.child;
    return c !== null && (c.exitCode !== null || c.signalCode !== null);
  }

  /** The last lines of the server's log, for error messages. */
  async logTail(lines = 15): Promise<string> {
    const text = await readFile(path.join(this.dir, 'zookeeper.log'), 'utf8').catch(() => '');
    return `--- server ${this.id} (${this.dir}) ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
  }

  launch(): void {
    const logFd = openSync(path.join(this.dir, 'zookeeper.log'), 'a');
    const cp = [ZK_JAR, ...(existsSync(LOG_JAR) ? [LOG_JAR] : [])].join(':');
    let child: ChildProcess;
    try {
      child = spawn(
        JAVA,
        [
          '-Xmx128m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          '-Dzookeeper.jmx.log4j.disable=true',
          '-cp',
          cp,
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          path.join(this.dir, 'zoo.cfg'),
        ],
        { stdio: ['ignore', logFd, logFd] },
      );
    } finally {
      closeSync(logFd);
    }
    this.child = child;
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
  }

  async writeOwner(): Promise<void> {
    await writeFile(path.join(this.dir, 'owner'), `${process.pid} ${this.child?.pid ?? ''}\n`);
  }

  async halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** `leader`, `follower`, or null when not serving. */
  async mode(): Promise<'leader' | 'follower' | null> {
    if (this.child === null) return null;
    const out = await fourLetter(this.port, 'srvr');
    const m = out === null ? null : /Mode: (leader|follower)/.exec(out);
    return m === null ? null : (m[1] as 'leader' | 'follower');
  }
}

/** Three ZooKeeper servers forming one ensemble. */
export class ZooKeeperEnsemble {
  private constructor(private readonly servers: Server[]) {}

  /** Starts the servers and waits until they serve with one leader. */
  static async start(options: { tickTimeMs?: number } = {}): Promise<ZooKeeperEnsemble> {
    const reason = zooKeeperUnavailableReason();
    if (reason !== null) throw new Error(`Cannot start ZooKeeper: ${reason}`);
    await reapOrphans();
    // Free ports are picked then released, so another process may take one first: retry
    // with new ports (a server that cannot bind exits at once).
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await ZooKeeperEnsemble.startOnce(options.tickTimeMs ?? 500);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  private static async startOnce(tick: number): Promise<ZooKeeperEnsemble> {
    const ids = [1, 2, 3];
    const ports = await Promise.all(
      ids.map(async () => [await freePort(), await freePort(), await freePort()]),
    );
    const peers = ids.map((id, i) => `server.${id}=127.0.0.1:${ports[i]![1]}:${ports[i]![2]}`);
    const servers: Server[] = [];
    for (const [i, id] of ids.entries()) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-zk-'));
      mkdirSync(path.join(dir, 'data'));
      await writeFile(path.join(dir, 'data', 'myid'), `${id}\n`);
      const cfg = [
        `tickTime=${tick}`,
        'initLimit=20',
        'syncLimit=4',
        `dataDir=${path.join(dir, 'data')}`,
        `clientPort=${ports[i]![0]}`,
        'clientPortAddress=127.0.0.1',
        'admin.enableServer=false',
        '4lw.commands.whitelist=ruok,srvr,stat,cons',
        `minSessionTimeout=${2 * tick}`,
        `maxSessionTimeout=${120 * tick}`,
        'maxClientCnxns=0',
        ...peers,
      ];
      await writeFile(path.join(dir, 'zoo.cfg'), cfg.join('\n') + '\n');
      servers.push(new Server(id, ports[i]![0]!, dir));
    }
    const ensemble = new ZooKeeperEnsemble(servers);
    try {
      for (const s of servers) {
        s.launch();
        await s.writeOwner();
      }
      await ensemble.waitServing(60_000);
    } catch (err) {
      const logs = await Promise.all(servers.map((s) => s.logTail()));
      await ensemble.stop();
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
    }
    return ensemble;
  }

  /** The servers, by id. */
  list(): readonly EnsembleServer[] {
    return this.servers;
  }

  /** All servers as `zookeeper-servers` entries, optionally with a chroot. */
  entries(chroot?: string): CompiledZooKeeperServer[] {
    return this.servers.map((s) =>
      chroot === undefined
        ? { host: s.host, port: s.port }
        : { host: s.host, port: s.port, chroot },
    );
  }

  /** Addresses of all servers (for makeTestChroot). */
  addresses(): ZooKeeperAddress[] {
    return this.servers.map((s) => ({ host: s.host, port: s.port }));
  }

  /** The id of the server that leads the ensemble now, or null. */
  async leader(): Promise<number | null> {
    for (const s of this.servers) if ((await s.mode()) === 'leader') return s.id;
    return null;
  }

  /** Kills server `id` with SIGKILL (its data stays for `startServer`). */
  async killServer(id: number): Promise<void> {
    await this.server(id).halt('SIGKILL');
  }

  /** Stops server `id` with SIGTERM. */
  async stopServer(id: number): Promise<void> {
    await this.server(id).halt('SIGTERM');
  }

  /** Starts server `id` again and waits until the running servers serve with one leader. */
  async startServer(id: number): Promise<void> {
    const s = this.server(id);
    if (s.running) return;
    s.launch();
    await s.writeOwner();
    await this.waitServing();
  }

  /** Waits until every running server serves and exactly one of them leads. */
  async waitServing(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = this.servers.filter((s) => s.running);
      const dead = running.find((s) => s.hasExited);
      if (dead !== undefined) throw new Error(`ZooKeeper server ${dead.id} exited at start`);
      const modes = await Promise.all(running.map((s) => s.mode()));
      if (modes.every((m) => m !== null) && modes.filter((m) => m === 'leader').length === 1)
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = this.servers.map((s) => `${s.dir}/zookeeper.log`).join(', ');
    throw new Error(`The ZooKeeper ensemble did not serve within ${timeoutMs} ms; see ${logs}`);
  }

  /** Stops every server and removes their dirs. */
  async stop(): Promise<void> {
    for (const s of this.servers) await s.halt('SIGTERM');
    for (const s of this.servers) await rm(s.dir, { recursive: true, force: true });
  }

  private server(id: number): Server {
    const s = this.servers.find((x) => x.id === id);
    if (s === undefined) throw new Error(`no ZooKeeper server ${id} in the ensemble`);
    return s;
  }
}
