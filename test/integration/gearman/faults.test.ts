import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GearmanClient, GearmanDemand } from '../../../src/gearman/index.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';

/** A TCP server that accepts connections and then says nothing (or only `garbage`). */
async function mute(
  garbage?: string,
): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    if (garbage !== undefined) s.on('data', () => s.write(garbage));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('GearmanClient against a faulty server', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('gives up on a status request that gets no reply, drops the connection and reconnects', async () => {
    const srv = await mute();
    cleanup.push(() => srv.close());
    const { log, find } = captureLog();
    const c = new GearmanClient({
      servers: [{ host: '127.0.0.1', port: srv.port }],
      reconnectInitialMs: 20,
      echoIntervalMs: 0,
      echoTimeoutMs: 60_000,
      log,
    });
    cleanup.push(() => c.stop());
    await c.start();
    await c.waitForServer({ signal: AbortSignal.timeout(5_000) });
    const demand = new GearmanDemand(c, { requestTimeoutMs: 200, log });
    expect((await demand.refresh()).size).toBe(0);
    expect(find('Cannot list functions on Gearman server')).toHaveLength(1);
    await waitFor(() => srv.accepted() >= 2, { what: 'reconnection after the dropped connection' });
  });

  it('drops a connection whose server fails the echo probe', async () => {
    const srv = await mute();
    cleanup.push(() => srv.close());
    const c = new GearmanClient({
      servers: [{ host: '127.0.0.1', port: srv.port }],
      reconnectInitialMs: 20,
      echoIntervalMs: 50,
      echoTimeoutMs: 100,
    });
    cleanup.push(() => c.stop());
    await c.start();
    await waitFor(() => srv.accepted() >= 3, {
      what: 'repeated reconnects to an unresponsive server',
    });
  });

  it('drops a connection that sends text nobody asked for', async () => {
    const srv = await mute('HELLO\n');
    cleanup.push(() => srv.close());
    const { log, find } = captureLog();
    const c = new GearmanClient({
      servers: [{ host: '127.0.0.1', port: srv.port }],
      reconnectInitialMs: 20,
      log,
    });
    cleanup.push(() => c.stop());
    await c.start();
    await waitFor(() => find('Bad data from Gearman server').length > 0 && srv.accepted() >= 2);
  });
});
