/** Repository part of the SQL conformance suite: nodes, subnodes, jobs, states. */
import { describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { computeGauges, gaugeGroups } from '../../../src/launcher/gauges.js';
import type { Database, NewNode } from '../../../src/db/index.js';
import type { SqlSuiteEnv } from '../sql.suite.js';

function node(provider: string, label: string, extra: Partial<NewNode> = {}): NewNode {
  return { providerName: provider, labelName: label, targetName: 'fake-target', ...extra };
}

async function seed(db: Database): Promise<number[]> {
  const ids: number[] = [];
  for (const [p, l, state] of [
    ['p2', 'l1', 'ready'],
    ['p1', 'l2', 'building'],
    ['p1', 'l1', 'used'],
    ['p2', 'l1', 'hold'],
  ] as const) {
    ids.push(
      (await db.nodes.create(node(p, l, { state, hostname: `${l}-${p}-${ids.length}` }))).id,
    );
  }
  return ids;
}

export function defineRepoTests(get: () => SqlSuiteEnv): void {
  describe('NodeRepo', () => {
    it('creates a building node stamped with the current second and NULLs elsewhere', async () => {
      const { db } = get();
      const n = await db.nodes.create(node('fake-provider', 'fake-label'));
      expect(n).toMatchObject({
        providerName: 'fake-provider',
        state: 1,
        stateTime: 1_484_159_265,
        ip: null,
        comment: null,
        az: null,
      });
      expect(await db.nodes.get(n.id)).toEqual(n);
      expect(await db.nodes.get(n.id + 1000)).toBeUndefined();
    });

    it('rewrites state_time on every state change, even to the same state', async () => {
      const { db, clock } = get();
      const { id } = await db.nodes.create(node('p', 'l', { state: 'ready' }));
      clock.now += 30;
      expect(await db.nodes.setState(id, 'ready')).toBe(true);
      expect((await db.nodes.get(id))?.stateTime).toBe(1_484_159_295);
      clock.now += 5;
      await db.nodes.update(id, { state: 'hold', comment: 'why' });
      expect(await db.nodes.get(id)).toMatchObject({
        state: 5,
        stateTime: 1_484_159_300,
        comment: 'why',
      });
      expect(await db.nodes.setState(id + 1000, 'delete')).toBe(false);
    });

    it('writes only the columns given when updating', async () => {
      const { db, clock } = get();
      const { id } = await db.nodes.create(node('p', 'l', { hostname: 'h', comment: 'keep' }));
      clock.now += 10;
      await db.nodes.update(id, { ip: '192.0.2.1', externalId: 'srv-1' });
      expect(await db.nodes.get(id)).toMatchObject({
        hostname: 'h',
        comment: 'keep',
        ip: '192.0.2.1',
        externalId: 'srv-1',
        state: 1,
        stateTime: 1_484_159_265,
      });
      await expect(db.nodes.update(id, { bogus: 1 } as never)).rejects.toThrow(TypeError);
    });

    it('lists by provider then label and filters by provider, label, target and state', async () => {
      const { db } = get();
      const ids = await seed(db);
      const order = (await db.nodes.list()).map((n) => [n.providerName, n.labelName, n.id]);
      expect(order).toEqual([
        ['p1', 'l1', ids[2]],
        ['p1', 'l2', ids[1]],
        ['p2', 'l1', ids[0]],
        ['p2', 'l1', ids[3]],
      ]);
      expect((await db.nodes.list({ provider: 'p2', state: 'hold' })).map((n) => n.id)).toEqual([
        ids[3],
      ]);
      expect((await db.nodes.list({ label: 'l2' })).map((n) => n.id)).toEqual([ids[1]]);
      expect(await db.nodes.list({ target: 'nope' })).toEqual([]);
      expect((await db.nodes.list({ labels: ['l2', 'nope'] })).map((n) => n.id)).toEqual([ids[1]]);
      expect(await db.nodes.list({ labels: [] })).toEqual([]);
    });

    it('counts nodes overall and grouped by any keys', async () => {
      const { db } = get();
      await seed(db);
      expect(await db.nodes.count()).toBe(4);
      expect(await db.nodes.count({ provider: 'p2' })).toBe(2);
      expect(await db.nodes.countBy(['provider', 'label'])).toEqual([
        { provider: 'p1', label: 'l1', count: 1 },
        { provider: 'p1', label: 'l2', count: 1 },
        { provider: 'p2', label: 'l1', count: 2 },
      ]);
      expect(await db.nodes.countBy(['state'], { provider: 'p2' })).toEqual([
        { state: 2, count: 1 },
        { state: 5, count: 1 },
      ]);
      expect(await db.nodes.countBy(['target'])).toEqual([{ target: 'fake-target', count: 4 }]);
    });

    it('groups by manager with NULL kept apart, and the gauges agree with a count of every row', async () => {
      const { db } = get();
      const ids = await seed(db);
      await db.nodes.update(ids[0]!, { managerName: 'zuul-1' });
      await db.nodes.update(ids[2]!, { managerName: 'zuul-1' });
      // NULLs sort first on SQLite and MariaDB, last on PostgreSQL.
      const byManager = (await db.nodes.countBy(['manager'])).sort((a, b) =>
        (a.manager ?? '').localeCompare(b.manager ?? ''),
      );
      expect(byManager).toEqual([
        { manager: null, count: 2 },
        { manager: 'zuul-1', count: 2 },
      ]);
      const config = {
        labels: [{ name: 'l1', subnodes: 1 }],
        targets: [{ name: 'fake-target' }],
        providers: [{ name: 'p1', maxServers: 5 }],
      } as never;
      expect(computeGauges(config, await gaugeGroups(db))).toEqual(
        computeGauges(config, await db.nodes.list()),
      );
    });

    it('finds nodes by nodename, hostname and provider server id', async () => {
      const { db } = get();
      const a = await db.nodes.create(
        node('p', 'l', { hostname: 'h.example.org', nodename: 'h', externalId: 'uuid-1' }),
      );
      expect((await db.nodes.getByNodename('h'))?.id).toBe(a.id);
      expect((await db.nodes.getByHostname('h.example.org'))?.id).toBe(a.id);
      expect((await db.nodes.getByExternalId('p', 'uuid-1'))?.id).toBe(a.id);
      expect(await db.nodes.getByExternalId('other', 'uuid-1')).toBeUndefined();
    });

    it('deletes a node together with its subnodes only', async () => {
      const { db } = get();
      const a = await db.nodes.create(node('p', 'l'));
      const b = await db.nodes.create(node('p', 'l'));
      await db.subnodes.create({ nodeId: a.id });
      await db.subnodes.create({ nodeId: a.id });
      const keep = await db.subnodes.create({ nodeId: b.id });
      expect(await db.nodes.delete(a.id)).toBe(true);
      expect(await db.nodes.get(a.id)).toBeUndefined();
      expect(await db.subnodes.listByNode(a.id)).toEqual([]);
      expect(await db.subnodes.listByNode(b.id)).toEqual([keep]);
      expect(await db.nodes.delete(a.id)).toBe(false);
    });

    it('rolls a failed transaction back', async () => {
      const { db } = get();
      const a = await db.nodes.create(node('p', 'l'));
      await expect(
        db.transaction(async (r) => {
          await r.nodes.setState(a.id, 'hold');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await db.nodes.get(a.id))?.state).toBe(1);
    });

    it('reads back state codes it does not know and prints them as numbers', async () => {
      const { db, tdb } = get();
      await tdb
        .knex('node')
        .insert({ provider_name: 'p', label_name: 'l', target_name: 't', state: 9, state_time: 1 });
      const [n] = await db.nodes.list();
      expect(n?.state).toBe(9);
      expect(stateName(n?.state)).toBe('9');
    });
  });

  describe('SubnodeRepo', () => {
    it('creates, updates, counts and deletes subnodes of a node', async () => {
      const { db, clock } = get();
      const parent = await db.nodes.create(node('p', 'l'));
      const s1 = await db.subnodes.create({ nodeId: parent.id, hostname: 'sub-1' });
      const s2 = await db.subnodes.create({ nodeId: parent.id, hostname: 'sub-2' });
      expect(s1).toMatchObject({ nodeId: parent.id, state: 1, stateTime: 1_484_159_265, ip: null });
      clock.now += 7;
      await db.subnodes.update(s1.id, { ip: '192.0.2.9', state: 'ready' });
      expect(await db.subnodes.get(s1.id)).toMatchObject({
        ip: '192.0.2.9',
        state: 2,
        stateTime: 1_484_159_272,
        hostname: 'sub-1',
      });
      await db.subnodes.setState(s2.id, 'delete');
      expect((await db.subnodes.listByState('delete')).map((s) => s.id)).toEqual([s2.id]);
      expect((await db.subnodes.listByState('ready')).map((s) => s.id)).toEqual([s1.id]);
      expect(await db.subnodes.listByState('building')).toEqual([]);
      expect(await db.subnodes.countByNode(parent.id)).toBe(2);
      expect(await db.subnodes.countByNode(parent.id, { excludeState: 'delete' })).toBe(1);
      expect(await db.subnodes.delete(s2.id)).toBe(true);
      expect((await db.subnodes.listByNode(parent.id)).map((s) => s.id)).toEqual([s1.id]);
      expect(await db.subnodes.delete(s2.id)).toBe(false);
    });

    it('tallies subnodes per parent of given labels and counts them by parent group', async () => {
      const { db, tdb } = get();
      const a = await db.nodes.create(node('p1', 'multi', { state: 'ready' }));
      const b = await db.nodes.create(node('p1', 'multi', { state: 'ready' }));
      const c = await db.nodes.create(node('p2', 'other', { state: 'used' }));
      await db.nodes.create(node('p1', 'multi', { state: 'ready' })); // no subnodes
      await db.subnodes.create({ nodeId: a.id, state: 'ready' });
      await db.subnodes.create({ nodeId: a.id, state: 'delete' });
      await db.subnodes.create({ nodeId: b.id, state: 'building' });
      await db.subnodes.create({ nodeId: c.id, state: 'ready' });
      // A NULL state counts as not deleted; a subnode without its parent row counts nowhere.
      await tdb.knex('subnode').insert({ node_id: b.id, state: null, state_time: 1 });
      await tdb.knex('subnode').insert({ node_id: 999_999, state: 2, state_time: 1 });
      expect(await db.subnodes.tallyByParent(['multi'])).toEqual(
        new Map([
          [a.id, { all: 2, active: 1 }],
          [b.id, { all: 2, active: 2 }],
        ]),
      );
      expect(await db.subnodes.tallyByParent([])).toEqual(new Map());
      const groups = await db.subnodes.countByParentGroup();
      expect(groups.sort((x, y) => x.provider.localeCompare(y.provider))).toEqual([
        { provider: 'p1', label: 'multi', target: 'fake-target', state: 2, count: 4 },
        { provider: 'p2', label: 'other', target: 'fake-target', state: 3, count: 1 },
      ]);
    });
  });

  describe('JobRepo', () => {
    it('creates, finds and deletes auto-hold jobs', async () => {
      const { db } = get();
      const a = await db.jobs.create('gate-a', 3);
      const b = await db.jobs.create('gate-b');
      expect(await db.jobs.list()).toEqual([
        { id: a.id, name: 'gate-a', holdOnFailure: 3 },
        { id: b.id, name: 'gate-b', holdOnFailure: null },
      ]);
      expect(await db.jobs.getByName('gate-b')).toEqual(b);
      expect(await db.jobs.get(a.id)).toEqual(a);
      expect(await db.jobs.delete(a.id)).toBe(true);
      expect(await db.jobs.delete(a.id)).toBe(false);
      expect(await db.jobs.getByName('gate-a')).toBeUndefined();
    });
  });
}
