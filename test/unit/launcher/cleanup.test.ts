/**
 * The cleanup cron over in-memory ports: which nodes it deletes (state, age, orphans), which
 * leaked servers (two sightings, our metadata, no owning row), and what it never touches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import type { NodeState } from '../../../src/db/index.js';
import { LeakTracker, runCleanup } from '../../../src/launcher/cron/cleanup.js';
import type { LaunchesInFlight } from '../../../src/launcher/cron/orphans.js';
import { NodeDeleter } from '../../../src/launcher/node-deleter.js';
import { nodepoolMetadata } from '../../../src/provider/index.js';
import { TaskGroup } from '../../../src/util/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

const HOUR = 3600;

interface Cleanup {
  w: MemoryLauncher;
  deleter: NodeDeleter;
  leaks: LeakTracker;
  launches: { nodes: Set<number>; subnodes: Set<number> };
  /** One cleanup run, waiting for the deletions it started. */
  run(signal?: AbortSignal): Promise<void>;
}

async function setUp(o: { cleanFloatingIps?: boolean } = {}): Promise<Cleanup> {
  const w = await memoryLauncher(
    launcherYaml({
      labels: [{ name: 'small', minReady: 0, providers: ['p1'] }],
      providers: [
        {
          name: 'p1',
          maxServers: 10,
          ...(o.cleanFloatingIps !== undefined ? { cleanFloatingIps: o.cleanFloatingIps } : {}),
        },
        { name: 'p2', maxServers: 10 },
      ],
    }),
  );
  world = w;
  const deleter = new NodeDeleter(w.ctx, new TaskGroup(() => {}));
  const leaks = new LeakTracker();
  const launches = { nodes: new Set<number>(), subnodes: new Set<number>() };
  const inFlight: LaunchesInFlight = {
    hasNode: (id) => launches.nodes.has(id),
    hasSubnode: (id) => launches.subnodes.has(id),
  };
  return {
    w,
    deleter,
    leaks,
    launches,
    async run(signal = new AbortController().signal) {
      await runCleanup(w.ctx, { deleter, leaks, launches: inFlight }, signal);
      await deleter.settled();
    },
  };
}

/** A node of p1 whose state changed `ageS` seconds ago. */
async function nodeAged(w: MemoryLauncher, state: NodeState, ageS: number): Promise<number> {
  const now = w.db.clock.now;
  w.db.clock.now = Math.floor(Date.now() / 1000) - ageS;
  const node = await w.db.nodes.create({
    providerName: 'p1',
    labelName: 'small',
    targetName: 'fake-target',
    state,
  });
  w.db.clock.now = now;
  return node.id;
}

describe('runCleanup', () => {
  it('deletes nodes in delete, test nodes after 5 minutes, building and used nodes after 8 hours', async () => {
    const c = await setUp();
    const { w } = c;
    const gone = [
      await nodeAged(w, 'delete', 0),
      await nodeAged(w, 'test', 6 * 60),
      await nodeAged(w, 'used', 9 * HOUR),
      await nodeAged(w, 'building', 9 * HOUR),
    ];
    const kept = [
      await nodeAged(w, 'test', 60),
      await nodeAged(w, 'used', 7 * HOUR),
      await nodeAged(w, 'ready', 100 * HOUR),
      await nodeAged(w, 'hold', 100 * HOUR),
    ];
    // The old building node has a launch in flight: it goes for its age, not as an orphan.
    c.launches.nodes.add(gone[3]!);
    await c.run();
    const left = (await w.db.nodes.list()).map((n) => n.id).sort();
    expect(left).toEqual([...kept].sort());
    for (const id of gone) expect(await w.db.nodes.get(id)).toBeUndefined();
  });

  it('deletes a building node with no launch in flight once past the grace, and keeps the others', async () => {
    const c = await setUp();
    const { w } = c;
    const orphan = await nodeAged(w, 'building', 120);
    const launching = await nodeAged(w, 'building', 120);
    const fresh = await nodeAged(w, 'building', 5);
    c.launches.nodes.add(launching);
    await c.run();
    expect(await w.db.nodes.get(orphan)).toBeUndefined();
    expect((await w.db.nodes.get(launching))?.state).toBe(stateCode('building'));
    expect((await w.db.nodes.get(fresh))?.state).toBe(stateCode('building'));
  });

  it('deletes a building subnode with no launch in flight, keeping its parent and the subnodes being launched', async () => {
    const c = await setUp();
    const { w } = c;
    const parent = await nodeAged(w, 'ready', 0);
    w.db.clock.now -= 120;
    const orphan = await w.db.subnodes.create({ nodeId: parent });
    const launching = await w.db.subnodes.create({ nodeId: parent });
    w.db.clock.now += 120;
    c.launches.subnodes.add(launching.id);
    await c.run();
    expect((await w.db.subnodes.listByNode(parent)).map((s) => s.id)).toEqual([launching.id]);
    expect(await w.db.subnodes.get(orphan.id)).toBeUndefined();
    expect((await w.db.nodes.get(parent))?.state).toBe(stateCode('ready'));
  });

  it('deletes a leaked server only at its second sighting', async () => {
    const c = await setUp();
    const p1 = c.w.provider('p1');
    const leak = p1.addServer({ name: 'leak', metadata: nodepoolMetadata('p1', { nodeId: 4242 }) });
    await c.run();
    expect(p1.callsOf('deleteServer')).toEqual([]);
    await c.run();
    expect(p1.callsOf('deleteServer')).toEqual([leak.id]);
    // Deleted without waiting: the next list shows it going.
    expect(p1.servers.get(leak.id)?.status).toBe('deleting');
  });

  it('forgets a leak candidate that was not seen again in the next run', async () => {
    const c = await setUp();
    const p1 = c.w.provider('p1');
    const leak = p1.addServer({ name: 'leak', metadata: nodepoolMetadata('p1', { nodeId: 4242 }) });
    await c.run();
    p1.servers.delete(leak.id);
    await c.run();
    p1.servers.set(leak.id, leak);
    await c.run();
    expect(p1.callsOf('deleteServer')).toEqual([]);
  });

  it('never deletes a server without our metadata, of another provider, without a node id, or owned by a row', async () => {
    const c = await setUp();
    const { w } = c;
    const p1 = w.provider('p1');
    const owner = await nodeAged(w, 'building', 0);
    c.launches.nodes.add(owner);
    p1.addServer({ id: 'foreign', name: 'someone-elses' });
    p1.addServer({ id: 'p2s', name: 'x', metadata: nodepoolMetadata('p2', { nodeId: 4242 }) });
    p1.addServer({
      id: 'no-node',
      name: 'template',
      metadata: nodepoolMetadata('p1', { snapshotImageId: 3 }),
    });
    p1.addServer({ id: 'owned', name: 'y', metadata: nodepoolMetadata('p1', { nodeId: owner }) });
    await c.run();
    await c.run();
    expect(p1.callsOf('deleteServer')).toEqual([]);
    expect(p1.servers.size).toBe(4);
  });

  it('deletes a server naming a finished node that records another server (a reused node id)', async () => {
    const c = await setUp();
    const { w } = c;
    const p1 = w.provider('p1');
    const node = await nodeAged(w, 'ready', 0);
    const current = p1.addServer({
      name: 'current',
      metadata: nodepoolMetadata('p1', { nodeId: node }),
    });
    await w.db.nodes.update(node, { externalId: current.id });
    const stale = p1.addServer({
      name: 'stale',
      metadata: nodepoolMetadata('p1', { nodeId: node }),
    });
    await c.run();
    await c.run();
    expect(p1.callsOf('deleteServer')).toEqual([stale.id]);
    expect(p1.servers.has(current.id)).toBe(true);
  });

  it('cleans unattached floating IPs only where clean-floating-ips is set', async () => {
    const c = await setUp({ cleanFloatingIps: true });
    c.w.provider('p1').unattachedFips = 2;
    c.w.provider('p2').unattachedFips = 2;
    await c.run();
    expect(c.w.provider('p1').callsOf('cleanFloatingIps')).toHaveLength(1);
    expect(c.w.provider('p2').callsOf('cleanFloatingIps')).toEqual([]);
    expect(c.w.provider('p2').unattachedFips).toBe(2);
  });

  it('stops between its steps once aborted, after starting the node deletions', async () => {
    const c = await setUp();
    const doomed = await nodeAged(c.w, 'delete', 0);
    const server = c.w
      .provider('p1')
      .addServer({ name: 'doomed', metadata: nodepoolMetadata('p1', { nodeId: doomed }) });
    await c.w.db.nodes.update(doomed, { externalId: server.id });
    const abort = new AbortController();
    abort.abort(new Error('stopping'));
    await expect(c.run(abort.signal)).rejects.toThrow('stopping');
    await c.deleter.settled();
    expect(await c.w.db.nodes.get(doomed)).toBeUndefined();
    // No leak scan: the servers were never listed.
    expect(c.w.provider('p1').callsOf('listServers')).toEqual([]);
  });
});
