/**
 * The cluster of one: it adopts each provider it is given before owning it, releases the
 * ones taken away, and retries a failed adoption at the next setProviders.
 */
import { describe, expect, it } from 'vitest';
import { soloCluster } from '../../../src/cluster/index.js';
import type { ClusterHooks } from '../../../src/cluster/index.js';

function recorder(failAdopt: Set<string> = new Set()): {
  hooks: ClusterHooks;
  calls: string[];
  settle(): Promise<void>;
} {
  const calls: string[] = [];
  let changed: () => void = () => {};
  const hooks: ClusterHooks = {
    adopt: (p) => {
      calls.push(`adopt ${p}`);
      return failAdopt.has(p) ? Promise.reject(new Error('db down')) : Promise.resolve();
    },
    release: (p) => {
      calls.push(`release ${p}`);
      return Promise.resolve();
    },
    changed: () => changed(),
    fenced: () => {},
  };
  return {
    hooks,
    calls,
    settle: () => new Promise<void>((resolve) => (changed = resolve)),
  };
}

describe('soloCluster', () => {
  it('owns a provider only once adopted, and releases the ones taken away', async () => {
    const c = soloCluster({ name: 'solo' });
    const r = recorder();
    await c.start(r.hooks);
    expect(c.isLeader()).toBe(true);
    const settled = r.settle();
    c.setProviders(['p1', 'p2']);
    expect(c.owns('p1')).toBe(false);
    await settled;
    expect(c.ownedProviders()).toEqual(['p1', 'p2']);
    const again = r.settle();
    c.setProviders(['p2']);
    await again;
    expect(c.ownedProviders()).toEqual(['p2']);
    expect((await c.list())[0]).toMatchObject({ name: 'solo', leader: true, providers: ['p2'] });
    await c.stop();
    expect(r.calls).toEqual(['adopt p1', 'adopt p2', 'release p1', 'release p2']);
  });

  it('retries a rejected adoption at the next setProviders', async () => {
    const failing = new Set(['p1']);
    const c = soloCluster();
    const r = recorder(failing);
    await c.start(r.hooks);
    const first = r.settle();
    c.setProviders(['p1']);
    await first;
    expect(c.owns('p1')).toBe(false);
    failing.clear();
    const second = r.settle();
    c.setProviders(['p1']);
    await second;
    expect(c.owns('p1')).toBe(true);
    await c.stop();
  });
});
