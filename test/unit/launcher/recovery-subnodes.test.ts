/**
 * The start-up recovery and subnode launches over in-memory ports: what a restart deletes
 * (never adopts), and how a subnode launch ends on success and on failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import { NodeDeleter } from '../../../src/launcher/node-deleter.js';
import { recoverAtStartup } from '../../../src/launcher/startup-recovery.js';
import { launchSubnode } from '../../../src/launcher/subnode-launcher.js';
import type { SubnodeLaunchSpec } from '../../../src/launcher/subnode-launcher.js';
import { nodepoolMetadata, quotaExceeded } from '../../../src/provider/index.js';
import { TaskGroup } from '../../../src/util/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function setUp(): Promise<MemoryLauncher> {
  world = await memoryLauncher(
    launcherYaml({
      labels: [{ name: 'multi', minReady: 1, providers: ['p1'], subnodes: 1 }],
      providers: [{ name: 'p1', maxServers: 10 }],
    }),
  );
  return world;
}

describe('recoverAtStartup', () => {
  it('deletes building nodes (servers found by metadata too) and building subnodes of surviving nodes', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const deleter = new NodeDeleter(w.ctx, new TaskGroup(() => {}));
    const building = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
    });
    const unrecorded = p1.addServer({
      name: 'crashed-create',
      metadata: nodepoolMetadata('p1', { nodeId: building.id }),
    });
    const ready = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
      state: 'ready',
    });
    const readySub = await w.db.subnodes.create({ nodeId: ready.id, state: 'ready' });
    const lostSub = await w.db.subnodes.create({ nodeId: ready.id });
    const result = await recoverAtStartup(w.ctx, deleter, { noDeletes: false });
    await deleter.settled();
    expect(result).toEqual({ nodes: 1, subnodes: 1 });
    expect(await w.db.nodes.get(building.id)).toBeUndefined();
    expect(p1.callsOf('deleteServer')).toEqual([unrecorded.id]);
    expect((await w.db.subnodes.listByNode(ready.id)).map((s) => s.id)).toEqual([readySub.id]);
    expect(await w.db.subnodes.get(lostSub.id)).toBeUndefined();
    expect((await w.db.nodes.get(ready.id))?.state).toBe(stateCode('ready'));
  });

  it('only marks building nodes delete under --no-deletes, and leaves subnodes', async () => {
    const w = await setUp();
    const deleter = new NodeDeleter(w.ctx, new TaskGroup(() => {}));
    const building = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
    });
    const ready = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
      state: 'ready',
    });
    await w.db.subnodes.create({ nodeId: ready.id });
    expect(await recoverAtStartup(w.ctx, deleter, { noDeletes: true })).toEqual({
      nodes: 1,
      subnodes: 0,
    });
    expect(deleter.inFlight).toEqual([]);
    expect((await w.db.nodes.get(building.id))?.state).toBe(stateCode('delete'));
    expect(await w.db.subnodes.listByNode(ready.id)).toHaveLength(1);
  });
});

describe('launchSubnode', () => {
  async function subnodeSpec(w: MemoryLauncher): Promise<SubnodeLaunchSpec> {
    const config = w.ctx.config();
    const parent = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
      state: 'ready',
      az: 'az1',
    });
    const sub = await w.db.subnodes.create({ nodeId: parent.id });
    return {
      nodeId: parent.id,
      subnodeId: sub.id,
      label: config.labels[0]!,
      provider: config.providers[0]!,
      target: config.targets[0]!,
      az: 'az1',
      manager: null,
    };
  }

  it("boots the subnode in its parent's AZ with the parent's id in the metadata and makes it ready", async () => {
    const w = await setUp();
    const spec = await subnodeSpec(w);
    expect(await launchSubnode(w.ctx, spec)).toBe('ready');
    const server = w.provider('p1').servers.get('srv-1')!;
    expect(server).toMatchObject({ name: `multi-p1-${spec.nodeId}-${spec.subnodeId}`, az: 'az1' });
    expect(JSON.parse(server.metadata['nodepool']!)).toMatchObject({ node_id: spec.nodeId });
    expect(await w.db.subnodes.get(spec.subnodeId)).toMatchObject({
      state: stateCode('ready'),
      externalId: 'srv-1',
      ip: '192.0.2.1',
      ipPrivate: '10.0.0.1',
    });
  });

  it('deletes the server and removes the row of a failed subnode, so the next pass replaces it', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const spec = await subnodeSpec(w);
    p1.hasNoPublicIp = true;
    expect(await launchSubnode(w.ctx, spec)).toBe('failed');
    expect(p1.calls.map((c) => c.op)).toEqual([
      'createServer',
      'waitForServer',
      'deleteServer',
      'waitForServerDeletion',
    ]);
    expect(await w.db.subnodes.get(spec.subnodeId)).toBeUndefined();
    expect(w.stats.lines).toContain('nodepool.launch.error.network:1|c');
  });

  it('removes the row of a subnode the cloud refused, with nothing to delete', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const spec = await subnodeSpec(w);
    p1.failNext(
      'createServer',
      quotaExceeded('Quota exceeded', { provider: 'p1', service: 'compute', status: 413 }),
    );
    expect(await launchSubnode(w.ctx, spec)).toBe('failed');
    expect(p1.callsOf('deleteServer')).toEqual([]);
    expect(await w.db.subnodes.get(spec.subnodeId)).toBeUndefined();
  });
});
