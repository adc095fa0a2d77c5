/**
 * A ZooKeeper double for code that reads and writes single znodes with data watches (the
 * launcher events): `get`/`set`/`create` over a map, one-shot watches, session events, and
 * knobs to fail reads, hold a read in flight, or lose the session (dropping every watch).
 */
import type {
  LaunchEventsClient,
  ZkCreateOptions,
  ZkSessionEvent,
  ZkStat,
  ZkVersionOptions,
  ZkWatchOptions,
  ZkWatcher,
} from '../../../src/zk/index.js';
import { ConnectionLossError, NoNodeError, NodeExistsError } from '../../../src/zk/index.js';

interface MemoryZnode {
  data: Buffer;
  version: number;
  ctimeMs: number;
}

/** Single znodes in memory, with one-shot data watches. */
export class MemoryZkNodes implements LaunchEventsClient {
  private readonly nodes = new Map<string, MemoryZnode>();
  private readonly watches = new Map<string, ZkWatcher[]>();
  private readonly listeners = new Set<(e: ZkSessionEvent) => void>();
  private failures = 0;
  private hold: Promise<void> | null = null;
  private ctime = 1;
  private generation = 1;
  /** Number of `get` calls so far. */
  reads = 0;

  /** Makes the next `count` reads fail with ConnectionLossError. */
  failReads(count: number): void {
    this.failures = count;
  }

  /**
   * Holds the next reads after they took their snapshot and set their watch (as the server
   * did), until the returned function is called: their answer is then in flight.
   */
  holdReads(): () => void {
    let release = (): void => {};
    this.hold = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.hold = null;
      release();
    };
  }

  /** The session expired and a new one came: every watch is gone, then `connected` fires. */
  loseSession(options: { whileLost?: () => void } = {}): void {
    this.watches.clear();
    this.emit('lost', false);
    options.whileLost?.();
    this.generation += 1;
    this.emit('connected', true);
  }

  /** Number of watches armed now. */
  watchCount(): number {
    let n = 0;
    for (const list of this.watches.values()) n += list.length;
    return n;
  }

  private emit(kind: ZkSessionEvent['kind'], isNewSession: boolean): void {
    const event = { kind, sessionId: 'mem', generation: this.generation, isNewSession };
    for (const l of [...this.listeners]) l(event);
  }

  private stat(n: MemoryZnode): ZkStat {
    return {
      version: n.version,
      cversion: 0,
      numChildren: 0,
      dataLength: n.data.length,
      ephemeralOwner: '0000000000000000',
      ctimeMs: n.ctimeMs,
      mtimeMs: n.ctimeMs,
    };
  }

  private fire(path: string, type: 'changed' | 'created' | 'deleted'): void {
    const list = this.watches.get(path) ?? [];
    this.watches.delete(path);
    for (const w of list) w({ type, path });
  }

  async get(path: string, options: ZkWatchOptions = {}): Promise<{ data: Buffer; stat: ZkStat }> {
    this.reads += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new ConnectionLossError(path);
    }
    const node = this.nodes.get(path);
    if (node === undefined) throw new NoNodeError(path);
    if (options.watch !== undefined)
      this.watches.set(path, [...(this.watches.get(path) ?? []), options.watch]);
    const answer = { data: Buffer.from(node.data), stat: this.stat(node) };
    if (this.hold !== null) await this.hold;
    return answer;
  }

  set(path: string, data: Buffer | string, _options: ZkVersionOptions = {}): Promise<ZkStat> {
    const node = this.nodes.get(path);
    if (node === undefined) return Promise.reject(new NoNodeError(path));
    node.data = Buffer.from(data);
    node.version += 1;
    this.fire(path, 'changed');
    return Promise.resolve(this.stat(node));
  }

  create(path: string, options: ZkCreateOptions = {}): Promise<string> {
    if (this.nodes.has(path)) return Promise.reject(new NodeExistsError(path));
    this.nodes.set(path, {
      data: Buffer.from(options.data ?? ''),
      version: 0,
      ctimeMs: this.ctime++,
    });
    this.fire(path, 'created');
    return Promise.resolve(path);
  }

  /** Removes a znode (someone deleted it by hand). */
  remove(path: string): void {
    this.nodes.delete(path);
    this.fire(path, 'deleted');
  }

  onSessionEvent(listener: (event: ZkSessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
