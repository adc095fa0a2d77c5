/**
 * Fencing of ZkCluster members on a real three-server ensemble: a partitioned member fences
 * itself before its session expires (so before anyone else adopts its providers) and
 * rejoins on a new session; a ZooKeeper leader failover is ridden out on the same session.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rendezvousAssign } from '../../../src/cluster/index.js';
import {
  ClusterRecorder,
  ownedAsExpected,
  sampleOwnership,
  startMember,
} from '../../support/cluster-members.js';
import type { TestMember } from '../../support/cluster-members.js';
import { waitFor } from '../../support/wait-for.js';
import {
  makeTestChroot,
  ZooKeeperEnsemble,
  zooKeeperUnavailableReason,
} from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';

const reason = zooKeeperUnavailableReason();
const providers = Array.from({ length: 9 }, (_, i) => `cloud-${i}`);

describe.skipIf(reason !== null)('ZkCluster fencing on a ZooKeeper ensemble', () => {
  let ensemble: ZooKeeperEnsemble;
  let chroot: TestChroot;
  let members: TestMember[] = [];
  let recorder: ClusterRecorder;

  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start();
  }, 300_000); // up to three attempts at starting the ensemble
  afterAll(async () => {
    await ensemble?.stop();
  });
  beforeEach(() => {
    chroot = makeTestChroot(ensemble.addresses());
    recorder = new ClusterRecorder();
    members = [];
  });
  afterEach(async () => {
    for (const m of members.reverse()) await m.stop();
    for (const s of ensemble.list()) if (!s.running) await ensemble.startServer(s.id);
    await chroot.remove();
  });

  const add = async (
    name: string,
    extra: { proxied?: boolean; sessionTimeoutMs?: number } = {},
  ) => {
    const m = await startMember({ name, servers: chroot.servers, recorder, providers, ...extra });
    members.push(m);
    return m;
  };
  const converged = (names: string[]) => () =>
    ownedAsExpected(
      members.filter((m) => names.includes(m.name)),
      rendezvousAssign(providers, names),
    );

  it('fences a cut-off member before the others adopt its providers, then rejoins it', async () => {
    const a = await add('a', { proxied: true, sessionTimeoutMs: 4000 });
    await add('b');
    await add('c');
    await waitFor(converged(['a', 'b', 'c']), { what: 'the providers to be spread' });
    const aProviders = [...a.cluster.ownedProviders()];
    expect(aProviders.length).toBeGreaterThan(0);
    const signal = a.cluster.fenceSignal();
    const generation = a.client.generation;
    const sampler = sampleOwnership(() => members, providers);
    const cutAt = recorder.events.length;

    a.proxy!.pause();
    await waitFor(converged(['b', 'c']), { timeoutMs: 30_000, what: 'b and c to take a’s share' });
    expect(signal.aborted).toBe(true);
    expect((signal.reason as { code?: string }).code).toBe('ERR_LAUNCHER_FENCED');
    expect(a.cluster.isLeader()).toBe(false);
    expect(a.cluster.ownedProviders()).toEqual([]);

    // Order: a's fence comes before any adoption of a's providers by b or c.
    const after = recorder.events.slice(cutAt);
    const fenced = after.find((e) => e.member === 'a' && e.kind === 'fenced');
    expect(fenced).toBeDefined();
    const takeovers = after.filter(
      (e) => e.kind === 'adopt' && e.member !== 'a' && aProviders.includes(e.provider!),
    );
    expect(takeovers.map((e) => e.provider).sort()).toEqual(aProviders.sort());
    for (const t of takeovers) expect(t.seq).toBeGreaterThan(fenced!.seq);

    a.proxy!.resume();
    await waitFor(converged(['a', 'b', 'c']), { timeoutMs: 30_000, what: 'a to rejoin' });
    expect(a.client.generation).toBeGreaterThan(generation);
    expect(a.cluster.fenceSignal().aborted).toBe(false);
    expect(sampler.stop()).toEqual([]);
    expect(recorder.overlaps()).toEqual([]);
  });

  it('rides out a ZooKeeper leader failover on the same sessions without fencing', async () => {
    for (const n of ['a', 'b', 'c']) await add(n, { sessionTimeoutMs: 10_000 });
    await waitFor(converged(['a', 'b', 'c']), { what: 'the providers to be spread' });
    const sessions = members.map((m) => m.client.sessionId);
    const sampler = sampleOwnership(() => members, providers);
    const suspended: string[] = [];
    const unsubscribe = members.map((m) =>
      m.client.onSessionEvent((e) => {
        if (e.kind === 'suspended') suspended.push(m.name);
      }),
    );
    const zkLeader = await ensemble.leader();
    expect(zkLeader).not.toBeNull();

    await ensemble.killServer(zkLeader!);
    await ensemble.waitServing();
    expect(await ensemble.leader()).not.toBe(zkLeader);
    await waitFor(() => members.every((m) => m.client.isConnected), {
      timeoutMs: 20_000,
      what: 'every member to reconnect',
    });
    // A write through every member proves their sessions serve again.
    for (const m of members)
      await m.cluster.requestLaunches([{ provider: 'cloud-0', kind: 'node', id: 1 }]);
    for (const u of unsubscribe) u();
    // The failover did cut connections (followers drop their clients when the leader goes)...
    expect(suspended.length).toBeGreaterThan(0);
    // ...and every member came back on its own session.
    expect(members.map((m) => m.client.sessionId)).toEqual(sessions);
    expect(recorder.events.filter((e) => e.kind === 'fenced')).toEqual([]);
    expect(converged(['a', 'b', 'c'])()).toBe(true);
    expect(members.filter((m) => m.cluster.isLeader())).toHaveLength(1);
    expect(sampler.stop()).toEqual([]);
  });
});
