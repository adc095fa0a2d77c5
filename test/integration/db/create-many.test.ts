/**
 * `NodeRepo.createMany` on every SQL backend: the rows of one call go in one transaction,
 * come back in the order given with their own ids and fields, and two callers at once
 * never get the same id; `getMany` reads them back by id.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, stateCode } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { createTestDatabase } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';

for (const backend of inject('sqlBackends')) {
  if (!backend.available)
    console.warn(`\n*** SKIPPED: createMany on ${backend.name}: ${backend.reason} ***\n`);

  describe.skipIf(!backend.available)(`NodeRepo.createMany on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Database;

    beforeAll(async () => {
      tdb = await createTestDatabase(backend);
      db = await openDatabase(tdb.dburi, { poolMax: 4 });
    });
    afterAll(async () => {
      await db?.close();
      await tdb?.drop();
    });

    it('returns the new rows in the order given, building, with their fields', async () => {
      const fields = ['az1', null, 'az3'].map((az, i) => ({
        providerName: `p${i}`,
        labelName: 'l1',
        targetName: 't1',
        az,
      }));
      const rows = await db.nodes.createMany(fields);
      expect(rows.map((r) => [r.providerName, r.az, r.state])).toEqual([
        ['p0', 'az1', stateCode('building')],
        ['p1', null, stateCode('building')],
        ['p2', 'az3', stateCode('building')],
      ]);
      for (const r of rows) expect(await db.nodes.get(r.id)).toEqual(r);
      expect(await db.nodes.createMany([])).toEqual([]);
    });

    it('gives distinct ids to concurrent callers', async () => {
      const one = { providerName: 'p', labelName: 'l', targetName: 't' };
      const batches = await Promise.all(
        [0, 1, 2].map(() => db.nodes.createMany(Array.from({ length: 10 }, () => one))),
      );
      const ids = batches.flat().map((r) => r.id);
      expect(new Set(ids).size).toBe(30);
      expect(await db.nodes.list({ provider: 'p' })).toHaveLength(30);
    });

    it('reads many rows back by id with getMany, past one query of 500 ids', async () => {
      const one = { providerName: 'gm', labelName: 'l', targetName: 't' };
      const rows = await db.nodes.createMany(Array.from({ length: 520 }, () => one));
      const ids = [...rows.map((r) => r.id), rows[0]!.id, 999_999_999];
      const got = await db.nodes.getMany(ids);
      expect(got.size).toBe(520);
      for (const r of rows) expect(got.get(r.id)).toEqual(r);
      expect(got.has(999_999_999)).toBe(false);
      expect((await db.nodes.getMany([])).size).toBe(0);
    });
  });
}
