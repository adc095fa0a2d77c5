/**
 * `NodeRepo.changeFingerprint` on every SQL backend: it changes for each kind of write a
 * foreign writer makes (plain SQL included) and only then.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, stateCode } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { createTestDatabase } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';

for (const backend of inject('sqlBackends')) {
  if (!backend.available)
    console.warn(`\n*** SKIPPED: changeFingerprint on ${backend.name}: ${backend.reason} ***\n`);

  describe.skipIf(!backend.available)(`NodeRepo.changeFingerprint on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Database;

    beforeAll(async () => {
      tdb = await createTestDatabase(backend);
      db = await openDatabase(tdb.dburi, { poolMax: 2 });
    });
    afterAll(async () => {
      await db?.close();
      await tdb?.drop();
    });

    const node = { providerName: 'p1', labelName: 'l1', targetName: 't1' };

    it('stays the same when nothing was written', async () => {
      await db.nodes.create(node);
      expect(await db.nodes.changeFingerprint()).toBe(await db.nodes.changeFingerprint());
    });

    it('changes when a plain SQL UPDATE changes a state and leaves state_time alone', async () => {
      const n = await db.nodes.create({ ...node, state: 'ready' });
      const before = await db.nodes.changeFingerprint();
      await tdb
        .knex('node')
        .where({ id: n.id })
        .update({ state: stateCode('delete') });
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
    });

    it('changes when two nodes swap their states in one statement', async () => {
      const a = await db.nodes.create({ ...node, state: 'ready' });
      const b = await db.nodes.create({ ...node, state: 'hold' });
      const before = await db.nodes.changeFingerprint();
      const [ready, hold] = [stateCode('ready'), stateCode('hold')];
      // Literal codes: PostgreSQL types a bound CASE result as text.
      await tdb.knex.raw(
        `UPDATE node SET state = CASE WHEN id = ${a.id} THEN ${hold} ELSE ${ready} END WHERE id IN (${a.id}, ${b.id})`,
      );
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
    });

    it('changes when a node or a subnode is added or removed', async () => {
      let before = await db.nodes.changeFingerprint();
      const n = await db.nodes.create(node);
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
      before = await db.nodes.changeFingerprint();
      const s = await db.subnodes.create({ nodeId: n.id });
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
      before = await db.nodes.changeFingerprint();
      await tdb
        .knex('subnode')
        .where({ id: s.id })
        .update({ state: stateCode('ready') });
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
      before = await db.nodes.changeFingerprint();
      await tdb.knex('subnode').where({ id: s.id }).delete();
      await tdb.knex('node').where({ id: n.id }).delete();
      expect(await db.nodes.changeFingerprint()).not.toBe(before);
    });

    it('works on empty tables', async () => {
      await tdb.knex('subnode').delete();
      await tdb.knex('node').delete();
      expect(await db.nodes.changeFingerprint()).toMatch(/^0,/);
    });
  });
}
