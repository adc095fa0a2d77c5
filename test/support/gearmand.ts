/**
 * Throwaway Gearman servers for tests: Debian's `gearmand` (package gearman-job-server) in
 * the foreground on a free 127.0.0.1 port with its log in a temp dir, stopped by pid; jobs
 * queued with Debian's `gearman` command-line client (package gearman-tools).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CompiledGearmanServer } from '../../src/config/types.js';
import { delay } from '../../src/util/index.js';
import { freePort } from './zookeeper.js';

const run = promisify(execFile);
const GEARMAND = process.env.NODEPOOL_TEST_GEARMAND ?? '/usr/sbin/gearmand';
const GEARMAN = process.env.NODEPOOL_TEST_GEARMAN ?? '/usr/bin/gearman';

/** Why gearmand tests cannot run here, or null when they can. */
export function gearmandUnavailableReason(): string | null {
  if (!existsSync(GEARMAND))
    return `no gearmand at ${GEARMAND} (run scripts/install-deps.sh: gearman-job-server)`;
  if (!existsSync(GEARMAN))
    return `no gearman client at ${GEARMAN} (run scripts/install-deps.sh: gearman-tools)`;
  return null;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A gearmand owned by a test. `restart()` keeps the port; queued jobs are lost. */
export class Gearmand {
  readonly host = '127.0.0.1';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** Starts a server on a free port (or `port`) in a new temp dir; resolves once it accepts. */
  static async start(options: { port?: number } = {}): Promise<Gearmand> {
    const reason = gearmandUnavailableReason();
    if (reason !== null) throw new Error(`Cannot start gearmand: ${reason}`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-gearmand-'));
    const server = new Gearmand(options.port ?? (await freePort()), dir);
    try {
      await server.launch();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The server as a `gearman-servers` entry. */
  get entry(): CompiledGearmanServer {
    return { host: this.host, port: this.port };
  }

  /** Pid of the running server, or null. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private async launch(): Promise<void> {
    const child = spawn(
      GEARMAND,
      [
        '--listen=127.0.0.1',
        `--port=${this.port}`,
        `--log-file=${path.join(this.dir, 'gearmand.log')}`,
        `--pid-file=${path.join(this.dir, 'gearmand.pid')}`,
        '--verbose=INFO',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await canConnect(this.port)) return;
      await delay(50);
    }
    const log = await readFile(path.join(this.dir, 'gearmand.log'), 'utf8').catch(() => '');
    throw new Error(
      `gearmand on port ${this.port} did not accept connections within 20 s: ${log.slice(-500)}`,
    );
  }

  /** Kills the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([
        this.exited.then(() => true),
        delay(5_000).then(() => false),
      ]);
      if (!killed) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
  }

  /** Kills the server and starts a fresh one on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Kills the server and removes its temp dir. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Queues `count` background jobs of `fn` with Debian's `gearman` client. */
  async queue(fn: string, count = 1): Promise<void> {
    for (let i = 0; i < count; i++) {
      await run(
        GEARMAN,
        ['-h', this.host, '-p', String(this.port), '-f', fn, '-b', '--', `job ${i}`],
        {
          timeout: 10_000,
        },
      );
    }
  }

  /** The raw admin `status` reply, read with a plain socket (for cross-checking). */
  adminStatus(): Promise<string> {
    return this.admin('status');
  }

  /** Sends a dotted-reply admin command (`status`, `workers`) on a plain socket. */
  admin(command: 'status' | 'workers'): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port });
      let out = '';
      s.on('connect', () => s.write(`${command}\n`));
      s.on('data', (d) => {
        out += d.toString();
        if (out === '.\n' || out.endsWith('\n.\n')) {
          s.destroy();
          resolve(out);
        }
      });
      s.on('error', reject);
    });
  }
}
