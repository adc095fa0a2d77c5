/**
 * The in-memory database the launcher unit tests run on keeps the SQL repositories' rules
 * (the same cases as the SQL conformance suite, `test/conformance/sql/repos.ts`), so a unit
 * test cannot pass on behaviour the real tables do not have.
 */
import { describe, expect, it } from 'vitest';
import type { NewNode } from '../../../src/db/index.js';
import { MemoryDatabase } from '../../support/memory/memory-db.js';

const T0 = 1_484_159_265;

function node(provider: string, label: string, extra: Partial<NewNode> = {}): NewNode {
  return { providerName: provider, labelName: label, targetName: 'fake-target', ...extra };
}

async function seed(db: MemoryDatabase): Promise<number[]> {
  const ids: number[] = [];
  for (const [p, l, state] of [
    ['p2', 'l1', 'ready'],
    ['p1', 'l2', 'building'],
    ['p1', 'l1', 'used'],
    ['p2', 'l1', 'hold'],
  ] as const) {
    ids.push((await db.nodes.create(node(p, l, { state }))).id);
  }
  return ids;
}

describe('MemoryDatabase', () => {
  it('creates building nodes stamped with the clock, NULLs elsewhere, and restamps on every state change', async () => {
    const db = new MemoryDatabase({ now: T0 });
    const n = await db.nodes.create(node('p', 'l', { hostname: 'h', comment: 'keep' }));
    expect(n).toMatchObject({ state: 1, stateTime: T0, ip: null, az: null, hostname: 'h' });
    db.clock.now += 30;
    await db.nodes.update(n.id, { ip: '192.0.2.1' });
    expect(await db.nodes.get(n.id)).toMatchObject({
      ip: '192.0.2.1',
      hostname: 'h',
      comment: 'keep',
      stateTime: T0,
    });
    await db.nodes.setState(n.id, 'building');
    expect((await db.nodes.get(n.id))?.stateTime).toBe(T0 + 30);
    await expect(db.nodes.update(n.id, { bogus: 1 } as never)).rejects.toThrow(TypeError);
    expect(await db.nodes.update(n.id + 1000, { ip: 'x' })).toBe(false);
  });

  it('lists by provider, label and id, with the same filters as SQL', async () => {
    const db = new MemoryDatabase();
    const ids = await seed(db);
    expect((await db.nodes.list()).map((n) => [n.providerName, n.labelName, n.id])).toEqual([
      ['p1', 'l1', ids[2]],
      ['p1', 'l2', ids[1]],
      ['p2', 'l1', ids[0]],
      ['p2', 'l1', ids[3]],
    ]);
    expect((await db.nodes.list({ provider: 'p2', state: 'hold' })).map((n) => n.id)).toEqual([
      ids[3],
    ]);
    expect((await db.nodes.list({ labels: ['l2', 'nope'] })).map((n) => n.id)).toEqual([ids[1]]);
    expect(await db.nodes.list({ labels: [] })).toEqual([]);
  });

  it('counts grouped by any keys in key order', async () => {
    const db = new MemoryDatabase();
    await seed(db);
    expect(await db.nodes.countBy(['provider', 'label'])).toEqual([
      { provider: 'p1', label: 'l1', count: 1 },
      { provider: 'p1', label: 'l2', count: 1 },
      { provider: 'p2', label: 'l1', count: 2 },
    ]);
    expect(await db.nodes.countBy(['state'], { provider: 'p2' })).toEqual([
      { state: 2, count: 1 },
      { state: 5, count: 1 },
    ]);
    expect(await db.nodes.countBy([])).toEqual([{ count: 4 }]);
  });

  it('sets a state only from the given states, and deletes a node with its subnodes', async () => {
    const db = new MemoryDatabase();
    const a = await db.nodes.create(node('p', 'l', { state: 'delete' }));
    expect(await db.nodes.setStateIf(a.id, ['ready', 'used'], 'hold')).toBe(false);
    expect(await db.nodes.setStateIf(a.id, [], 'hold')).toBe(false);
    expect(await db.nodes.setStateIf(a.id, ['delete'], 'hold')).toBe(true);
    const b = await db.nodes.create(node('p', 'l'));
    await db.subnodes.create({ nodeId: a.id });
    const keep = await db.subnodes.create({ nodeId: b.id });
    expect(await db.nodes.delete(a.id)).toBe(true);
    expect(db.subnodeRows).toEqual([keep]);
    expect(await db.nodes.delete(a.id)).toBe(false);
    // Ids are not reused after a delete.
    expect((await db.nodes.create(node('p', 'l'))).id).toBe(b.id + 1);
  });

  it('tallies subnodes per parent and counts them by parent group, skipping subnodes without a parent', async () => {
    const db = new MemoryDatabase();
    const a = await db.nodes.create(node('p1', 'multi', { state: 'ready' }));
    const c = await db.nodes.create(node('p2', 'other', { state: 'used' }));
    await db.subnodes.create({ nodeId: a.id, state: 'ready' });
    await db.subnodes.create({ nodeId: a.id, state: 'delete' });
    await db.subnodes.create({ nodeId: c.id, state: 'ready' });
    await db.subnodes.create({ nodeId: 999, state: 'ready' });
    expect(await db.subnodes.tallyByParent(['multi'])).toEqual(
      new Map([[a.id, { all: 2, active: 1 }]]),
    );
    expect(await db.subnodes.countByParentGroup()).toEqual([
      { provider: 'p1', label: 'multi', target: 'fake-target', state: 2, count: 2 },
      { provider: 'p2', label: 'other', target: 'fake-target', state: 3, count: 1 },
    ]);
    expect(await db.subnodes.countByNode(a.id, { excludeState: 'delete' })).toBe(1);
    expect((await db.subnodes.listByState('ready')).map((s) => s.nodeId)).toEqual([
      a.id,
      c.id,
      999,
    ]);
  });
});
