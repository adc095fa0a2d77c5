/**
 * deleteMarkedNodes over in-memory ports: which `delete` nodes a pass starts deleting
 * (provider filter, deletions in flight, each node once with `attempted`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deleteMarkedNodes } from '../../../src/launcher/index.js';
import { NodeDeleter } from '../../../src/launcher/node-deleter.js';
import { ProviderError, nodepoolMetadata } from '../../../src/provider/index.js';
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
      labels: [{ name: 'small', minReady: 0, providers: ['p1', 'p2'] }],
      providers: [
        { name: 'p1', maxServers: 10 },
        { name: 'p2', maxServers: 10 },
      ],
    }),
  );
  return world;
}

/** A node in `state` with a server in `provider`; returns its id. */
async function nodeIn(
  w: MemoryLauncher,
  provider: string,
  state: 'ready' | 'delete',
): Promise<number> {
  const node = await w.db.nodes.create({
    providerName: provider,
    labelName: 'small',
    targetName: 'fake-target',
    state,
  });
  const server = w
    .provider(provider)
    .addServer({ name: `n${node.id}`, metadata: nodepoolMetadata(provider, { nodeId: node.id }) });
  await w.db.nodes.update(node.id, { externalId: server.id });
  return node.id;
}

describe('deleteMarkedNodes', () => {
  it('deletes every marked node and leaves the others', async () => {
    const w = await setUp();
    const tasks = new TaskGroup(() => {});
    const deleter = new NodeDeleter(w.ctx, tasks);
    const ready = await nodeIn(w, 'p1', 'ready');
    await nodeIn(w, 'p1', 'delete');
    await nodeIn(w, 'p2', 'delete');
    expect(await deleteMarkedNodes(w.ctx, deleter)).toBe(2);
    await tasks.drain();
    expect((await w.db.nodes.list()).map((n) => n.id)).toEqual([ready]);
    expect(w.provider('p1').servers.size).toBe(1);
    expect(w.provider('p2').servers.size).toBe(0);
  });

  it('deletes only the nodes of the given providers', async () => {
    const w = await setUp();
    const tasks = new TaskGroup(() => {});
    const deleter = new NodeDeleter(w.ctx, tasks);
    await nodeIn(w, 'p1', 'delete');
    const other = await nodeIn(w, 'p2', 'delete');
    expect(await deleteMarkedNodes(w.ctx, deleter, { providers: ['p2'] })).toBe(1);
    expect(await deleteMarkedNodes(w.ctx, deleter, { providers: [] })).toBe(0);
    await tasks.drain();
    expect(await w.db.nodes.get(other)).toBeUndefined();
    expect(await w.db.nodes.count({ provider: 'p1', state: 'delete' })).toBe(1);
  });

  it('skips a node whose deletion is in flight', async () => {
    const w = await setUp();
    const tasks = new TaskGroup(() => {});
    const deleter = new NodeDeleter(w.ctx, tasks);
    const id = await nodeIn(w, 'p1', 'delete');
    deleter.deleteNode(id, 'test');
    expect(deleter.isDeletingNode(id)).toBe(true);
    expect(await deleteMarkedNodes(w.ctx, deleter)).toBe(0);
    await tasks.drain();
    expect(w.provider('p1').callsOf('deleteServer')).toHaveLength(1);
  });

  it('starts a node once with attempted, leaving a failed deletion to the cleanup cron', async () => {
    const w = await setUp();
    const tasks = new TaskGroup(() => {});
    const deleter = new NodeDeleter(w.ctx, tasks);
    const id = await nodeIn(w, 'p1', 'delete');
    w.provider('p1').failNext(
      'deleteServer',
      new ProviderError('boom', { provider: 'p1', service: 'compute' }),
      5,
    );
    const attempted = new Set<number>();
    expect(await deleteMarkedNodes(w.ctx, deleter, { attempted })).toBe(1);
    await tasks.drain();
    expect(await deleteMarkedNodes(w.ctx, deleter, { attempted })).toBe(0);
    expect(w.provider('p1').callsOf('deleteServer')).toHaveLength(1);
    // Once the row is gone, its id is forgotten.
    await w.db.nodes.delete(id);
    await deleteMarkedNodes(w.ctx, deleter, { attempted });
    expect(attempted.size).toBe(0);
  });
});
