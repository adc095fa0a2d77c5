/**
 * NodeDeleter and the deletion procedure over in-memory ports: what is deleted, in which
 * order (Jenkins node, servers, waits, rows), what a failure leaves behind, and that each
 * node, subnode and leaked server is deleted once at a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import type { JenkinsHooks } from '../../../src/launcher/index.js';
import { NodeDeleter, deleteNodeNow } from '../../../src/launcher/node-deleter.js';
import {
  ProviderError,
  ResourceNotFoundError,
  nodepoolMetadata,
} from '../../../src/provider/index.js';
import { TaskGroup } from '../../../src/util/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type {
  MemoryLauncher,
  MemoryLauncherOptions,
} from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function setUp(options: MemoryLauncherOptions = {}): Promise<MemoryLauncher> {
  world = await memoryLauncher(
    launcherYaml({
      labels: [{ name: 'small', minReady: 1, providers: ['p1'] }],
      providers: [{ name: 'p1', maxServers: 10 }],
    }),
    options,
  );
  return world;
}

/** A ready node with a server in p1 (and `subnodes` subnodes with servers). */
async function readyNode(w: MemoryLauncher, subnodes = 0): Promise<NodeRecord> {
  const p1 = w.provider('p1');
  const node = await w.db.nodes.create({
    providerName: 'p1',
    labelName: 'small',
    targetName: 'fake-target',
    state: 'ready',
    nodename: 'small-p1-x',
  });
  const server = p1.addServer({
    name: `small-p1-${node.id}`,
    metadata: nodepoolMetadata('p1', { nodeId: node.id, imageName: 'small-image' }),
  });
  await w.db.nodes.update(node.id, { externalId: server.id });
  for (let i = 0; i < subnodes; i++) {
    const sub = p1.addServer({
      name: `small-p1-${node.id}-${i}`,
      metadata: nodepoolMetadata('p1', { nodeId: node.id, imageName: 'small-image' }),
    });
    await w.db.subnodes.create({
      nodeId: node.id,
      state: 'ready',
      externalId: sub.id,
      hostname: sub.name,
    });
  }
  return (await w.db.nodes.get(node.id))!;
}

describe('deleteNodeNow', () => {
  it('removes the Jenkins node, then deletes every server, waits for them, and removes the rows', async () => {
    const events: string[] = [];
    const jenkins: JenkinsHooks = {
      removeNode: (node, target) => {
        events.push(`jenkins remove ${node.nodename} of ${target?.name}`);
        return Promise.resolve();
      },
    };
    const w = await setUp({ jenkins });
    const node = await readyNode(w, 1);
    const [sub] = await w.db.subnodes.listByNode(node.id);
    w.provider('p1').onCall = (c) => {
      events.push(`${c.op} ${c.arg}`);
    };
    expect(await deleteNodeNow(w.ctx, node.id, { reason: 'test' })).toBe(true);
    expect(events).toEqual([
      'jenkins remove small-p1-x of fake-target',
      `deleteServer ${sub!.externalId}`,
      `deleteServer ${node.externalId}`,
      `waitForServerDeletion ${sub!.externalId}`,
      `waitForServerDeletion ${node.externalId}`,
    ]);
    expect(w.provider('p1').servers.size).toBe(0);
    expect(await w.db.nodes.get(node.id)).toBeUndefined();
    expect(await w.db.subnodes.listByNode(node.id)).toEqual([]);
    expect(w.stats.lines.filter((l) => l.endsWith('|c'))).toEqual([
      'nodepool.delete.small-image.p1.fake-target:1|c',
    ]);
    expect(await deleteNodeNow(w.ctx, node.id)).toBe(false);
  });

  it('finds the servers of a node whose create never recorded an id by their metadata only', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const node = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
    });
    const mine = p1.addServer({ name: 'a', metadata: nodepoolMetadata('p1', { nodeId: node.id }) });
    p1.addServer({
      id: 'other-node',
      name: 'b',
      metadata: nodepoolMetadata('p1', { nodeId: node.id + 1 }),
    });
    p1.addServer({
      id: 'other-provider',
      name: 'c',
      metadata: nodepoolMetadata('p2', { nodeId: node.id }),
    });
    p1.addServer({ id: 'not-ours', name: 'd' });
    expect(await deleteNodeNow(w.ctx, node.id)).toBe(true);
    expect(p1.callsOf('deleteServer')).toEqual([mine.id]);
    expect([...p1.servers.keys()].sort()).toEqual(['not-ours', 'other-node', 'other-provider']);
  });

  it('treats a server that is already gone as deleted', async () => {
    const w = await setUp();
    const node = await readyNode(w);
    w.provider('p1').failNext(
      'deleteServer',
      new ResourceNotFoundError('gone', { provider: 'p1', service: 'compute', status: 404 }),
    );
    expect(await deleteNodeNow(w.ctx, node.id)).toBe(true);
    expect(await w.db.nodes.get(node.id)).toBeUndefined();
  });

  it('leaves the node in delete, with its server id, when the server does not go away in time', async () => {
    const w = await setUp({ timing: { deleteTimeoutMs: 5 } });
    const node = await readyNode(w);
    const timeout = new ProviderError(`Cannot wait for deletion of server "${node.externalId}"`, {
      provider: 'p1',
      service: 'compute',
      code: 'ERR_PROVIDER_TIMEOUT',
    });
    w.provider('p1').failNext('waitForServerDeletion', timeout);
    const progress = { state: null as string | null };
    await expect(deleteNodeNow(w.ctx, node.id, { progress })).rejects.toBe(timeout);
    expect(progress.state).toBe('delete');
    expect(await w.db.nodes.get(node.id)).toMatchObject({
      state: stateCode('delete'),
      externalId: node.externalId,
    });
  });

  it('deletes no server when Jenkins cannot remove its node, leaving the node in delete', async () => {
    const jenkins: JenkinsHooks = {
      removeNode: () => Promise.reject(new Error('Jenkins unreachable')),
    };
    const w = await setUp({ jenkins });
    const node = await readyNode(w);
    await expect(deleteNodeNow(w.ctx, node.id)).rejects.toThrow('Jenkins unreachable');
    expect(w.provider('p1').callsOf('deleteServer')).toEqual([]);
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('delete'));
  });

  it('refuses a node of a provider that is no longer configured, which stays in delete', async () => {
    const w = await setUp();
    const node = await w.db.nodes.create({
      providerName: 'gone',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'ready',
    });
    const err = await deleteNodeNow(w.ctx, node.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DELETE_NO_PROVIDER', details: { nodeId: node.id } });
    expect((err as Error).message).toBe(
      `Cannot delete node ${node.id}: provider "gone" is not configured: keep it in nodepool.yaml (max-servers: -1) until its nodes are gone`,
    );
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('delete'));
  });

  it('revokes a node from its Gearman manager without waiting for it, and goes on when that fails', async () => {
    const revoked: number[] = [];
    const w = await setUp({
      gearman: {
        revokeNode: (n) => {
          revoked.push(n.id);
          return Promise.reject(new Error('no such worker'));
        },
      },
    });
    const node = await readyNode(w);
    await w.db.nodes.update(node.id, { managerName: 'zuul-1' });
    expect(await deleteNodeNow(w.ctx, node.id)).toBe(true);
    expect(revoked).toEqual([node.id]);
  });
});

describe('NodeDeleter', () => {
  function deleter(w: MemoryLauncher): { d: NodeDeleter; tasks: TaskGroup; errors: unknown[] } {
    const errors: unknown[] = [];
    const tasks = new TaskGroup((err) => errors.push(err));
    return { d: new NodeDeleter(w.ctx, tasks), tasks, errors };
  }

  it('runs one deletion per node at a time and wakes the pass when it ends', async () => {
    const w = await setUp();
    const node = await readyNode(w);
    const { d, tasks } = deleter(w);
    d.deleteNode(node.id, 'first');
    d.deleteNode(node.id, 'second');
    expect(d.inFlight).toEqual([node.id]);
    expect(d.isDeletingNode(node.id)).toBe(true);
    await d.settled();
    await tasks.drain();
    expect(w.provider('p1').callsOf('deleteServer')).toEqual([node.externalId]);
    expect(d.inFlight).toEqual([]);
    expect(w.signals.wakes).toBe(1);
  });

  it('logs a failed deletion instead of throwing, and deletes the node on a later request', async () => {
    const w = await setUp();
    const node = await readyNode(w);
    const p1 = w.provider('p1');
    p1.failNext(
      'deleteServer',
      new ProviderError('Cannot delete server: timed out', {
        provider: 'p1',
        service: 'compute',
        code: 'ERR_PROVIDER_TIMEOUT',
      }),
    );
    const { d, tasks, errors } = deleter(w);
    d.deleteNode(node.id, 'cleanup');
    await d.settled();
    await tasks.drain();
    expect(errors).toEqual([]);
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('delete'));
    d.deleteNode(node.id, 'cleanup again');
    await d.settled();
    expect(await w.db.nodes.get(node.id)).toBeUndefined();
    expect(p1.callsOf('deleteServer')).toEqual([node.externalId, node.externalId]);
  });

  it('deletes a leaked server once at a time, and nothing for a provider not configured', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const leak = p1.addServer({ name: 'leak', metadata: nodepoolMetadata('p1', { nodeId: 999 }) });
    const { d } = deleter(w);
    d.deleteInstance('p1', leak.id);
    d.deleteInstance('p1', leak.id);
    d.deleteInstance('gone', 'srv-x');
    expect(d.instancesInFlight).toEqual([`p1/${leak.id}`, 'gone/srv-x']);
    await d.settled();
    expect(p1.callsOf('deleteServer')).toEqual([leak.id]);
    expect(d.instancesInFlight).toEqual([]);
  });

  it('deletes an orphaned subnode by its server id, or by host name and the parent metadata, then its row', async () => {
    const w = await setUp();
    const p1 = w.provider('p1');
    const parent = await readyNode(w);
    const byId = p1.addServer({
      name: 'sub-a',
      metadata: nodepoolMetadata('p1', { nodeId: parent.id }),
    });
    const byName = p1.addServer({
      name: 'sub-b',
      metadata: nodepoolMetadata('p1', { nodeId: parent.id }),
    });
    p1.addServer({
      id: 'same-name-other-node',
      name: 'sub-b',
      metadata: nodepoolMetadata('p1', { nodeId: parent.id + 1 }),
    });
    const a = await w.db.subnodes.create({
      nodeId: parent.id,
      externalId: byId.id,
      hostname: 'sub-a',
    });
    const b = await w.db.subnodes.create({ nodeId: parent.id, hostname: 'sub-b' });
    const never = await w.db.subnodes.create({ nodeId: parent.id });
    const { d } = deleter(w);
    for (const s of [a, b, never]) d.deleteSubnode(parent, s, 'orphan');
    expect(d.subnodesInFlight).toEqual([a.id, b.id, never.id]);
    await d.settled();
    expect(p1.callsOf('deleteServer').sort()).toEqual([byId.id, byName.id].sort());
    expect(await w.db.subnodes.listByNode(parent.id)).toEqual([]);
    expect(p1.servers.has('same-name-other-node')).toBe(true);
    expect((await w.db.nodes.get(parent.id))?.state).toBe(stateCode('ready'));
  });
});
