import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ShutdownController } from '../../../src/cmd/shutdown.js';

function capture(): { log: pino.Logger; records: () => Record<string, any>[] } {
  const out: string[] = [];
  return {
    log: pino({ level: 'debug' }, { write: (s: string) => void out.push(s) }),
    records: () => out.map((l) => JSON.parse(l)),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ShutdownController', () => {
  it('exits 0 after a clean stop, stopping once for repeated signals of the stop itself', async () => {
    const { log } = capture();
    let stops = 0;
    const c = new ShutdownController({
      log,
      stop: async () => void stops++,
      forceTimeMs: () => undefined,
    });
    c.handle('SIGINT');
    expect(await c.done).toBe(0);
    c.handle('SIGINT');
    expect(stops).toBe(1);
    expect(c.stoppedBy).toBe('SIGINT');
  });

  it('exits 1 when a stop step fails, logging the error', async () => {
    const { log, records } = capture();
    const c = new ShutdownController({
      log,
      stop: () => Promise.reject(new Error('socket stuck')),
      forceTimeMs: () => undefined,
    });
    c.handle('SIGTERM');
    expect(await c.done).toBe(1);
    expect(records().find((r) => r.msg === 'Cannot stop cleanly')?.err.message).toBe(
      'socket stuck',
    );
  });

  it('gives up with ERR_SHUTDOWN_TIMEOUT on a second signal while stopping', async () => {
    const { log, records } = capture();
    const stuck = deferred();
    const c = new ShutdownController({
      log,
      stop: () => stuck.promise,
      forceTimeMs: () => undefined,
    });
    c.handle('SIGINT');
    c.handle('SIGINT');
    expect(await c.done).toBe(1);
    const forced = records().find((r) => r.msg === 'Forcing exit');
    expect(forced?.err.message).toBe(
      'Cannot stop gracefully: received SIGINT while stopping after SIGINT',
    );
    expect(forced?.err.code).toBe('ERR_SHUTDOWN_TIMEOUT');
    stuck.resolve();
  });

  it('gives up with ERR_SHUTDOWN_TIMEOUT when the force time of the signal elapses', async () => {
    const { log, records } = capture();
    const stuck = deferred();
    const c = new ShutdownController({
      log,
      stop: () => stuck.promise,
      forceTimeMs: (s) => (s === 'SIGTERM' ? 1 : undefined),
    });
    c.handle('SIGTERM');
    expect(await c.done).toBe(1);
    expect(records().find((r) => r.msg === 'Forcing exit')?.err.message).toBe(
      'Cannot stop gracefully: still stopping 1 ms after SIGTERM',
    );
    stuck.resolve();
  });
});
