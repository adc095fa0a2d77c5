import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Client } from 'node-zookeeper-client';
import { silenceLimitMs, watchConnection } from '../../../src/zk/connection-watchdog.js';

/** The library's ConnectionManager as the watchdog sees it: a state and a socket. */
class FakeConnection {
  state = 1;
  socket: { connecting: boolean; destroyed: boolean; bytesRead: number; destroy(): void } = {
    connecting: false,
    destroyed: false,
    bytesRead: 0,
    destroy() {
      this.destroyed = true;
    },
  };
}

function fakeClient(conn: FakeConnection, sessionTimeoutMs: number): Client {
  return {
    connectionManager: conn,
    getSessionTimeout: () => sessionTimeoutMs,
  } as unknown as Client;
}

describe('silenceLimitMs', () => {
  it('waits a third of the session timeout per server for the handshake, at least 2 s', () => {
    expect(silenceLimitMs('handshake', 20_000, 1)).toBe(6666);
    expect(silenceLimitMs('handshake', 30_000, 3)).toBe(3333);
    expect(silenceLimitMs('handshake', 4000, 1)).toBe(2000);
  });

  it('waits two thirds of the negotiated timeout once connected', () => {
    expect(silenceLimitMs('connected', 12_000, 3)).toBe(8000);
  });
});

describe('watchConnection', () => {
  const stops: Array<() => void> = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    vi.useRealTimers();
  });

  function watch(conn: FakeConnection, sessionTimeoutMs: number): string[] {
    const drops: string[] = [];
    stops.push(
      watchConnection(fakeClient(conn, sessionTimeoutMs), {
        servers: 1,
        onDrop: ({ phase }) => drops.push(phase),
      }),
    );
    return drops;
  }

  it('destroys a socket that got no handshake answer', async () => {
    const conn = new FakeConnection();
    const drops = watch(conn, 12_000);
    await vi.advanceTimersByTimeAsync(3500);
    expect(conn.socket.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(conn.socket.destroyed).toBe(true);
    expect(drops).toEqual(['handshake']);
  });

  it('leaves a connected socket alone while it receives, and drops it once silent', async () => {
    const conn = new FakeConnection();
    conn.state = 2;
    const drops = watch(conn, 6000);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(2000);
      conn.socket.bytesRead += 16; // a ping reply
    }
    expect(conn.socket.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(4500);
    expect(conn.socket.destroyed).toBe(true);
    expect(drops).toEqual(['connected']);
  });

  it('does not count time the event loop was blocked (unread data may be waiting)', async () => {
    const conn = new FakeConnection();
    conn.state = 2;
    const drops = watch(conn, 6000);
    await vi.advanceTimersByTimeAsync(1000);
    // The loop is blocked for 10 s: the next tick comes late and starts the count again.
    vi.setSystemTime(Date.now() + 10_000);
    await vi.advanceTimersByTimeAsync(3500);
    expect(conn.socket.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(conn.socket.destroyed).toBe(true);
    expect(drops).toEqual(['connected']);
  });

  it('leaves a TCP connect in progress to the library, and stops when told', async () => {
    const conn = new FakeConnection();
    conn.socket.connecting = true;
    const drops = watch(conn, 6000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(conn.socket.destroyed).toBe(false);
    conn.socket.connecting = false;
    stops.splice(0).forEach((stop) => stop());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(conn.socket.destroyed).toBe(false);
    expect(drops).toEqual([]);
  });
});
