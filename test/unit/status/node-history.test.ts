import { describe, expect, it } from 'vitest';
import {
  ActivityCounters,
  NodeHistory,
  emptyStateCounts,
  summariseLabels,
} from '../../../src/status/index.js';
import type { NodeRecord } from '../../../src/db/index.js';

function node(id: number, label: string, provider: string, state: number | null): NodeRecord {
  return {
    id,
    providerName: provider,
    labelName: label,
    targetName: 't',
    managerName: null,
    hostname: null,
    nodename: null,
    externalId: null,
    az: null,
    ip: null,
    ipPrivate: null,
    state,
    stateTime: 0,
    comment: null,
  };
}

describe('NodeHistory', () => {
  it('keeps the newest samples up to its capacity, oldest first', () => {
    const h = new NodeHistory({ capacity: 3, minSpacingMs: 0 });
    for (let i = 0; i < 5; i++) h.record({ ...emptyStateCounts(), ready: i }, i * 1000);
    expect(h.samples().map((s) => [s.time, s.counts.ready, s.total])).toEqual([
      [2000, 2, 2],
      [3000, 3, 3],
      [4000, 4, 4],
    ]);
  });

  it('folds samples closer than minSpacingMs into the previous point', () => {
    const h = new NodeHistory({ minSpacingMs: 5000 });
    h.recordNodes([node(1, 'l', 'p', 2)], 10_000);
    h.recordNodes([node(1, 'l', 'p', 2), node(2, 'l', 'p', 1)], 12_000);
    h.recordNodes([node(1, 'l', 'p', 3)], 15_000);
    expect(h.samples().map((s) => [s.time, s.total, s.counts.building])).toEqual([
      [10_000, 2, 1],
      [15_000, 1, 0],
    ]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new NodeHistory({ capacity: 0 })).toThrow(
      'Cannot create a node history: capacity must be a positive integer: current value is 0',
    );
  });
});

describe('summariseLabels', () => {
  it('counts per configured label, computes the deficit and keeps unconfigured labels last', () => {
    const labels = [
      { name: 'b', image: 'i', minReady: 3, subnodes: 0, providers: ['p'] },
      { name: 'a', image: 'i', minReady: -1, subnodes: 0, providers: ['p'] },
    ];
    const rows = summariseLabels(labels, [
      node(1, 'b', 'p', 2),
      node(2, 'b', 'p', 1),
      node(3, 'b', 'p', 4),
      node(4, 'gone', 'q', 5),
      node(5, 'b', 'p', 99),
    ]);
    expect(
      rows.map((r) => [r.label, r.minReady, r.counts.ready, r.counts.building, r.total, r.deficit]),
    ).toEqual([
      ['b', 3, 1, 1, 4, 1],
      ['a', -1, 0, 0, 0, 0],
      ['gone', null, 0, 0, 1, 0],
    ]);
    expect(rows[2]!.providers).toEqual(['q']);
  });
});

describe('ActivityCounters', () => {
  it('adds up launches and deletes per label set', () => {
    const c = new ActivityCounters();
    c.countLaunch({ provider: 'p', label: 'l', result: 'ready' });
    c.countLaunch({ provider: 'p', label: 'l', result: 'ready' });
    c.countLaunch({ provider: 'p', label: 'l', result: 'error.ssh' });
    c.countDelete({ provider: 'p', label: 'l' });
    expect(c.launchEntries()).toEqual([
      { labels: { provider: 'p', label: 'l', result: 'ready' }, value: 2 },
      { labels: { provider: 'p', label: 'l', result: 'error.ssh' }, value: 1 },
    ]);
    expect(c.deleteEntries()).toEqual([{ labels: { provider: 'p', label: 'l' }, value: 1 }]);
  });
});
