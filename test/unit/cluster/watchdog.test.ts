import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionWatchdog } from '../../../src/cluster/watchdog.js';

/** A client double whose `exists` answers only while `up`. */
function fakeZk(timeoutMs: number) {
  const zk = {
    negotiatedSessionTimeoutMs: timeoutMs,
    isConnected: true,
    up: true,
    calls: 0,
    exists(_path: string, options: { signal?: AbortSignal }): Promise<unknown> {
      zk.calls++;
      if (zk.up) return Promise.resolve(null);
      // Hangs like a request on a dead connection, until the watchdog stops.
      return new Promise((_resolve, reject) =>
        options.signal?.addEventListener('abort', () => reject(new Error('stopped'))),
      );
    },
  };
  return zk;
}

describe('SessionWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a healthy session fresh with a heartbeat every T/4', async () => {
    const zk = fakeZk(9000);
    const deadlines: number[] = [];
    const dog = new SessionWatchdog({
      zk,
      log: pino({ level: 'silent' }),
      onDeadline: (ms) => deadlines.push(ms),
      onAlive: () => undefined,
    });
    dog.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(deadlines).toEqual([]);
    expect(dog.fresh).toBe(true);
    expect(zk.calls).toBeGreaterThanOrEqual(60_000 / 2250 - 1);
    await dog.stop();
  });

  it('misses its deadline 2T/3 after the last answered heartbeat, then recovers', async () => {
    const zk = fakeZk(9000);
    const deadlines: number[] = [];
    let alive = 0;
    const dog = new SessionWatchdog({
      zk,
      log: pino({ level: 'silent' }),
      onDeadline: (ms) => deadlines.push(ms),
      onAlive: () => alive++,
    });
    expect(dog.fenceAfterMs).toBe(6000);
    dog.start();
    await vi.advanceTimersByTimeAsync(2250); // first heartbeat, sent and answered at +2250
    zk.up = false;
    await vi.advanceTimersByTimeAsync(5999); // 5999 ms since the last sign of life
    expect(deadlines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(deadlines).toEqual([6000]);
    expect(dog.fresh).toBe(false);
    // A reconnect of the same session counts as alive again.
    dog.alive(Date.now());
    expect(alive).toBe(1);
    expect(dog.fresh).toBe(true);
    await dog.stop();
  });

  it('refuses a fraction outside (0, 1)', () => {
    const zk = fakeZk(9000);
    const make = (fraction: number) =>
      new SessionWatchdog({
        zk,
        fraction,
        log: pino({ level: 'silent' }),
        onDeadline: () => undefined,
        onAlive: () => undefined,
      });
    expect(() => make(1)).toThrow(RangeError);
    expect(() => make(0)).toThrow(RangeError);
  });
});
