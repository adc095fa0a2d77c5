import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../../../src/launcher/allocation/allocation-history.js';
import {
  computeDemand,
  countNodes,
  subnodeDeficits,
} from '../../../../src/launcher/allocation/demand.js';
import type {
  DemandConfig,
  NodeCount,
  NodeStateName,
} from '../../../../src/launcher/allocation/demand.js';
import { planLaunches } from '../../../../src/launcher/allocation/launch-plan.js';
import type { LaunchPlanConfig } from '../../../../src/launcher/allocation/launch-plan.js';

function config(
  providers: [string, number][],
  labels: { name: string; minReady: number; providers: string[]; subnodes?: number }[],
  targetNames = ['t1'],
): LaunchPlanConfig {
  return {
    providers: providers.map(([name, maxServers]) => ({ name, maxServers })),
    labels: labels.map((l) => ({
      name: l.name,
      image: `${l.name}-image`,
      minReady: l.minReady,
      subnodes: l.subnodes ?? 0,
      providers: l.providers.map((name) => ({ name })),
    })),
    targets: targetNames.map((name) => ({ name })),
  };
}

function count(
  provider: string,
  label: string,
  state: NodeStateName,
  nodes: number,
  extra: { target?: string; subnodes?: number } = {},
): NodeCount {
  return {
    provider,
    label,
    target: extra.target ?? 't1',
    state,
    nodes,
    subnodes: extra.subnodes ?? 0,
  };
}

function demandOf(cfg: DemandConfig, counts: NodeCount[], gearman: Record<string, number> = {}) {
  return computeDemand(cfg, { counts, gearmanDemand: new Map(Object.entries(gearman)) });
}

describe('computeDemand', () => {
  it('asks for the min-ready top-up of docs/behaviour.md#demand worked example', () => {
    const cfg = config(
      [
        ['P1', 10],
        ['P2', 5],
      ],
      [
        { name: 'L', minReady: 2, providers: ['P1', 'P2'] },
        { name: 'M', minReady: 0, providers: ['P2'] },
      ],
    );
    const result = demandOf(
      cfg,
      [
        count('P1', 'L', 'ready', 1),
        count('P1', 'L', 'building', 1),
        count('P1', 'L', 'used', 1),
        count('P2', 'L', 'used', 1),
        count('P2', 'M', 'ready', 4),
      ],
      { L: 4 },
    );
    expect(result.labels[0]).toEqual({
      name: 'L',
      gearman: 4,
      minReady: 2,
      supply: 4,
      capacity: 7,
      actual: 0,
      extra: 2,
      demand: 2,
      isDisabled: false,
    });
    expect(result.providers.map((p) => [p.name, p.used, p.available])).toEqual([
      ['P1', 3, 7],
      ['P2', 5, 0],
    ]);
  });

  it('asks only for the Gearman backlog when the min-ready shortfall does not fit', () => {
    const cfg = config([['p1', 1]], [{ name: 'l', minReady: 2, providers: ['p1'] }]);
    expect(demandOf(cfg, []).labels[0]!.demand).toBe(0);
    expect(demandOf(cfg, [], { l: 3 }).labels[0]!.demand).toBe(3);
  });

  it('counts test nodes as supply but not held or deleting ones', () => {
    const cfg = config([['p1', 20]], [{ name: 'l', minReady: 5, providers: ['p1'] }]);
    const result = demandOf(cfg, [
      count('p1', 'l', 'test', 1),
      count('p1', 'l', 'hold', 2),
      count('p1', 'l', 'delete', 3),
    ]);
    expect(result.labels[0]).toMatchObject({ supply: 1, demand: 4, capacity: 14 });
    expect(result.targets).toEqual([{ name: 't1', current: new Map([['l', 6]]) }]);
  });

  it('ignores nodes of offline targets as supply but counts them against capacity', () => {
    const cfg = config([['p1', 10]], [{ name: 'l', minReady: 2, providers: ['p1'] }], ['t1', 't2']);
    const result = computeDemand(cfg, {
      counts: [count('p1', 'l', 'ready', 2, { target: 't2' })],
      onlineTargets: new Set(['t1']),
    });
    expect(result.labels[0]).toMatchObject({ supply: 0, capacity: 8, demand: 2 });
    expect(result.targets.map((t) => t.name)).toEqual(['t1']);
  });

  it('leaves a label with min-ready 0 idle unless Zuul queues jobs for it', () => {
    const cfg = config([['p1', 10]], [{ name: 'l', minReady: 0, providers: ['p1'] }]);
    expect(demandOf(cfg, []).labels[0]!.demand).toBe(0);
    expect(demandOf(cfg, [], { l: 2 }).labels[0]!.demand).toBe(2);
  });

  it('asks for nothing for a disabled label (min-ready -1), whatever is queued', () => {
    const cfg = config([['p1', 10]], [{ name: 'l', minReady: -1, providers: ['p1'] }]);
    expect(demandOf(cfg, [], { l: 5 }).labels[0]).toMatchObject({ demand: 0, isDisabled: true });
  });

  it('ignores Gearman demand for labels that are not configured', () => {
    const cfg = config([['p1', 10]], [{ name: 'l', minReady: 0, providers: ['p1'] }]);
    expect(demandOf(cfg, [], { other: 5 }).labels.map((l) => l.demand)).toEqual([0]);
  });

  it('counts each node with its subnodes against max-servers', () => {
    const cfg = config([['p1', 10]], [{ name: 'l', minReady: 1, providers: ['p1'], subnodes: 2 }]);
    const result = demandOf(cfg, [count('p1', 'l', 'ready', 2, { subnodes: 3 })]);
    expect(result.providers[0]).toMatchObject({ used: 5, available: 5, isOverAllocated: false });
  });

  it('gives a draining provider (max-servers -1) no capacity and no warning', () => {
    const cfg = config([['old', -1]], [{ name: 'l', minReady: 2, providers: ['old'] }]);
    const result = demandOf(cfg, [count('old', 'l', 'used', 3)]);
    expect(result.providers[0]).toMatchObject({
      available: 0,
      isDraining: true,
      isOverAllocated: false,
    });
    expect(result.labels[0]).toMatchObject({ capacity: 0, demand: 0 });
  });

  it('flags a provider holding more servers than max-servers', () => {
    const cfg = config([['p1', 2]], []);
    const result = demandOf(cfg, [count('p1', 'gone-label', 'ready', 3)]);
    expect(result.providers[0]).toMatchObject({ used: 3, available: 0, isOverAllocated: true });
  });
});

describe('countNodes', () => {
  it('groups node rows by provider, label, target and state', () => {
    const row = { provider: 'p1', label: 'l', target: 't1', state: 'ready' as const, subnodes: 1 };
    expect(countNodes([row, row, { ...row, state: 'used', subnodes: 0 }])).toEqual([
      { provider: 'p1', label: 'l', target: 't1', state: 'ready', nodes: 2, subnodes: 2 },
      { provider: 'p1', label: 'l', target: 't1', state: 'used', nodes: 1, subnodes: 0 },
    ]);
  });
});

describe('subnodeDeficits', () => {
  it('lists the missing subnodes of live nodes of configured labels', () => {
    const cfg = config([], [{ name: 'multi', minReady: 1, providers: [], subnodes: 2 }]);
    const deficits = subnodeDeficits(cfg, [
      { nodeId: 1, label: 'multi', state: 'ready', activeSubnodes: 1 },
      { nodeId: 2, label: 'multi', state: 'building', activeSubnodes: 2 },
      { nodeId: 3, label: 'multi', state: 'delete', activeSubnodes: 0 },
      { nodeId: 4, label: 'removed', state: 'ready', activeSubnodes: 0 },
      { nodeId: 5, label: 'multi', state: 'hold', activeSubnodes: 0 },
    ]);
    expect(deficits).toEqual([
      { nodeId: 1, label: 'multi', count: 1 },
      { nodeId: 5, label: 'multi', count: 2 },
    ]);
  });
});

describe('planLaunches', () => {
  it('fills min-ready over two targets from the providers that have the image', () => {
    const cfg = config(
      [
        ['p1', 3],
        ['p2', 10],
      ],
      [
        { name: 'a', minReady: 4, providers: ['p1', 'p2'] },
        { name: 'b', minReady: 1, providers: ['p2'] },
      ],
      ['t1', 't2'],
    );
    const plan = planLaunches(
      cfg,
      { counts: [count('p1', 'a', 'ready', 1)] },
      {
        history: new AllocationHistory(),
        hasImage: (image, provider) => !(image === 'a-image' && provider === 'p2'),
      },
    );
    expect(plan.demand.labels.map((l) => [l.name, l.capacity, l.demand])).toEqual([
      ['a', 12, 3],
      ['b', 10, 1],
    ]);
    // p1 has room for 2 of a's 3; spread so both targets end with 2 nodes of a.
    expect(plan.orders).toEqual([
      { target: 't1', label: 'a', provider: 'p1', count: 1 },
      { target: 't2', label: 'a', provider: 'p1', count: 1 },
      { target: 't1', label: 'b', provider: 'p2', count: 1 },
    ]);
  });
});
