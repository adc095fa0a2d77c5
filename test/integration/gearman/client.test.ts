import { afterEach, describe, expect, it } from 'vitest';
import { GearmanClient, GearmanDemand } from '../../../src/gearman/index.js';
import { Gearmand, gearmandUnavailableReason } from '../../support/gearmand.js';
import { TestWorker } from '../../support/gearman-worker.js';
import { waitFor } from '../../support/wait-for.js';
import { freePort } from '../../support/zookeeper.js';

const reason = gearmandUnavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED GearmanClient tests: ${reason}\n`);

describe.skipIf(reason !== null)('GearmanClient', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function server(): Promise<Gearmand> {
    const g = await Gearmand.start();
    cleanup.push(() => g.stop());
    return g;
  }

  async function client(
    servers: Gearmand[],
    opts: { echoIntervalMs?: number } = {},
  ): Promise<GearmanClient> {
    const c = new GearmanClient({
      servers: servers.map((s) => s.entry),
      reconnectInitialMs: 50,
      reconnectMaxMs: 200,
      ...opts,
    });
    cleanup.push(() => c.stop());
    await c.start();
    await c.waitForServer({ signal: AbortSignal.timeout(10_000) });
    return c;
  }

  it('reads demand per label from jobs queued by the gearman command-line client', async () => {
    const g = await server();
    await g.queue('build:fake_job', 3);
    await g.queue('build:fake_job:devstack-precise', 0);
    await g.queue('build:other:trusty', 2);
    await g.queue('build:unknown_job', 4);
    await g.queue('merger:merge', 5);
    // A labelled function with nothing queued still teaches the job's label: register it
    // with a worker that never takes work.
    const w = await TestWorker.start(g.entry, ['build:fake_job:devstack-precise'], () => ({
      hang: true,
    }));
    cleanup.push(() => w.stop());
    await waitFor(async () => (await g.adminStatus()).includes('build:fake_job:devstack-precise'));

    const c = await client([g]);
    const demand = new GearmanDemand(c, { intervalMs: 60_000 });
    const got = await demand.refresh();
    expect(Object.fromEntries(got)).toEqual({ 'devstack-precise': 3, trusty: 2 });
  });

  it('sums demand over several servers', async () => {
    const [a, b] = [await server(), await server()];
    await a.queue('build:job:label-a', 2);
    await b.queue('build:job:label-a', 1);
    await b.queue('build:job2:label-b', 1);
    await a.queue('build:job2', 2);
    const c = await client([a, b]);
    await waitFor(() => c.connected().length === 2, { what: 'both servers connected' });
    const got = await new GearmanDemand(c).refresh();
    expect(Object.fromEntries(got)).toEqual({ 'label-a': 3, 'label-b': 3 });
  });

  it('tells listeners when demand changes and not when it stays the same', async () => {
    const g = await server();
    const c = await client([g]);
    const demand = new GearmanDemand(c, { intervalMs: 100 });
    const seen: Array<Record<string, number>> = [];
    demand.onChange((d) => seen.push(Object.fromEntries(d)));
    cleanup.push(() => demand.stop());
    await demand.start();
    await g.queue('build:job:small', 1);
    await waitFor(() => seen.length === 1, { what: 'first demand change' });
    expect(seen[0]).toEqual({ small: 1 });
    await g.queue('build:job:small', 1);
    await waitFor(() => seen.length === 2, { what: 'second demand change' });
    expect(seen[1]).toEqual({ small: 2 });
    // Several more polls without change: no new notification.
    const polls = 5;
    for (let i = 0; i < polls; i++) await demand.refresh();
    expect(seen).toHaveLength(2);
  });

  it('reconnects after gearmand restarts and reads the new demand', async () => {
    const g = await server();
    const c = await client([g]);
    const changes: boolean[] = [];
    c.onConnectionChange(() => changes.push(c.isConnected));
    await g.kill();
    await waitFor(() => !c.isConnected, { what: 'disconnect noticed' });
    const demand = new GearmanDemand(c);
    expect((await demand.refresh()).size).toBe(0);
    await g.restart();
    await waitFor(() => c.isConnected, { what: 'reconnect', timeoutMs: 15_000 });
    await g.queue('build:job:again', 2);
    expect(Object.fromEntries(await demand.refresh())).toEqual({ again: 2 });
    expect(changes).toEqual([false, true]);
  });

  it('releases a waiting job with a disconnect failure when the server goes away', async () => {
    const g = await server();
    const c = await client([g]);
    const job = await c.submitJob('node_assign:nobody', '{}');
    expect(job.handle).not.toBe('');
    await g.kill();
    const err = await job.wait().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_GEARMAN_JOB_FAILED',
      details: { failure: 'disconnect' },
    });
    expect((err as Error).message).toContain('node_assign:nobody');
  });

  it('refuses to submit when no server is connected, and waitForServer honours its signal', async () => {
    const port = await freePort();
    const c = new GearmanClient({
      servers: [{ host: '127.0.0.1', port }],
      reconnectInitialMs: 50,
      reconnectMaxMs: 100,
    });
    cleanup.push(() => c.stop());
    await c.start();
    await expect(c.submitJob('node_assign:t', '{}')).rejects.toMatchObject({
      code: 'ERR_GEARMAN_NOT_CONNECTED',
    });
    await expect(c.submitJob('node_assign:t', '{}')).rejects.toThrow(
      'Cannot submit Gearman job "node_assign:t": no Gearman server is connected',
    );
    const err = await c
      .waitForServer({ signal: AbortSignal.timeout(300) })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(await c.status()).toEqual([]);
  });

  it('connects to a server added at runtime and drops a removed one', async () => {
    const [a, b] = [await server(), await server()];
    const c = await client([a]);
    await c.setServers([a.entry, b.entry]);
    await waitFor(() => c.connected().length === 2, { what: 'second server connected' });
    await c.setServers([b.entry]);
    expect(c.serverNames).toEqual([`127.0.0.1:${b.port}`]);
    await b.queue('build:j:only-b', 1);
    expect(Object.fromEntries(await new GearmanDemand(c).refresh())).toEqual({ 'only-b': 1 });
  });

  it('keeps the connection alive with echo probes', async () => {
    const g = await server();
    const c = await client([g], { echoIntervalMs: 50 });
    const changes: boolean[] = [];
    c.onConnectionChange(() => changes.push(c.isConnected));
    // Many probe rounds later the connection is still up and usable.
    await waitFor(async () => (await c.status()).length === 1 && changes.length === 0);
    const conn = c.connected()[0]!;
    await conn.echo({ timeoutMs: 5_000 });
    expect(changes).toEqual([]);
  });

  it('closes its sockets on stop', async () => {
    const g = await server();
    const c = await client([g]);
    // `workers` lists every connection with its client id.
    await waitFor(async () => / nodepool :/.test(await g.admin('workers')), {
      what: 'client listed',
    });
    await c.stop();
    expect(c.isConnected).toBe(false);
    expect(c.state).toBe('stopped');
    await waitFor(async () => !/ nodepool :/.test(await g.admin('workers')), {
      what: 'client connection closed',
    });
  });
});
