import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../../../src/launcher/allocation/allocation-history.js';
import {
  AllocationProvider,
  AllocationRequest,
  roundHalfAwayFromZero,
} from '../../../../src/launcher/allocation/allocation.js';
import { allocate } from '../../../../src/launcher/allocation/allocator.js';
import type {
  AllocationInput,
  AllocatorLabel,
} from '../../../../src/launcher/allocation/allocator.js';

function label(name: string, demand: number, providers: string[], subnodes = 0): AllocatorLabel {
  return { name, demand, subnodes, providers };
}

function targets(...currents: Record<string, number>[]): AllocationInput['targets'] {
  return currents.map((c, i) => ({ name: `t${i + 1}`, current: new Map(Object.entries(c)) }));
}

describe('roundHalfAwayFromZero', () => {
  it.each([
    [0.5, 1],
    [1.5, 2],
    [2.5, 3],
    [0.49999999999999994, 0],
    [2.4999999999999996, 2],
    [3, 3],
    [-0.4, 0],
    [-2.5, -3],
    [-1.2, -1],
  ])('rounds %d to %d like Python 2', (x, expected) => {
    expect(roundHalfAwayFromZero(x)).toBe(expected);
  });
});

describe('allocate: distribution over targets (docs/behaviour.md#allocation)', () => {
  it.each([
    { demand: 5, current: [3, 0], expected: [1, 4] },
    { demand: 3, current: [0, 0], expected: [2, 1] },
    { demand: 1, current: [0, 0], expected: [1, 0] },
    { demand: 5, current: [0, 0], expected: [3, 2] },
    { demand: 4, current: [0, 0, 0], expected: [1, 2, 1] },
  ])('spreads $demand nodes over targets holding $current as $expected', (c) => {
    const orders = allocate(
      {
        providers: [{ name: 'p1', available: 20 }],
        labels: [label('l1', c.demand, ['p1'])],
        targets: targets(...c.current.map((n) => ({ l1: n }))),
      },
      new AllocationHistory(),
    );
    const got = c.current.map((_, i) =>
      orders.filter((o) => o.target === `t${i + 1}`).reduce((s, o) => s + o.count, 0),
    );
    expect(got).toEqual(c.expected);
  });

  it('counts earlier grants of the pass when a later provider distributes', () => {
    const orders = allocate(
      {
        providers: [
          { name: 'p1', available: 10 },
          { name: 'p2', available: 10 },
        ],
        labels: [label('l1', 2, ['p1', 'p2'])],
        targets: targets({}, {}),
      },
      new AllocationHistory(),
    );
    expect(orders).toEqual([
      { target: 't1', label: 'l1', provider: 'p1', count: 1 },
      { target: 't2', label: 'l1', provider: 'p2', count: 1 },
    ]);
  });
});

describe('allocate: subnodes and capacity (docs/behaviour.md#allocation)', () => {
  const input: AllocationInput = {
    providers: [{ name: 'p1', available: 4 }],
    labels: [label('multi', 2, ['p1'], 2)],
    targets: targets({}),
  };

  it('caps a grant to what fits when each node brings two subnodes', () => {
    const orders = allocate(input, new AllocationHistory());
    expect(orders).toEqual([{ target: 't1', label: 'multi', provider: 'p1', count: 1 }]);
  });

  it('over-commits like upstream when capping is turned off', () => {
    const orders = allocate(input, new AllocationHistory(), { capSubnodeGrants: false });
    expect(orders).toEqual([{ target: 't1', label: 'multi', provider: 'p1', count: 2 }]);
    const provider = new AllocationProvider('p1', 4);
    const request = new AllocationRequest('multi', 2);
    request.addTarget('t1', 0);
    request.addProvider(provider, 't1', 2);
    provider.makeGrants({ capSubnodeGrants: false });
    expect(provider.available).toBe(-2);
  });

  it('treats a negative available count as 0', () => {
    expect(new AllocationProvider('p1', -3).available).toBe(0);
  });

  it('grants nothing from providers the input does not list', () => {
    const orders = allocate(
      { providers: [], labels: [label('l1', 2, ['gone'])], targets: targets({}) },
      new AllocationHistory(),
    );
    expect(orders).toEqual([]);
  });
});

describe('allocate: starvation guard (docs/behaviour.md#allocation)', () => {
  const shared: AllocationInput = {
    providers: [
      { name: 'p1', available: 10 },
      { name: 'p2', available: 10 },
    ],
    labels: [label('l1', 3, ['p1', 'p2'])],
    targets: targets({}),
  };

  it('rounds the share of a label that did not wait', () => {
    const orders = allocate(shared, new AllocationHistory());
    expect(orders.map((o) => [o.provider, o.count])).toEqual([
      ['p1', 2],
      ['p2', 1],
    ]);
  });

  it('truncates the share of a label that waited', () => {
    const history = new AllocationHistory();
    history.recordRequest('l1', 3);
    history.closeRound();
    const orders = allocate(shared, history);
    expect(orders.map((o) => [o.provider, o.count])).toEqual([
      ['p1', 1],
      ['p2', 2],
    ]);
  });

  it('serves the longest waiter first when one node is left', () => {
    const input: AllocationInput = {
      providers: [{ name: 'p1', available: 1 }],
      labels: [label('l1', 1, ['p1']), label('l2', 1, ['p1'])],
      targets: targets({}),
    };
    expect(allocate(input, new AllocationHistory()).map((o) => o.label)).toEqual(['l1']);
    const history = new AllocationHistory();
    history.recordRequest('l1', 1);
    history.recordRequest('l2', 1);
    history.closeRound();
    history.recordRequest('l2', 1);
    history.closeRound();
    expect(allocate(input, history).map((o) => o.label)).toEqual(['l2']);
  });

  it('records every label, even with demand 0, and closes the round', () => {
    const history = new AllocationHistory();
    allocate(
      {
        providers: [{ name: 'p1', available: 0 }],
        labels: [label('l1', 0, ['p1'])],
        targets: targets({}),
      },
      history,
    );
    expect(history.rounds()).toHaveLength(1);
    expect(history.rounds()[0]!.get('l1')).toEqual({ requested: 0, allocated: 0 });
    expect(history.waitTime('l1')).toBe(1);
  });

  it('allocates nothing and breaks every wait when no target is online', () => {
    const history = new AllocationHistory();
    history.recordRequest('l1', 3);
    history.closeRound();
    expect(allocate({ ...shared, targets: [] }, history)).toEqual([]);
    expect(history.waitTime('l1')).toBe(0);
  });
});

describe('allocate: input checks', () => {
  it('rejects a label listed twice', () => {
    const input: AllocationInput = {
      providers: [],
      labels: [label('l1', 1, []), label('l1', 1, [])],
      targets: targets({}),
    };
    expect(() => allocate(input, new AllocationHistory())).toThrow(RangeError);
    expect(() => allocate(input, new AllocationHistory())).toThrow(
      'Cannot allocate: label "l1" is listed twice',
    );
  });

  it('rejects a link to a target the request does not have', () => {
    const request = new AllocationRequest('l1', 1);
    expect(() => request.addProvider(new AllocationProvider('p1', 1), 't9', 0)).toThrow(
      'Cannot link label "l1" to provider "p1" for target "t9": the target was not added to the request',
    );
  });
});
