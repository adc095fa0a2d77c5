/**
 * runPass over in-memory ports: what one pass of the main loop launches, in which order, and
 * what it leaves alone. Each launch is one `building` row plus one started launch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import { AllocationHistory } from '../../../src/launcher/index.js';
import type { JenkinsHooks } from '../../../src/launcher/index.js';
import type { LaunchSpec } from '../../../src/launcher/node-launcher.js';
import { runPass } from '../../../src/launcher/pass.js';
import type { SubnodeLaunchSpec } from '../../../src/launcher/subnode-launcher.js';
import type { Provider } from '../../../src/provider/index.js';
import { ProviderError } from '../../../src/provider/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type {
  MemoryLauncher,
  YamlLabel,
  YamlProvider,
} from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

async function setUp(
  labels: YamlLabel[],
  providers: YamlProvider[],
  options: { uploads?: boolean; targets?: string[] } = {},
): Promise<MemoryLauncher> {
  world = await memoryLauncher(
    launcherYaml({ labels, providers, ...(options.targets ? { targets: options.targets } : {}) }),
    {
      ...(options.uploads !== undefined ? { uploads: options.uploads } : {}),
    },
  );
  return world;
}

/** Runs one pass and records what it started, in order. */
async function pass(
  w: MemoryLauncher,
  deps: {
    jenkins?: JenkinsHooks;
    demand?: Map<string, number>;
    refreshed?: WeakMap<Provider, number>;
  } = {},
): Promise<{
  result: Awaited<ReturnType<typeof runPass>>;
  started: string[];
  launches: LaunchSpec[];
  subnodes: SubnodeLaunchSpec[];
}> {
  const started: string[] = [];
  const launches: LaunchSpec[] = [];
  const subnodes: SubnodeLaunchSpec[] = [];
  const result = await runPass(w.ctx, {
    history: new AllocationHistory(),
    jenkins: deps.jenkins ?? {},
    ...(deps.demand ? { demandSource: () => Promise.resolve(deps.demand!) } : {}),
    starter: {
      launch: (s) => {
        launches.push(s);
        started.push(`node ${s.nodeId} ${s.label.name}@${s.provider.name}`);
      },
      launchSubnode: (s) => {
        subnodes.push(s);
        started.push(`subnode ${s.subnodeId} of ${s.nodeId}`);
      },
    },
    refreshed: deps.refreshed ?? new WeakMap(),
  });
  return { result, started, launches, subnodes };
}

describe('runPass', () => {
  it('launches min-ready nodes per label, one building row and one started launch each', async () => {
    const w = await setUp(
      [
        { name: 'small', minReady: 2, providers: ['p1'] },
        { name: 'big', minReady: 1, providers: ['p1'] },
      ],
      [{ name: 'p1', maxServers: 10 }],
    );
    const { result, launches } = await pass(w);
    expect(result).toEqual({ launches: 3, subnodeLaunches: 0, nodes: 0 });
    const rows = await w.db.nodes.list();
    expect(rows.map((n) => [n.labelName, n.providerName, n.targetName, n.state])).toEqual([
      ['big', 'p1', 'fake-target', stateCode('building')],
      ['small', 'p1', 'fake-target', stateCode('building')],
      ['small', 'p1', 'fake-target', stateCode('building')],
    ]);
    expect(launches.map((l) => l.nodeId).sort()).toEqual(rows.map((n) => n.id).sort());
    expect(launches.every((l) => l.target.name === 'fake-target')).toBe(true);
    expect(w.signals.gaugesChanged).toBe(1);
  });

  it('lets the orders take turns by chunks, so every provider starts launching at once', async () => {
    const w = await setUp(
      [
        { name: 'a', minReady: 150, providers: ['p1'] },
        { name: 'b', minReady: 70, providers: ['p2'] },
      ],
      [
        { name: 'p1', maxServers: 150 },
        { name: 'p2', maxServers: 150 },
      ],
    );
    const { launches } = await pass(w);
    const seq = launches.map((l) => l.provider.name);
    expect(seq).toHaveLength(220);
    // Chunks of 64: p1, p2, p1, p2 (the last 6), p1 (the last 22).
    const runs = seq.reduce<Array<[string, number]>>((acc, p) => {
      const last = acc[acc.length - 1];
      if (last?.[0] === p) last[1]++;
      else acc.push([p, 1]);
      return acc;
    }, []);
    expect(runs).toEqual([
      ['p1', 64],
      ['p2', 64],
      ['p1', 64],
      ['p2', 6],
      ['p1', 22],
    ]);
  });

  it('launches nothing more once the ready and building nodes meet min-ready', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
    );
    await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'ready',
    });
    await w.db.nodes.create({ providerName: 'p1', labelName: 'small', targetName: 'fake-target' });
    const { result } = await pass(w);
    expect(result).toEqual({ launches: 0, subnodeLaunches: 0, nodes: 2 });
    expect(w.signals.gaugesChanged).toBe(0);
  });

  it('replaces held and deleting nodes, which are not supply but use max-servers', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 4 }],
    );
    await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'hold',
    });
    await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'delete',
    });
    const { result } = await pass(w);
    expect(result.launches).toBe(2);
    expect(await w.db.nodes.count({ state: 'building' })).toBe(2);
  });

  it('asks for min-ready only when all of it fits in the free servers (upstream rule)', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 3 }],
    );
    await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'hold',
    });
    await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'delete',
    });
    // Two wanted, one server free: min-ready is not asked for in part.
    expect((await pass(w)).result.launches).toBe(0);
    // Queued jobs are asked for whatever fits.
    expect((await pass(w, { demand: new Map([['small', 2]]) })).result.launches).toBe(1);
  });

  it('never launches beyond max-servers, counting subnodes as servers', async () => {
    const w = await setUp(
      [{ name: 'multi', minReady: 3, providers: ['p1'], subnodes: 1 }],
      [{ name: 'p1', maxServers: 4 }],
    );
    const parent = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
      state: 'ready',
    });
    await w.db.subnodes.create({ nodeId: parent.id, state: 'ready' });
    const { result } = await pass(w);
    // Two more wanted and two servers free, but a multi node takes two (itself and its subnode).
    expect(result.launches).toBe(1);
  });

  it('fills subnode deficits before launching any new node', async () => {
    const w = await setUp(
      [{ name: 'multi', minReady: 2, providers: ['p1'], subnodes: 2 }],
      [{ name: 'p1', maxServers: 20 }],
    );
    const parent = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'multi',
      targetName: 'fake-target',
      state: 'ready',
      az: 'az1',
    });
    await w.db.subnodes.create({ nodeId: parent.id, state: 'ready' });
    await w.db.subnodes.create({ nodeId: parent.id, state: 'delete' });
    const { result, started, subnodes } = await pass(w);
    expect(result).toMatchObject({ subnodeLaunches: 1, launches: 1 });
    // A deleting subnode does not count: one new subnode row, launched first.
    expect(started[0]).toMatch(new RegExp(`^subnode \\d+ of ${parent.id}$`));
    expect(started[1]).toMatch(/^node \d+ multi@p1$/);
    expect(subnodes[0]).toMatchObject({
      nodeId: parent.id,
      az: 'az1',
      label: { name: 'multi' },
      target: { name: 'fake-target' },
    });
    expect((await w.db.subnodes.listByNode(parent.id)).map((s) => s.state)).toEqual([
      stateCode('ready'),
      stateCode('delete'),
      stateCode('building'),
    ]);
  });

  it('launches a label only in providers that have a ready upload of its image', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1', 'p2'] }],
      [
        { name: 'p1', maxServers: 10 },
        { name: 'p2', maxServers: 10 },
      ],
    );
    w.uploads.remove('small-image', 'p1');
    const { launches } = await pass(w);
    expect(launches.map((l) => l.provider.name)).toEqual(['p2', 'p2']);
  });

  it('launches nothing when no provider has an upload of the image', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
      { uploads: false },
    );
    const { result } = await pass(w);
    expect(result.launches).toBe(0);
    expect(w.provider('p1').calls).toEqual([]);
  });

  it('gives no node to an offline target and spreads the rest over the online ones', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
      { targets: ['t-on', 't-off'] },
    );
    const jenkins: JenkinsHooks = { isTargetOnline: (t) => t.name !== 't-off' };
    const { launches } = await pass(w, { jenkins });
    expect(launches.map((l) => l.target.name)).toEqual(['t-on', 't-on']);
  });

  it('adds queued Gearman jobs to min-ready, and carries on without them when the demand cannot be read', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 1, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
    );
    const { result } = await pass(w, { demand: new Map([['small', 3]]) });
    expect(result.launches).toBe(4);
    const failing = await runPass(w.ctx, {
      history: new AllocationHistory(),
      jenkins: {},
      demandSource: () => Promise.reject(new Error('gearman down')),
      starter: { launch: () => {}, launchSubnode: () => {} },
      refreshed: new WeakMap(),
    });
    // Four building nodes already meet min-ready 1 with no demand.
    expect(failing.launches).toBe(0);
  });

  it('refreshes each launching provider once per interval, and launches even when the refresh fails', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 2, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
    );
    const p1 = w.provider('p1');
    p1.failNext(
      'refresh',
      new ProviderError('Cannot list flavors', {
        provider: 'p1',
        service: 'compute',
        status: 503,
        code: 'ERR_PROVIDER_SERVER',
      }),
    );
    const refreshed = new WeakMap<Provider, number>();
    const first = await pass(w, { refreshed });
    expect(first.result.launches).toBe(2);
    expect(p1.callsOf('refresh')).toHaveLength(1);
    await w.db.nodes.delete(first.launches[0]!.nodeId);
    await pass(w, { refreshed });
    // The second pass launches again, within the same interval: no second refresh.
    expect(p1.callsOf('refresh')).toHaveLength(1);
  });

  it('counts rows with a state code it does not know in the total but not as supply', async () => {
    const w = await setUp(
      [{ name: 'small', minReady: 1, providers: ['p1'] }],
      [{ name: 'p1', maxServers: 10 }],
    );
    const odd = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'ready',
    });
    w.db.nodeRows = w.db.nodeRows.map((n) => (n.id === odd.id ? { ...n, state: 9 } : n));
    const { result } = await pass(w);
    expect(result).toMatchObject({ nodes: 1, launches: 1 });
  });
});
