/**
 * Provider claims of ZkCluster members on the shared ZooKeeper server: a failed adoption
 * gives the claim back and is retried, a provider leaving the config is released, a lost
 * session fences at once and is followed by a fresh registration and adoption.
 */
import { describe, expect, it } from 'vitest';
import { rendezvousAssign, ZkCluster } from '../../../src/cluster/index.js';
import { ClusterRecorder, ownedAsExpected, startMember } from '../../support/cluster-members.js';
import type { TestMember } from '../../support/cluster-members.js';
import { waitFor } from '../../support/wait-for.js';
import { expireSession, sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED cluster claim tests: ${reason}\n`);
const providers = ['p1', 'p2', 'p3', 'p4'];

describe.skipIf(address === null)('ZkCluster claims', () => {
  const fx = useZkFixture(address);

  const start = async (
    name: string,
    recorder: ClusterRecorder,
    extra: { failAdoptOnce?: string[] } = {},
  ): Promise<TestMember> => {
    const m = await startMember({
      name,
      servers: fx.servers,
      recorder,
      providers,
      hooks: extra,
    });
    fx.defer(() => m.stop());
    return m;
  };

  it('gives the claim back when adopt fails and adopts on a later try', async () => {
    const recorder = new ClusterRecorder();
    const a = await start('a', recorder, { failAdoptOnce: ['p2'] });
    await waitFor(() => ownedAsExpected([a], rendezvousAssign(providers, ['a'])), {
      what: 'a to own everything, p2 after a retry',
    });
    const p2 = recorder.events.filter((e) => e.provider === 'p2').map((e) => e.kind);
    expect(p2).toEqual(['adopt', 'release', 'adopt', 'adopted']);
    expect(a.cluster.fenceSignal().aborted).toBe(false);
  });

  it('releases a provider that leaves the configuration, then deletes its claim', async () => {
    const recorder = new ClusterRecorder();
    const a = await start('a', recorder);
    await waitFor(() => a.cluster.ownedProviders().length === 4, { what: 'a to own all' });
    a.cluster.setProviders(['p1', 'p2']);
    await waitFor(() => a.cluster.ownedProviders().join() === 'p1,p2', {
      what: 'p3 and p4 to be released',
    });
    expect(recorder.count('a', 'release')).toBe(2);
    await waitFor(
      async () => {
        const entry = (await a.cluster.list())[0]!;
        return entry.providers.join() === 'p1,p2';
      },
      { what: 'the claims of p3 and p4 to go' },
    );
  });

  it('fences at once when its session expires, then registers and adopts again', async () => {
    const recorder = new ClusterRecorder();
    const client = await fx.proxiedClient({ sessionTimeoutMs: 4000 });
    const a = new ZkCluster({ client, name: 'a', retryMs: 500 });
    a.setProviders(providers);
    const hooks = recorder.hooks('a');
    // What the member says of itself at the moment it is fenced (it may rejoin at once after).
    const atFence: Array<{ leader: boolean; owned: number }> = [];
    await a.start({
      ...hooks,
      fenced: (reason) => {
        atFence.push({ leader: a.isLeader(), owned: a.ownedProviders().length });
        hooks.fenced(reason);
      },
    });
    fx.defer(() => a.stop());
    await waitFor(() => a.ownedProviders().length === 4, { what: 'a to own all' });
    const signal = a.fenceSignal();
    const generation = client.generation;

    await expireSession(client, address!);
    expect(signal.aborted).toBe(true);
    expect(atFence).toEqual([{ leader: false, owned: 0 }]);
    expect(recorder.count('a', 'fenced')).toBe(1);

    await waitFor(() => a.ownedProviders().length === 4 && a.isLeader(), {
      what: 'a to rejoin on its new session',
    });
    expect(client.generation).toBeGreaterThan(generation);
    expect(a.fenceSignal().aborted).toBe(false);
    // Every provider was adopted afresh; the lost session's claims were gone.
    expect(recorder.count('a', 'adopted')).toBe(8);
    expect((await a.list()).map((e) => [e.name, e.leader, e.providers.length])).toEqual([
      ['a', true, 4],
    ]);
  });

  it('never owns a provider before its adoption finished', async () => {
    const recorder = new ClusterRecorder();
    const a = await start('a', recorder);
    await waitFor(() => a.cluster.ownedProviders().length === 4, { what: 'a to own all' });
    const b = await startMember({
      name: 'b',
      servers: fx.servers,
      recorder,
      providers,
      hooks: { adoptDelayMs: 300 },
    });
    fx.defer(() => b.stop());
    const mine = providers.filter((p) => rendezvousAssign(providers, ['a', 'b']).get(p) === 'b');
    expect(mine.length).toBeGreaterThan(0);
    await waitFor(() => recorder.events.some((e) => e.member === 'b' && e.kind === 'adopt'), {
      what: 'b to start adopting',
    });
    const adopting = recorder.events.find((e) => e.member === 'b' && e.kind === 'adopt')!;
    expect(b.cluster.owns(adopting.provider!)).toBe(false);
    await waitFor(() => ownedAsExpected([a, b], rendezvousAssign(providers, ['a', 'b'])), {
      what: 'b to own its share',
    });
    expect(recorder.overlaps()).toEqual([]);
  });
});
