/**
 * Drops a ZooKeeper connection whose server has gone silent, which `node-zookeeper-client`
 * never does by itself: it stops its connect timer as soon as TCP connects and has no read
 * timeout, so a server that takes the connection and never answers leaves the client, and
 * every request queued on it, waiting forever. ZooKeeper 3.8.0 does exactly that to a client
 * that connects while it starts up (its close of the not-yet-serving connection fails with a
 * NullPointerException and leaves the socket open), and a hung server does it to a connected
 * client. Destroying the socket makes the library reconnect and fail the requests it had sent
 * with a connection loss, which `ZkClient` retries (reads) or reports (creates).
 */
import type { Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';

/** The library's ConnectionManager states this watchdog acts in (lib/ConnectionManager.js). */
const CONNECTING = 1;
const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;

/** How often the socket is looked at. */
const TICK_MS = 250;
/** A tick this late means the event loop was blocked and may not have read what arrived. */
const LATE_TICK_MS = 4 * TICK_MS;
/** The handshake wait never goes below this, whatever the session timeout. */
const MIN_HANDSHAKE_MS = 2000;

/** What the watchdog reads of the library's internals (node-zookeeper-client 1.x). */
interface RawConnection {
  readonly state: number;
  readonly socket?: Socket;
}

/** Options of {@link watchConnection}. */
export interface ConnectionWatchdogOptions {
  /** Number of servers in the connection string (the handshake wait is per server). */
  readonly servers: number;
  /** Called when a silent connection is dropped, before the socket is destroyed. */
  readonly onDrop: (reason: { phase: 'handshake' | 'connected'; silentMs: number }) => void;
}

/**
 * How long a server may stay silent. While handshaking: a third of the session timeout per
 * server (at least 2 s). The Java client and Kazoo wait the whole share (session timeout /
 * servers), but then a client stuck on a restarting server reconnects just as the server
 * expires its session; a third leaves time to resume it. Once connected: two thirds of the
 * negotiated timeout, as the Java client and Kazoo (the library pings after a third idle).
 */
export function silenceLimitMs(
  phase: 'handshake' | 'connected',
  sessionTimeoutMs: number,
  servers: number,
): number {
  if (phase === 'connected') return Math.floor((sessionTimeoutMs * 2) / 3);
  return Math.max(MIN_HANDSHAKE_MS, Math.floor(sessionTimeoutMs / 3 / Math.max(1, servers)));
}

/**
 * Watches `zk`'s current socket: when it has received nothing for the limit of
 * {@link silenceLimitMs} (time the event loop was blocked does not count), destroys it.
 * Returns the function that stops watching.
 */
export function watchConnection(zk: Client, options: ConnectionWatchdogOptions): () => void {
  const raw = zk.connectionManager as unknown as RawConnection;
  let socket: Socket | undefined;
  let bytesRead = 0;
  let since = 0;
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - lastTick > LATE_TICK_MS;
    lastTick = now;
    const current = raw.socket;
    const phase =
      raw.state === CONNECTING
        ? 'handshake'
        : raw.state === CONNECTED || raw.state === CONNECTED_READ_ONLY
          ? 'connected'
          : null;
    // The library's own timer covers a TCP connect that does not complete.
    if (current === undefined || current.connecting || current.destroyed || phase === null) {
      socket = undefined;
      return;
    }
    if (current !== socket || current.bytesRead !== bytesRead || late) {
      socket = current;
      bytesRead = current.bytesRead;
      since = now;
      return;
    }
    const silentMs = now - since;
    if (silentMs < silenceLimitMs(phase, zk.getSessionTimeout(), options.servers)) return;
    socket = undefined;
    options.onDrop({ phase, silentMs });
    current.destroy();
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
