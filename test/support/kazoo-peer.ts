/**
 * Drives `test/fixtures/zk/kazoo-peer.py` (Debian's python3-kazoo) from tests: a real Kazoo
 * client taking the same locks and writing records the way Python Nodepool does.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/zk/kazoo-peer.py',
);

/** Why Kazoo cannot be used here, or null. */
export function kazooUnavailableReason(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import kazoo.recipe.lock'], { encoding: 'utf8' });
  if (r.error !== undefined) return `cannot run ${PYTHON}: ${r.error.message}`;
  if (r.status !== 0)
    return `${PYTHON} cannot import kazoo (install python3-kazoo): ${r.stderr.trim()}`;
  return null;
}

interface Reply {
  result?: unknown;
  error?: string;
  ready?: boolean;
}

/** One Kazoo client process. Commands run one at a time, in order. */
export class KazooPeer {
  private readonly replies: Reply[] = [];
  private waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const r = JSON.parse(line) as Reply;
      const w = this.waiters.shift();
      if (w) w.resolve(r);
      else this.replies.push(r);
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => {
      for (const w of this.waiters.splice(0))
        w.reject(new Error(`Kazoo peer exited (${code}): ${this.stderr}`));
    });
  }

  /** Starts a peer connected to `hosts` (`host:port[/chroot]`). */
  static async start(hosts: string): Promise<KazooPeer> {
    const child = spawn(PYTHON, [SCRIPT, hosts], { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new KazooPeer(child);
    const ready = await peer.next();
    if (ready.ready !== true)
      throw new Error(`Kazoo peer did not start: ${JSON.stringify(ready)} ${peer.stderr}`);
    return peer;
  }

  private next(): Promise<Reply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.child.exitCode !== null)
      return Promise.reject(new Error(`Kazoo peer exited: ${this.stderr}`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends a command line and resolves to its reply. */
  async send(line: string): Promise<Reply> {
    this.child.stdin!.write(line + '\n');
    return this.next();
  }

  /** Kazoo `Lock(path).acquire(blocking, timeout)`: true, false, or 'timeout'. */
  async lock(
    lockPath: string,
    options: { blocking?: boolean; timeoutSec?: number } = {},
  ): Promise<boolean | 'timeout'> {
    const r = await this.send(
      `lock ${lockPath} ${options.blocking ?? true} ${options.timeoutSec ?? 'none'}`,
    );
    if (r.error === 'LockTimeout') return 'timeout';
    if (r.error !== undefined) throw new Error(r.error);
    return r.result as boolean;
  }

  /** Releases the Kazoo lock on `lockPath`. */
  async unlock(lockPath: string): Promise<boolean> {
    return (await this.send(`unlock ${lockPath}`)).result as boolean;
  }

  /** The Kazoo contender node name on `lockPath`. */
  async node(lockPath: string): Promise<string | null> {
    return (await this.send(`node ${lockPath}`)).result as string | null;
  }

  /** Nodepool 0.4.0's way to create a record: sequential, makepath. Returns the path. */
  async createSequential(znode: string, json: string): Promise<string> {
    const r = await this.send(`create-seq ${znode} ${json}`);
    if (r.error !== undefined) throw new Error(r.error);
    return r.result as string;
  }

  /** Reads a znode's data as text. */
  async get(znode: string): Promise<string> {
    const r = await this.send(`get ${znode}`);
    if (r.error !== undefined) throw new Error(r.error);
    return r.result as string;
  }

  /** What Python's `json.dumps(json.loads(data))` makes of a znode's data. */
  async redump(znode: string): Promise<string> {
    const r = await this.send(`redump ${znode}`);
    if (r.error !== undefined) throw new Error(r.error);
    return r.result as string;
  }

  /** Stops the peer (its session closes, releasing its locks). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
