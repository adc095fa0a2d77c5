/**
 * The leader's launch requests reach the other owners while its pass is still inserting
 * rows, in chunks, not all at the end of the pass (issue #15, the cluster throughput bench).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Cluster, LaunchRequest } from '../../../src/cluster/index.js';
import { ClusterMember, REQUEST_CHUNK } from '../../../src/launcher/cluster-member.js';
import type { ClusterMemberDeps } from '../../../src/launcher/cluster-member.js';
import type { LaunchSpec } from '../../../src/launcher/node-launcher.js';

/** A leader that owns nothing: every launch becomes a request. */
function leaderOwningNothing(sent: LaunchRequest[][], fail = false): Cluster {
  return {
    isLeader: () => true,
    owns: () => false,
    ownedProviders: () => [],
    fenceSignal: () => new AbortController().signal,
    requestLaunches: (batch: readonly LaunchRequest[]) => {
      sent.push([...batch]);
      return fail ? Promise.reject(new Error('ZooKeeper down')) : Promise.resolve();
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
  it('sends full chunks while the pass goes on and the rest when it ends', async () => {
    const sent: LaunchRequest[][] = [];
    const m = member(leaderOwningNothing(sent));
    const n = REQUEST_CHUNK * 2 + 5;
    let sentDuringPass = 0;
    await m.pass(async (starter) => {
      for (let id = 1; id <= n; id++) {
        starter.launch(spec(id));
        await Promise.resolve(); // a row insert between launches
      }
      sentDuringPass = sent.flat().length;
      return null;
    });
    expect(sentDuringPass).toBe(REQUEST_CHUNK * 2);
    expect(sent.map((b) => b.length)).toEqual([REQUEST_CHUNK, REQUEST_CHUNK, 5]);
    expect(sent.flat().map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Every row is requested: none left for the orphan rule to spare.
    const spared = await m.spared(['p2']);
    expect(spared.node(1)).toBe(false);
    expect(spared.node(n)).toBe(false);
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
