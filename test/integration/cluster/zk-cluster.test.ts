/**
 * ZkCluster members on a real three-server ensemble: leadership, provider ownership and its
 * movement, duplicate names, launch requests.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rendezvousAssign, ZkCluster } from '../../../src/cluster/index.js';
import { NodepoolError } from '../../../src/errors.js';
import { ZkClient } from '../../../src/zk/index.js';
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

/** Every znode under `path` (not `path` itself), depth first. */
async function walk(
  zk: ZkClient,
  path: string,
): Promise<{ path: string; ephemeralOwner: string; numChildren: number }[]> {
  const out: { path: string; ephemeralOwner: string; numChildren: number }[] = [];
  for (const child of await zk.getChildren(path)) {
    const full = `${path === '/' ? '' : path}/${child}`;
    const stat = await zk.exists(full);
    if (stat === null) continue;
    out.push({ path: full, ephemeralOwner: stat.ephemeralOwner, numChildren: stat.numChildren });
    out.push(...(await walk(zk, full)));
  }
  return out;
}
const providers = Array.from({ length: 9 }, (_, i) => `cloud-${i}`);

describe.skipIf(reason !== null)('ZkCluster on a ZooKeeper ensemble', () => {
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
  const expectedFor = (names: string[]) => rendezvousAssign(providers, names);
  const converged = (names: string[]) => () => ownedAsExpected(members, expectedFor(names));

  it('elects one leader and gives each provider to exactly its rendezvous owner', async () => {
    const sampler = sampleOwnership(() => members, providers);
    for (const n of ['a', 'b', 'c']) await add(n);
    await waitFor(converged(['a', 'b', 'c']), { what: 'the providers to be spread' });
    await waitFor(() => members.filter((m) => m.cluster.isLeader()).length === 1, {
      what: 'one leader',
    });
    expect(sampler.stop()).toEqual([]);
    // Every member shares out some providers (9 over 3 by the pinned hash).
    for (const m of members) expect(m.cluster.ownedProviders().length).toBeGreaterThan(0);

    const list = await members[1]!.cluster.list();
    expect(list.map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(list.filter((e) => e.leader)).toHaveLength(1);
    expect(list.find((e) => e.leader)!.name).toBe(members.find((m) => m.cluster.isLeader())!.name);
    for (const e of list) {
      expect(Object.keys(e).sort()).toEqual([
        'host',
        'leader',
        'name',
        'pid',
        'providers',
        'since',
      ]);
      expect(e.pid).toBe(process.pid);
      expect([...e.providers]).toEqual(
        providers.filter((p) => expectedFor(['a', 'b', 'c']).get(p) === e.name).sort(),
      );
    }
    expect(recorder.overlaps()).toEqual([]);
  });

  it('passes leadership on in joining order', async () => {
    const a = await add('a');
    await waitFor(() => a.cluster.isLeader(), { what: 'a to lead' });
    const b = await add('b');
    const c = await add('c');
    await waitFor(converged(['a', 'b', 'c']), { what: 'the providers to be spread' });
    expect(members.map((m) => m.cluster.isLeader())).toEqual([true, false, false]);
    // A follower leaving changes nothing for the leader.
    await b.stop();
    members = members.filter((m) => m !== b);
    await waitFor(converged(['a', 'c']), { what: 'b’s share to move' });
    expect(a.cluster.isLeader()).toBe(true);
    expect(c.cluster.isLeader()).toBe(false);
    await a.stop();
    members = members.filter((m) => m !== a);
    await waitFor(() => c.cluster.isLeader(), { what: 'c to lead' });
    expect((await c.cluster.list()).map((e) => [e.name, e.leader])).toEqual([['c', true]]);
  });

  it('moves only the share of a member that joins or leaves', async () => {
    const sampler = sampleOwnership(() => members, providers);
    await add('a');
    await add('b');
    await waitFor(converged(['a', 'b']), { what: 'two members to share' });
    const before = expectedFor(['a', 'b']);
    const adoptsBefore = recorder.events.filter((e) => e.kind === 'adopt').length;

    const c = await add('c');
    await waitFor(converged(['a', 'b', 'c']), { what: 'c to take its share' });
    const moved = recorder.events.filter((e) => e.kind === 'adopt').slice(adoptsBefore);
    expect(moved.every((e) => e.member === 'c')).toBe(true);
    expect(moved.map((e) => e.provider).sort()).toEqual(
      [...expectedFor(['a', 'b', 'c'])]
        .filter(([, m]) => m === 'c')
        .map(([p]) => p)
        .sort(),
    );

    await c.stop();
    members = members.filter((m) => m !== c);
    await waitFor(converged(['a', 'b']), { what: 'c’s providers to go back' });
    expect(expectedFor(['a', 'b'])).toEqual(before);
    // c released everything it held when stopping.
    expect(recorder.count('c', 'release')).toBe(recorder.count('c', 'adopted'));
    expect(sampler.stop()).toEqual([]);
    expect(recorder.overlaps()).toEqual([]);
  });

  it('refuses a second live member with the same name, naming the holder', async () => {
    await add('dup');
    const client = new ZkClient({ servers: chroot.servers });
    await client.start();
    try {
      const twin = new ZkCluster({ client, name: 'dup', pid: 4242 });
      const err = await twin.start(recorder.hooks('dup-twin')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodepoolError);
      expect((err as NodepoolError).code).toBe('ERR_LAUNCHER_NAME_TAKEN');
      expect((err as Error).message).toContain(`pid ${process.pid}`);
      // The refused twin left nothing behind: still one member.
      expect((await members[0]!.cluster.list()).map((e) => e.name)).toEqual(['dup']);
    } finally {
      await client.stop();
    }
  });

  it('leaves only launch requests behind a killed launcher, which the next owner takes', async () => {
    const a = await add('a');
    const b = await add('b');
    await waitFor(converged(['a', 'b']), { what: 'two members to share' });
    const p = a.cluster.ownedProviders()[0]!;
    await b.cluster.requestLaunches([
      { provider: p, kind: 'node', id: 7 },
      { provider: p, kind: 'subnode', id: 8 },
    ]);
    // As kill -9 once the session is gone: no cluster.stop(), no release.
    await a.client.stop();
    await waitFor(converged(['b']), { what: 'b to own everything' });

    const zk = new ZkClient({ servers: chroot.servers });
    await zk.start();
    try {
      const tree = await walk(zk, '/');
      const bSession = b.client.sessionId;
      const leftovers = tree.filter(
        (n) => n.numChildren === 0 && n.ephemeralOwner === '0000000000000000',
      );
      // Persistent leaves: empty parent dirs and a's provider's two requests, nothing else.
      const requests = leftovers
        .map((n) => n.path)
        .filter((x) => /^\/nodepool\/launcher\/requests\/[^/]+\/[^/]+$/.test(x));
      expect(requests.sort()).toEqual([
        `/nodepool/launcher/requests/${p}/node-7`,
        `/nodepool/launcher/requests/${p}/subnode-8`,
      ]);
      const others = leftovers.map((n) => n.path).filter((x) => !requests.includes(x));
      for (const x of others)
        expect(x).toMatch(
          /^\/nodepool\/launcher\/(members|election|owners|events|reports|requests\/[^/]+)$/,
        );
      for (const n of tree.filter((x) => x.ephemeralOwner !== '0000000000000000'))
        expect(n.ephemeralOwner, n.path).toBe(bSession);
      expect(
        tree.filter((n) => n.path.startsWith('/nodepool/launcher/members/')).map((n) => n.path),
      ).toEqual(['/nodepool/launcher/members/b']);
      expect(
        tree.every((n) => n.path === '/nodepool' || n.path.startsWith('/nodepool/launcher')),
      ).toBe(true);
      expect((await b.cluster.takeLaunchRequests(p)).map((r) => r.id)).toEqual([7, 8]);
      expect(await b.cluster.pendingLaunchRequests(p)).toEqual([]);
    } finally {
      await zk.stop();
    }
  });

  it('hands each launch request to exactly one taker', async () => {
    const [a, b, c] = [await add('a'), await add('b'), await add('c')];
    await waitFor(converged(['a', 'b', 'c']), { what: 'the providers to be spread' });
    const p = providers[0]!;
    const owner = members.find((m) => m.cluster.owns(p))!;
    const changedBefore = recorder.count(owner.name, 'changed');
    const requests = Array.from({ length: 40 }, (_, i) => ({
      provider: p,
      kind: i % 4 === 0 ? ('subnode' as const) : ('node' as const),
      id: i + 1,
    }));
    await a.cluster.requestLaunches(requests);
    await a.cluster.requestLaunches(requests.slice(0, 5)); // repeated: kept once
    // The owner hears of them through its watch.
    await waitFor(() => recorder.count(owner.name, 'changed') > changedBefore, {
      what: 'the owner to be told of the requests',
    });
    expect(await b.cluster.pendingLaunchRequests(p)).toHaveLength(40);
    const taken = await Promise.all([a, b, c].map((m) => m.cluster.takeLaunchRequests(p)));
    const all = taken.flat().map((r) => `${r.kind}-${r.id}`);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(requests.map((r) => `${r.kind}-${r.id}`).sort());
    expect(await c.cluster.pendingLaunchRequests(p)).toEqual([]);
  });
});
