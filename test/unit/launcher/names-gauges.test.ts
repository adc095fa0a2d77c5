import { describe, expect, it } from 'vitest';
import { computeGauges, formatTemplate, nodenameOf } from '../../../src/launcher/index.js';
import { scopeGauges } from '../../../src/launcher/gauges.js';

describe('formatTemplate', () => {
  const label = { name: 'fake-label', minReady: 1 };
  const provider = { name: 'fake-provider', regionName: 'region1' };

  it('formats the default templates like Python str.format', () => {
    expect(
      formatTemplate('{label.name}-{provider.name}-{node_id}', { label, provider, node_id: 7 }),
    ).toBe('fake-label-fake-provider-7');
    expect(
      formatTemplate('{label.name}-{provider.name}-{node_id}-{subnode_id}', {
        label,
        provider,
        node_id: 7,
        subnode_id: 3,
      }),
    ).toBe('fake-label-fake-provider-7-3');
  });

  it('reads snake_case attributes from the camelCase config and keeps doubled braces', () => {
    expect(
      formatTemplate('{provider.region_name}.{timestamp}{{x}}', { provider, timestamp: '12' }),
    ).toBe('region1.12{x}');
  });

  it('names the unknown field when a template is wrong', () => {
    expect(() => formatTemplate('{lable.name}', { label })).toThrow(/unknown field "lable"/);
    expect(() => formatTemplate('{label.nme}', { label })).toThrow(/unknown attribute "nme"/);
  });

  it('cuts the node name at the first dot', () => {
    expect(nodenameOf('a-b-1.example.org')).toBe('a-b-1');
  });
});

describe('computeGauges', () => {
  const config = {
    labels: [{ name: 'l1', subnodes: 2 }],
    targets: [{ name: 't1' }],
    providers: [{ name: 'p1', maxServers: -1 }],
  } as never;

  it('zero-fills configured keys and counts each node as 1 + its label subnodes', () => {
    const g = computeGauges(config, [
      { state: 2, labelName: 'l1', targetName: 't1', providerName: 'p1', managerName: null },
    ]);
    expect(g.get('nodepool.nodes.ready')).toBe(3);
    expect(g.get('nodepool.nodes.used')).toBe(0);
    expect(g.get('nodepool.target.t1.nodes.ready')).toBe(3);
    expect(g.get('nodepool.label.l1.nodes.hold')).toBe(0);
    expect(g.get('nodepool.provider.p1.max_servers')).toBe(-1);
  });

  it('counts nodes of labels, targets and providers no longer configured instead of failing', () => {
    const g = computeGauges(config, [
      { state: 3, labelName: 'gone', targetName: 'old', providerName: 'px', managerName: 'm1' },
    ]);
    expect(g.get('nodepool.nodes.used')).toBe(1);
    expect(g.get('nodepool.label.gone.nodes.used')).toBe(1);
    expect(g.get('nodepool.manager.m1.nodes.used')).toBe(1);
    expect(g.get('nodepool.manager.m1.nodes.ready')).toBe(0);
    expect(g.has('nodepool.target.old.nodes.used')).toBe(false);
  });

  it('counts a group of nodes as many times as its count', () => {
    const node = {
      state: 2,
      labelName: 'l1',
      targetName: 't1',
      providerName: 'p1',
      managerName: null,
    };
    const used = { ...node, state: 3, managerName: 'm1' };
    expect(
      computeGauges(config, [
        { ...node, count: 3 },
        { ...used, count: 2 },
      ]),
    ).toEqual(computeGauges(config, [node, node, node, used, used]));
  });
});

describe('scopeGauges (several launchers)', () => {
  const config = {
    labels: [{ name: 'l1', subnodes: 0 }],
    targets: [{ name: 't1' }],
    providers: [
      { name: 'p1', maxServers: 4 },
      { name: 'p2', maxServers: 4 },
    ],
  } as never;
  const nodes = [
    { state: 2, labelName: 'l1', targetName: 't1', providerName: 'p1', managerName: null },
    { state: 2, labelName: 'l1', targetName: 't1', providerName: 'gone', managerName: null },
  ];
  const all = computeGauges(config, nodes);
  const keys = (scope: { isLeader: boolean; owned: string[] }): string[] =>
    [
      ...scopeGauges(all, config, nodes, {
        isLeader: () => scope.isLeader,
        owns: (p) => scope.owned.includes(p),
      }).keys(),
    ].sort();

  it('sends provider gauges from their owner and the others from the leader only', () => {
    const leader = keys({ isLeader: true, owned: ['p2'] });
    const owner = keys({ isLeader: false, owned: ['p1'] });
    expect(owner.every((k) => k.startsWith('nodepool.provider.p1.'))).toBe(true);
    expect(owner).toContain('nodepool.provider.p1.max_servers');
    expect(leader).toContain('nodepool.nodes.ready');
    expect(leader).toContain('nodepool.provider.p2.nodes.ready');
    // A provider nobody owns any more (not configured): the leader's.
    expect(leader).toContain('nodepool.provider.gone.nodes.ready');
    expect(leader.some((k) => k.startsWith('nodepool.provider.p1.'))).toBe(false);
    // Together they send every gauge exactly once.
    expect([...leader, ...owner].sort()).toEqual([...all.keys()].sort());
  });
});
