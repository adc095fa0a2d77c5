/**
 * launchNode over in-memory ports (the SSH steps take the in-process fake session of
 * `auth-url: fake` providers): the cloud calls it makes in order, what it writes to the node
 * row, and how each failure ends (the node handed to the deleter, or left for recovery).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import type { GearmanHooks, JenkinsHooks, ReadyNodeInfo } from '../../../src/launcher/index.js';
import { launchNode } from '../../../src/launcher/node-launcher.js';
import type { LaunchSpec } from '../../../src/launcher/node-launcher.js';
import { ServerFailedError, quotaExceeded } from '../../../src/provider/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import { waitFor } from '../../support/wait-for.js';
import type {
  MemoryLauncher,
  MemoryLauncherOptions,
  YamlLabel,
  YamlTarget,
} from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

interface Setup {
  label?: Partial<YamlLabel>;
  target?: YamlTarget;
  options?: MemoryLauncherOptions;
}

/** One label `small` on provider `p1`, one building row, and the launch spec for it. */
async function setUp(
  o: Setup = {},
): Promise<{ w: MemoryLauncher; spec: LaunchSpec; node: NodeRecord; deletes: string[] }> {
  const yaml = launcherYaml({
    labels: [{ name: 'small', minReady: 1, providers: ['p1'], ...o.label }],
    providers: [{ name: 'p1', maxServers: 10 }],
    targets: [o.target ?? 'fake-target'],
  });
  const w = await memoryLauncher(yaml, {
    timing: { subnodePollMs: 1, subnodeWaitMs: 50 },
    ...o.options,
  });
  world = w;
  const config = w.ctx.config();
  const node = await w.db.nodes.create({
    providerName: 'p1',
    labelName: 'small',
    targetName: config.targets[0]!.name,
    az: null,
  });
  const spec: LaunchSpec = {
    nodeId: node.id,
    label: config.labels[0]!,
    provider: config.providers[0]!,
    target: config.targets[0]!,
    az: null,
  };
  return { w, spec, node, deletes: [] };
}

function requestDelete(deletes: string[]): (id: number, reason: string) => void {
  return (id, reason) => deletes.push(`${id}: ${reason}`);
}

describe('launchNode', () => {
  it('creates the server, waits for it, and makes the node ready with its names and addresses', async () => {
    const { w, spec, node, deletes } = await setUp();
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    const p1 = w.provider('p1');
    expect(p1.calls).toEqual([
      { op: 'createServer', arg: `small-p1-${node.id}` },
      { op: 'waitForServer', arg: 'srv-1' },
    ]);
    const server = p1.servers.get('srv-1')!;
    expect(server.imageId).toBe('image-small-image-p1');
    expect(JSON.parse(server.metadata['nodepool']!)).toEqual({
      provider_name: 'p1',
      node_id: node.id,
      image_name: 'small-image',
    });
    expect(await w.db.nodes.get(node.id)).toMatchObject({
      state: stateCode('ready'),
      hostname: `small-p1-${node.id}`,
      nodename: `small-p1-${node.id}`,
      externalId: 'srv-1',
      ip: '192.0.2.1',
      ipPrivate: '10.0.0.1',
    });
    expect(deletes).toEqual([]);
    expect(w.stats.lines.filter((l) => l.endsWith('|c'))).toEqual([
      'nodepool.launch.provider.p1.ready:1|c',
      'nodepool.launch.image.small-image.ready:1|c',
      'nodepool.launch.ready:1|c',
      'nodepool.launch.target.fake-target.ready:1|c',
    ]);
    expect(w.signals.wakes).toBe(1);
  });

  it('puts a node of a target with a test job in test, not ready', async () => {
    const { w, spec, node, deletes } = await setUp({
      target: { name: 'fake-target', testJob: 'check-node' },
    });
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('test'));
  });

  it('leaves a node an operator held while it was building in hold, with its addresses', async () => {
    const { w, spec, node, deletes } = await setUp();
    w.provider('p1').onCall = async (call) => {
      if (call.op === 'waitForServer')
        await w.db.nodes.setState(node.id, 'hold', { comment: 'debugging' });
    };
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    expect(await w.db.nodes.get(node.id)).toMatchObject({
      state: stateCode('hold'),
      ip: '192.0.2.1',
      comment: 'debugging',
    });
  });

  it('fails and hands the node to the deleter when it was deleted while building', async () => {
    const { w, spec, node, deletes } = await setUp();
    w.provider('p1').onCall = async (call) => {
      if (call.op === 'waitForServer') await w.db.nodes.setState(node.id, 'delete');
    };
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('failed');
    expect(deletes).toEqual([`${node.id}: launch failed: error.unknown`]);
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('delete'));
  });

  it('fails with error.quota and creates nothing when the cloud refuses for quota', async () => {
    const { w, spec, node, deletes } = await setUp();
    const p1 = w.provider('p1');
    p1.failNext(
      'createServer',
      quotaExceeded('Quota exceeded for instances', {
        provider: 'p1',
        service: 'compute',
        status: 413,
      }),
    );
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('failed');
    expect(deletes).toEqual([`${node.id}: launch failed: error.quota`]);
    expect(p1.servers.size).toBe(0);
    expect(p1.callsOf('waitForServer')).toEqual([]);
    expect(w.stats.lines).toContain('nodepool.launch.provider.p1.error.quota:1|c');
  });

  it('records the id of a server the cloud put in ERROR at once, before asking for the deletion', async () => {
    const { w, spec, node } = await setUp();
    const p1 = w.provider('p1');
    p1.addServer({
      id: 'srv-bad',
      name: `small-p1-${node.id}`,
      status: 'error',
      rawStatus: 'ERROR',
    });
    p1.failNext(
      'createServer',
      new ServerFailedError('Server "srv-bad" is in status ERROR', {
        provider: 'p1',
        service: 'compute',
        serverId: 'srv-bad',
        serverStatus: 'ERROR',
      }),
    );
    const seen: Array<string | null | undefined> = [];
    const outcome = await launchNode(w.ctx, spec, (id) => {
      // What the deleter will read when it starts.
      seen.push(w.db.nodeRows.find((n) => n.id === id)?.externalId);
    });
    expect(outcome).toBe('failed');
    expect(seen).toEqual(['srv-bad']);
    expect(w.stats.lines).toContain('nodepool.launch.error.status:1|c');
  });

  it('fails with error.network when the active server has no public address', async () => {
    const { w, spec, node, deletes } = await setUp();
    w.provider('p1').hasNoPublicIp = true;
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('failed');
    expect(deletes).toEqual([`${node.id}: launch failed: error.network`]);
    // The server id is on the row, so the deletion finds the server.
    expect((await w.db.nodes.get(node.id))?.externalId).toBe('srv-1');
  });

  it('fails with error.nodepool before any cloud call when the image has no ready upload', async () => {
    const { w, spec, node, deletes } = await setUp();
    w.uploads.remove('small-image', 'p1');
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('failed');
    expect(deletes).toEqual([`${node.id}: launch failed: error.nodepool`]);
    expect(w.provider('p1').calls).toEqual([]);
  });

  it('abandons the launch on stop without deleting: the node stays building for the recovery', async () => {
    const { w, spec, node, deletes } = await setUp();
    w.provider('p1').onCall = (call) => {
      if (call.op === 'waitForServer') w.abort.abort(new Error('launcher stopping'));
    };
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('abandoned');
    expect(deletes).toEqual([]);
    expect(await w.db.nodes.get(node.id)).toMatchObject({
      state: stateCode('building'),
      externalId: 'srv-1',
    });
    expect(w.stats.lines).toEqual([]);
  });

  it('registers the ready node with Jenkins, and fails the launch when Jenkins refuses', async () => {
    const registered: ReadyNodeInfo[] = [];
    const jenkins: JenkinsHooks = {
      registerNode: (info) => {
        registered.push(info);
        return registered.length === 1
          ? Promise.resolve()
          : Promise.reject(new Error('Jenkins said 500'));
      },
    };
    const { w, spec, node, deletes } = await setUp({ options: { jenkins } });
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    expect(registered[0]).toMatchObject({
      node: { id: node.id, state: stateCode('ready'), ip: '192.0.2.1' },
      label: { name: 'small' },
    });
    const second = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
    });
    expect(await launchNode(w.ctx, { ...spec, nodeId: second.id }, requestDelete(deletes))).toBe(
      'failed',
    );
    expect(deletes).toEqual([`${second.id}: launch failed: error.unknown`]);
  });

  it('assigns the node over Gearman for a target that says so and records the manager', async () => {
    const gearman: GearmanHooks = { assignNode: () => Promise.resolve('zuul-merger-1') };
    const { w, spec, node, deletes } = await setUp({
      target: { name: 'fake-target', assignViaGearman: true },
      options: { gearman },
    });
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    expect((await w.db.nodes.get(node.id))?.managerName).toBe('zuul-merger-1');
    expect(w.stats.lines).toContain('nodepool.launch.manager.zuul-merger-1.ready:1|c');
  });

  it('waits for its subnodes to be ready before finishing', async () => {
    const { w, spec, node, deletes } = await setUp({
      label: { subnodes: 1 },
      options: { timing: { subnodePollMs: 1, subnodeWaitMs: 60_000 } },
    });
    const sub = await w.db.subnodes.create({
      nodeId: node.id,
      ip: '192.0.2.50',
      hostname: 'sub-1',
      externalId: 'srv-sub',
    });
    let polls = 0;
    const listByNode = w.db.subnodes.listByNode.bind(w.db.subnodes);
    w.db.subnodes.listByNode = (id) => {
      polls += 1;
      return listByNode(id);
    };
    let outcome: string | null = null;
    const launch = launchNode(w.ctx, spec, requestDelete(deletes)).then((o) => (outcome = o));
    await waitFor(() => polls >= 3 || null, {
      intervalMs: 1,
      what: 'the launch to poll its subnodes',
    });
    expect(outcome).toBeNull();
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('building'));
    await w.db.subnodes.setState(sub.id, 'ready');
    await launch;
    expect(outcome).toBe('ready');
  });

  it('carries on without its subnodes once the subnode wait is over', async () => {
    const { w, spec, node, deletes } = await setUp({
      label: { subnodes: 1 },
      options: { timing: { subnodePollMs: 1, subnodeWaitMs: 20 } },
    });
    await w.db.subnodes.create({ nodeId: node.id });
    expect(await launchNode(w.ctx, spec, requestDelete(deletes))).toBe('ready');
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('ready'));
  });
});
