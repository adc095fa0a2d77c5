/**
 * A TCP proxy on 127.0.0.1 that tests can cut: `pause()` drops every connection and refuses
 * new ones until `resume()`. Used to hold a ZooKeeper client off its server, like a network
 * partition. `stall()` keeps every connection open but forwards nothing (a server that hangs)
 * until `resume()`. `mute()` drops every connection, then accepts new ones and never answers
 * them, even after `resume()` (a server that takes a connection and forgets it).
 */
import net from 'node:net';

/** A pausable TCP forwarder to one target. */
export class TcpProxy {
  private paused = false;
  private stalled = false;
  private muted = false;
  /** Connections accepted while muted (they are read from and never answered). */
  mutedConnections = 0;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted while stalled, connected on `resume()`. */
  private held: Array<{ client: net.Socket; target: { host: string; port: number } }> = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free 127.0.0.1 port and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (typeof addr !== 'object' || addr === null) throw new Error('proxy has no port');
    proxy = new TcpProxy(server, addr.port);
    return proxy;
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    if (this.paused) {
      client.destroy();
      return;
    }
    if (this.muted) {
      this.track(client);
      this.mutedConnections += 1;
      client.on('error', () => client.destroy());
      client.resume();
      return;
    }
    if (this.stalled) {
      this.track(client);
      client.pause();
      this.held.push({ client, target });
      return;
    }
    const upstream = net.connect(target);
    this.track(client);
    this.track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every open connection and refuses new ones. */
  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
  }

  /** Keeps every connection open but forwards no byte, and holds new ones, until `resume()`. */
  stall(): void {
    this.stalled = true;
    for (const s of this.sockets) s.pause();
  }

  /**
   * Drops every open connection, then accepts new ones, reads them and never answers nor
   * closes them (as ZooKeeper 3.8.0 does to a client that connects while it starts up). They
   * stay that way after `resume()`, which only makes later connections forward again.
   */
  mute(): void {
    this.muted = true;
    for (const s of this.sockets) s.destroy();
  }

  /** Accepts connections again; after `stall()`, forwards what was held. */
  resume(): void {
    this.paused = false;
    this.muted = false;
    if (!this.stalled) return;
    this.stalled = false;
    for (const s of this.sockets) s.resume();
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.client.destroyed) this.accept(h.client, h.target);
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
