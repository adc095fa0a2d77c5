/**
 * Group commit of node writes on every SQL backend: writes that queue while one runs go in
 * one transaction, a failing write fails alone, and closing the database waits for queued
 * writes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GroupCommit, openDatabase, stateCode } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { createTestDatabase } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';

for (const backend of inject('sqlBackends')) {
  if (!backend.available)
    console.warn(`\n*** SKIPPED: group commit on ${backend.name}: ${backend.reason} ***\n`);

  describe.skipIf(!backend.available)(`group commit on ${backend.name}`, () => {
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

    it('commits node updates that queue together in one transaction', async () => {
      const rows = await db.nodes.createMany(
        Array.from({ length: 60 }, () => ({ providerName: 'gc', labelName: 'l', targetName: 't' })),
      );
      const begins: string[] = [];
      const onQuery = (q: { sql: string }): void => {
        if (/^(begin|start transaction)/i.test(q.sql.trim())) begins.push(q.sql);
      };
      db.knex.on('query', onQuery);
      try {
        const done = await Promise.all(
          rows.map((r, i) => db.nodes.update(r.id, { externalId: `srv-${i}` })),
        );
        expect(done.every((d) => d)).toBe(true);
      } finally {
        db.knex.removeListener('query', onQuery);
      }
      // The first write runs alone; the other 59 queue behind it and commit together.
      expect(begins.length).toBe(1);
      const after = await db.nodes.getMany(rows.map((r) => r.id));
      rows.forEach((r, i) => expect(after.get(r.id)?.externalId).toBe(`srv-${i}`));
      expect(await db.nodes.setStateIf(rows[0]!.id, ['building'], 'ready')).toBe(true);
      expect((await db.nodes.get(rows[0]!.id))?.state).toBe(stateCode('ready'));
    });

    it('fails only the write that fails, and applies the others of its batch', async () => {
      const group = new GroupCommit(db.knex);
      const [row] = await db.nodes.createMany([
        { providerName: 'gc2', labelName: 'l', targetName: 't' },
      ]);
      const results = await Promise.allSettled([
        group.submit((k) => k('node').where('id', row!.id).update({ comment: 'first' })),
        group.submit((k) => k('node').where('id', row!.id).update({ hostname: 'h1' })),
        group.submit((k) => k('no_such_table').update({ x: 1 })),
        group.submit((k) => k('node').where('id', row!.id).update({ nodename: 'n1' })),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(await db.nodes.get(row!.id)).toMatchObject({
        comment: 'first',
        hostname: 'h1',
        nodename: 'n1',
      });
    });

    it('runs every queued write before the pool closes', async () => {
      const other = await openDatabase(tdb.dburi, { poolMax: 2 });
      const rows = await other.nodes.createMany(
        Array.from({ length: 20 }, () => ({
          providerName: 'gc3',
          labelName: 'l',
          targetName: 't',
        })),
      );
      const writes = rows.map((r) => other.nodes.update(r.id, { comment: 'closing' }));
      await other.close();
      await Promise.all(writes);
      const after = await db.nodes.list({ provider: 'gc3' });
      expect(after.map((r) => r.comment)).toEqual(rows.map(() => 'closing'));
    });
  });
}
