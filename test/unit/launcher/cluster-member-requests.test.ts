/**
 * The leader's launch requests reach the other owners while its pass is still inserting
 * rows, in batches that grow while one is being written, not all at the end of the pass
 * (issue #15, the cluster throughput bench).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Cluster, LaunchRequest } from '../../../src/cluster/index.js';
import { stateCode } from '../../../src/db/index.js';
import { ClusterMember } from '../../../src/launcher/cluster-member.js';
import { MAX_REQUEST_BATCH, REQUEST_CHUNK } from '../../../src/launcher/request-batches.js';
import type { ClusterMemberDeps } from '../../../src/launcher/cluster-member.js';
import type { LaunchSpec } from '../../../src/launcher/node-launcher.js';

/** A leader that owns nothing: every launch becomes a request. */
function leaderOwningNothing(
  sent: LaunchRequest[][],
  fail = false,
  inFlight = { now: 0, max: 0 },
): Cluster {
  return {
    isLeader: () => true,
    owns: () => false,
    ownedProviders: () => [],
    fenceSignal: () => new AbortController().signal,
    requestLaunches: async (batch: readonly LaunchRequest[]) => {
      sent.push([...batch]);
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      // A write that takes a few turns of the loop, as a ZooKeeper round trip.
      for (let i = 0; i < 3; i++) await Promise.resolve();
      inFlight.now--;
      if (fail) throw new Error('ZooKeeper down');
    },
    takeLaunchRequests: () => Promise.resolve([]),
    pendingLaunchRequests: () => Promise.resolve([]),
  } as unknown as Cluster;
}

function member(cluster: Cluster): ClusterMember {
  const deps = {
    ctx: { log: pino({ level: 'silent' }), gaugesChanged: () => {} },
    cluster: () => cluster,
    stopSignal: new AbortController().signal,
  } as unknown as ClusterMemberDeps;
  return new ClusterMember(deps);
}

const spec = (nodeId: number): LaunchSpec =>
  ({ nodeId, provider: { name: 'p2' } }) as unknown as LaunchSpec;

describe('a leader handing launches to other owners', () => {
  it('sends batches while the pass goes on, one at a time, and the rest when it ends', async () => {
    const sent: LaunchRequest[][] = [];
    const inFlight = { now: 0, max: 0 };
    const m = member(leaderOwningNothing(sent, false, inFlight));
    const n = REQUEST_CHUNK * 6 + 5;
    let sentDuringPass = 0;
    await m.pass(async (starter) => {
      for (let id = 1; id <= n; id++) {
        starter.launch(spec(id));
        await Promise.resolve(); // a row insert between launches
      }
      sentDuringPass = sent.flat().length;
      return null;
    });
    // 32 then 64 went out while the pass ran; the next batch (128) waited for the end.
    expect(sentDuringPass).toBe(REQUEST_CHUNK * 3);
    expect(inFlight.max).toBe(1);
    // Every batch but the last waited for a full chunk; each id went once, in order.
    for (const b of sent.slice(0, -1)) expect(b.length).toBeGreaterThanOrEqual(REQUEST_CHUNK);
    expect(sent.flat().map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Every row is requested: none left for the orphan rule to spare.
    const spared = await m.spared(['p2']);
    expect(spared.node(1)).toBe(false);
    expect(spared.node(n)).toBe(false);
  });

  it('doubles the batches up to a cap, so a pass of thousands writes a dozen transactions', async () => {
    const sent: LaunchRequest[][] = [];
    const m = member(leaderOwningNothing(sent));
    const n = 4000;
    await m.pass(async (starter) => {
      for (let id = 1; id <= n; id++) {
        starter.launch(spec(id));
        // A turn of the loop now and then, as the pass's row inserts give.
        if (id % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      return null;
    });
    const sizes = sent.map((b) => b.length);
    expect(sizes.slice(0, 4)).toEqual([
      REQUEST_CHUNK,
      REQUEST_CHUNK * 2,
      REQUEST_CHUNK * 4,
      REQUEST_CHUNK * 8,
    ]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_REQUEST_BATCH + 16);
    expect(sent.length).toBeLessThanOrEqual(14);
    expect(sent.flat()).toHaveLength(n);
  });

  it('spares the rows of a chunk not yet sent, and lets a failed chunk go to the orphan rule', async () => {
    const sent: LaunchRequest[][] = [];
    const m = member(leaderOwningNothing(sent, true));
    let sparedMidPass = false;
    await m.pass(async (starter) => {
      starter.launch(spec(1));
      sparedMidPass = (await m.spared(['p2'])).node(1);
      return null;
    });
    expect(sparedMidPass).toBe(true);
    expect(sent).toHaveLength(1);
    expect((await m.spared(['p2'])).node(1)).toBe(false);
  });
});

describe('an owner taking its launch requests', () => {
  it("starts what it took from every provider even when one provider's take fails, then reports the failure", async () => {
    const node = (id: number, provider: string) => ({
      id,
      providerName: provider,
      labelName: 'l',
      targetName: 't',
      state: stateCode('building'),
      az: null,
    });
    const cluster = {
      isLeader: () => false,
      owns: () => true,
      ownedProviders: () => ['p1', 'p2', 'p3'],
      fenceSignal: () => new AbortController().signal,
      takeLaunchRequests: (p: string) =>
        p === 'p2'
          ? Promise.reject(new Error('ZooKeeper hiccup'))
          : Promise.resolve([{ provider: p, kind: 'node', id: p === 'p1' ? 1 : 3 }]),
    } as unknown as Cluster;
    const spawned: string[] = [];
    const deps = {
      ctx: {
        log: pino({ level: 'silent' }),
        gaugesChanged: () => {},
        db: () => ({
          nodes: {
            getMany: async (ids: number[]) =>
              new Map(ids.map((id) => [id, node(id, id === 1 ? 'p1' : 'p3')])),
          },
        }),
        config: () => ({
          labels: [{ name: 'l' }],
          providers: [{ name: 'p1' }, { name: 'p3' }],
          targets: [{ name: 't' }],
        }),
      },
      cluster: () => cluster,
      tasks: { spawn: (name: string) => void spawned.push(name) },
      stopSignal: new AbortController().signal,
    } as unknown as ClusterMemberDeps;
    const m = new ClusterMember(deps);
    await expect(m.takeRequests()).rejects.toThrow('ZooKeeper hiccup');
    expect(spawned.sort()).toEqual(['launch node 1', 'launch node 3']);
    expect([...m.launching].sort()).toEqual([1, 3]);
  });
});
