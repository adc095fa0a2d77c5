import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../../../src/launcher/allocation/allocation-history.js';
import {
  AllocationProvider,
  AllocationRequest,
} from '../../../../src/launcher/allocation/allocation.js';
import type { GrantTarget } from '../../../../src/launcher/allocation/allocation.js';
import { allocate } from '../../../../src/launcher/allocation/allocator.js';
import type { AllocatorLabel, LaunchOrder } from '../../../../src/launcher/allocation/allocator.js';

const T1 = 'target1';

/** One static vector docs/behaviour.md#allocation: links are [label, provider] pairs in link order. */
interface StaticCase {
  name: string;
  providers: Record<string, number>;
  demand: Record<string, number>;
  links: [string, string][];
  expected: number[];
}

const TWO_BY_TWO: [string, string][] = [
  ['label1', 'provider1'],
  ['label2', 'provider1'],
  ['label1', 'provider2'],
  ['label2', 'provider2'],
];
const ONE_SHARED: [string, string][] = [
  ['label1', 'provider1'],
  ['label2', 'provider1'],
  ['label2', 'provider2'],
];

function twoByTwo(name: string, p: [number, number], d: number, expected: number[]): StaticCase {
  return {
    name: `TwoProvidersTwoLabels ${name}`,
    providers: { provider1: p[0], provider2: p[1] },
    demand: { label1: d, label2: d },
    links: TWO_BY_TWO,
    expected,
  };
}

function oneShared(name: string, p: [number, number], d: number, expected: number[]): StaticCase {
  return {
    name: `TwoProvidersTwoLabelsOneShared ${name}`,
    providers: { provider1: p[0], provider2: p[1] },
    demand: { label1: d, label2: d },
    links: ONE_SHARED,
    expected,
  };
}

const STATIC_CASES: StaticCase[] = [
  {
    name: 'OneLabel one_node',
    providers: { provider1: 10 },
    demand: { label1: 1 },
    links: [['label1', 'provider1']],
    expected: [1],
  },
  {
    name: 'OneLabel two_nodes',
    providers: { provider1: 10 },
    demand: { label1: 2 },
    links: [['label1', 'provider1']],
    expected: [2],
  },
  {
    name: 'TwoLabels one_node',
    providers: { provider1: 10 },
    demand: { label1: 1, label2: 1 },
    links: [
      ['label1', 'provider1'],
      ['label2', 'provider1'],
    ],
    expected: [1, 1],
  },
  {
    name: 'TwoLabels two_nodes',
    providers: { provider1: 10 },
    demand: { label1: 2, label2: 2 },
    links: [
      ['label1', 'provider1'],
      ['label2', 'provider1'],
    ],
    expected: [2, 2],
  },
  twoByTwo('one_node', [10, 10], 1, [1, 1, 0, 0]),
  twoByTwo('two_nodes', [10, 10], 2, [1, 1, 1, 1]),
  twoByTwo('three_nodes', [10, 10], 3, [2, 2, 1, 1]),
  twoByTwo('four_nodes', [10, 10], 4, [2, 2, 2, 2]),
  twoByTwo('four_nodes_at_quota', [4, 4], 4, [2, 2, 2, 2]),
  twoByTwo('four_nodes_over_quota', [2, 2], 4, [1, 1, 1, 1]),
  twoByTwo('negative_provider', [-5, 20], 5, [0, 0, 5, 5]),
  oneShared('one_node', [10, 10], 1, [1, 1, 0]),
  oneShared('two_nodes', [10, 10], 2, [2, 1, 1]),
  oneShared('three_nodes', [10, 10], 3, [3, 2, 1]),
  oneShared('four_nodes', [10, 10], 4, [4, 2, 2]),
  oneShared('four_nodes_at_quota', [4, 4], 4, [4, 0, 4]),
  oneShared('four_nodes_over_quota', [2, 2], 4, [2, 0, 2]),
  // Round-half-up decides these (banker's rounding gives the reverse).
  {
    name: 'half a node goes to the first label (round(0.5) = 1)',
    providers: { provider1: 1 },
    demand: { label1: 1, label2: 1 },
    links: [
      ['label1', 'provider1'],
      ['label2', 'provider1'],
    ],
    expected: [1, 0],
  },
  {
    name: 'two and a half nodes round up for the first label (round(2.5) = 3)',
    providers: { provider1: 5 },
    demand: { label1: 3, label2: 3 },
    links: [
      ['label1', 'provider1'],
      ['label2', 'provider1'],
    ],
    expected: [3, 2],
  },
  {
    name: 'two and a half nodes round up on the first provider (round(2.5) = 3)',
    providers: { provider1: 10, provider2: 10 },
    demand: { label1: 5 },
    links: [
      ['label1', 'provider1'],
      ['label1', 'provider2'],
    ],
    expected: [3, 2],
  },
];

/** Builds the vector with the object model, in its exact link order (as upstream's test). */
function runModel(c: StaticCase, history = new AllocationHistory()): number[] {
  const providers = new Map(
    Object.entries(c.providers).map(([n, a]) => [n, new AllocationProvider(n, a)]),
  );
  const requests = new Map<string, AllocationRequest>();
  for (const [label, amount] of Object.entries(c.demand)) {
    const request = new AllocationRequest(label, amount, history);
    request.addTarget(T1, 0);
    requests.set(label, request);
  }
  const agts: GrantTarget[] = c.links.map(([l, p]) =>
    requests.get(l)!.addProvider(providers.get(p)!, T1, 0),
  );
  for (const provider of providers.values()) provider.makeGrants();
  return agts.map((agt) => agt.amount);
}

/** Builds the vector through allocate(): labels in first-link order, providers in link order. */
function labelsFromLinks(links: [string, string][], demand: Record<string, number>) {
  const byLabel = new Map<string, string[]>();
  for (const [l, p] of links) byLabel.set(l, [...(byLabel.get(l) ?? []), p]);
  return [...byLabel].map(([name, providers]): AllocatorLabel => ({
    name,
    demand: demand[name]!,
    subnodes: 0,
    providers,
  }));
}

function countFor(orders: LaunchOrder[], label: string, provider: string, target = T1): number {
  return orders
    .filter((o) => o.label === label && o.provider === provider && o.target === target)
    .reduce((sum, o) => sum + o.count, 0);
}

function runAllocate(c: StaticCase): number[] {
  const orders = allocate(
    {
      providers: Object.entries(c.providers).map(([name, available]) => ({ name, available })),
      labels: labelsFromLinks(c.links, c.demand),
      targets: [{ name: T1, current: new Map() }],
    },
    new AllocationHistory(),
  );
  return c.links.map(([l, p]) => countFor(orders, l, p));
}

describe('allocation model (docs/behaviour.md#allocation static vectors)', () => {
  it.each(STATIC_CASES)('grants $expected for $name', (c) => {
    expect(runModel(c)).toEqual(c.expected);
  });
});

describe('allocate (docs/behaviour.md#allocation static vectors)', () => {
  it.each(STATIC_CASES)('grants $expected for $name', (c) => {
    expect(runAllocate(c)).toEqual(c.expected);
  });
});

/** One round-robin vector docs/behaviour.md#allocation: 11 passes over one shared history. */
interface RoundRobinCase {
  name: string;
  available: [number, number];
  demand: (label: string) => number;
  /** Providers of each label; also the link order (labels in this order). */
  links: [string, string[]][];
  expected: string[];
}

const LABELS = ['label1', 'label2', 'label3', 'label4', 'label5', 'label6', 'label7', 'label8'];
const BOTH = ['provider1', 'provider2'];
const EVERY_LABEL_BOTH: [string, string[]][] = LABELS.map((l) => [l, BOTH]);
// label1 only on provider1 and label8 only on provider2, linked first; then label2..label7.
const FIXED: [string, string[]][] = [
  ['label1', ['provider1']],
  ['label8', ['provider2']],
  ...LABELS.slice(1, 7).map((l): [string, string[]] => [l, BOTH]),
];

function pairs(...rounds: [number, number][]): string[] {
  return rounds.flatMap(([a, b]) => [`label${a}`, `label${b}`]);
}

const ROUND_ROBIN_CASES: RoundRobinCase[] = [
  {
    name: 'one_to_one',
    available: [1, 0],
    demand: () => 1,
    links: EVERY_LABEL_BOTH,
    expected: [7, 1, 2, 3, 4, 5, 6, 8, 7, 1, 2].map((n) => `label${n}`),
  },
  {
    name: 'at_quota',
    available: [4, 4],
    demand: () => 1,
    links: EVERY_LABEL_BOTH,
    expected: Array.from({ length: 11 }, () =>
      [1, 3, 5, 7, 2, 4, 6, 8].map((n) => `label${n}`),
    ).flat(),
  },
  {
    name: 'big_fish_little_pond',
    available: [1, 1],
    demand: (l) => (l === 'label1' ? 100 : 1),
    links: EVERY_LABEL_BOTH,
    expected: pairs(
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [1, 5],
      [1, 6],
      [1, 7],
      [1, 8],
      [1, 2],
      [1, 3],
      [1, 4],
    ),
  },
  {
    name: 'fixed_even',
    available: [1, 1],
    demand: () => 1,
    links: FIXED,
    expected: pairs(
      [1, 6],
      [1, 8],
      [1, 2],
      [1, 3],
      [1, 4],
      [1, 5],
      [1, 7],
      [1, 6],
      [1, 8],
      [1, 2],
      [1, 3],
    ),
  },
  {
    name: 'over_subscribed',
    available: [1, 1],
    demand: () => 20,
    links: FIXED,
    expected: pairs(
      [1, 6],
      [2, 8],
      [3, 3],
      [4, 4],
      [5, 5],
      [7, 7],
      [1, 6],
      [2, 8],
      [3, 3],
      [4, 4],
      [5, 5],
    ),
  },
  {
    name: 'even',
    available: [4, 4],
    demand: () => 1,
    links: FIXED,
    expected: Array.from({ length: 11 }, () =>
      [1, 2, 4, 6, 8, 3, 5, 7].map((n) => `label${n}`),
    ).flat(),
  },
];

/** Upstream's test loop: requests label1..label8 first, then targets and links, p1 then p2. */
function roundRobinModel(c: RoundRobinCase): string[] {
  const history = new AllocationHistory();
  const sequence: string[] = [];
  for (let pass = 0; pass < 11; pass += 1) {
    const p1 = new AllocationProvider('provider1', c.available[0]);
    const p2 = new AllocationProvider('provider2', c.available[1]);
    const byName = new Map([
      ['provider1', p1],
      ['provider2', p2],
    ]);
    const requests = new Map(
      LABELS.map((l) => [l, new AllocationRequest(l, c.demand(l), history)]),
    );
    for (const [label, providers] of c.links) {
      const request = requests.get(label)!;
      request.addTarget(T1, 0);
      for (const p of providers) request.addProvider(byName.get(p)!, T1, 0);
    }
    for (const provider of [p1, p2]) {
      provider.makeGrants();
      sequence.push(...provider.grants.map((g) => g.request.name));
    }
    history.closeRound();
  }
  return sequence;
}

function roundRobinAllocate(c: RoundRobinCase): string[] {
  const history = new AllocationHistory();
  const sequence: string[] = [];
  for (let pass = 0; pass < 11; pass += 1) {
    const orders = allocate(
      {
        providers: [
          { name: 'provider1', available: c.available[0] },
          { name: 'provider2', available: c.available[1] },
        ],
        labels: c.links.map(([name, providers]) => ({
          name,
          demand: c.demand(name),
          subnodes: 0,
          providers,
        })),
        targets: [{ name: T1, current: new Map() }],
      },
      history,
    );
    sequence.push(...orders.map((o) => o.label));
  }
  return sequence;
}

describe('allocation model (docs/behaviour.md#allocation round-robin vectors)', () => {
  it.each(ROUND_ROBIN_CASES)('cycles through the labels for $name', (c) => {
    expect(roundRobinModel(c)).toEqual(c.expected);
  });
});

describe('allocate (docs/behaviour.md#allocation round-robin vectors)', () => {
  it.each(ROUND_ROBIN_CASES)('cycles through the labels for $name', (c) => {
    expect(roundRobinAllocate(c)).toEqual(c.expected);
  });
});
