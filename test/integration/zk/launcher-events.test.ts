/**
 * The launcher events znode on a real ZooKeeper: pokes from another client reach the
 * watcher, also one written while the watcher's session was expiring (its watch gone).
 */
import { describe, expect, it } from 'vitest';
import { pokeLaunchers, watchLaunchEvents } from '../../../src/zk/index.js';
import type { LaunchEvent, ZkSessionEvent } from '../../../src/zk/index.js';
import { expireSession, sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { waitFor } from '../../support/wait-for.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED launcher events tests: ${reason}\n`);

describe.skipIf(address === null)('watchLaunchEvents on ZooKeeper', () => {
  const fx = useZkFixture(address);

  it('reports pokes from another client, one of them written across a session expiry', async () => {
    const watcherZk = await fx.proxiedClient({ sessionTimeoutMs: 4000 });
    const writer = await fx.client();
    const seen: Array<LaunchEvent | null> = [];
    const stop = watchLaunchEvents(watcherZk, (e) => seen.push(e));
    fx.defer(() => Promise.resolve(stop()));
    // The watcher creates the znode on its first read; the first poke may race it.
    await waitFor(async () => (await writer.exists('/nodepool/launcher/events')) !== null, {
      timeoutMs: 10_000,
    });
    await pokeLaunchers(writer, { kind: 'node', id: 1, by: 'cli' });
    await waitFor(() => seen.length === 1, { timeoutMs: 10_000, what: 'the first poke' });

    const events: ZkSessionEvent[] = [];
    watcherZk.onSessionEvent((e) => {
      events.push(e);
      // Written while the old session is gone and before the watch is re-armed.
      if (e.kind === 'lost')
        pokeLaunchers(writer, { kind: 'node', id: 2, by: 'cli' }).catch(() => {});
    });
    await expireSession(watcherZk, address!);
    await waitFor(() => seen.some((e) => e?.id === 2), {
      timeoutMs: 30_000,
      what: 'the poke written across the expiry',
    });
    expect(events.map((e) => e.kind)).toContain('lost');
    await pokeLaunchers(writer, { kind: 'job', id: 3 });
    await waitFor(() => seen.some((e) => e?.kind === 'job'), { timeoutMs: 10_000 });
    expect(seen[0]).toEqual({ kind: 'node', id: 1, by: 'cli' });
  });
});
