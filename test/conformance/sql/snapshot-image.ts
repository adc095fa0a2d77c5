/**
 * The 0.3.x `snapshot_image` table (issue #11): created only on first use, exactly as 0.3.1
 * created it (compared with the upstream fixture database, which has 0.3.1's table), and an
 * existing one used as it is.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase, SNAPSHOT_IMAGE_TABLE } from '../../../src/db/index.js';
import { createTestDatabase, introspect, listTables, runSqlFile } from '../../support/sql-db.js';
import type { SqlSuiteEnv } from '../sql.suite.js';
import { upstreamSqlFile } from './fixtures.js';

export function defineSnapshotImageTests(get: () => SqlSuiteEnv): void {
  describe('snapshot_image', () => {
    it('is created on first use only, with 0.3.1 columns, types and indexes', async () => {
      const env = get();
      const fresh = await createTestDatabase(env.backend);
      const up = await createTestDatabase(env.backend);
      try {
        await runSqlFile(up.knex, upstreamSqlFile(up.dialect));
        const db = await openDatabase(fresh.dburi, { now: () => 1_500_000_000 });
        try {
          expect(await db.snapshotImages.list()).toEqual([]);
          expect(await db.snapshotImages.current('p', 'i')).toBeUndefined();
          expect(await listTables(fresh.knex, fresh.dialect)).not.toContain(SNAPSHOT_IMAGE_TABLE);
          const row = await db.snapshotImages.create('p', 'i');
          expect(row).toMatchObject({
            id: 1,
            providerName: 'p',
            imageName: 'i',
            state: 1,
            stateTime: 1_500_000_000,
          });
          expect(await db.snapshotImages.ensureTable()).toBe(false);
        } finally {
          await db.close();
        }
        const ours = await introspect(fresh.knex, fresh.dialect, [SNAPSHOT_IMAGE_TABLE]);
        const theirs = await introspect(up.knex, up.dialect, [SNAPSHOT_IMAGE_TABLE]);
        expect(ours).toEqual(theirs);
      } finally {
        await fresh.drop();
        await up.drop();
      }
    });

    it("uses a 0.3.x table as it is: reads its rows, orders ready ones by version, writes 0.3.1's states", async () => {
      const env = get();
      const up = await createTestDatabase(env.backend);
      try {
        await runSqlFile(up.knex, upstreamSqlFile(up.dialect));
        const before = await introspect(up.knex, up.dialect, [SNAPSHOT_IMAGE_TABLE]);
        const db = await openDatabase(up.dburi, { now: () => 1_500_000_000 });
        try {
          const [old] = await db.snapshotImages.list();
          expect(old).toMatchObject({
            providerName: 'fake-provider',
            imageName: 'fake-image',
            hostname: 'fake-image-1',
            version: 1,
            externalId: 'img-1',
            serverExternalId: 'srv-1',
            state: 2,
            stateTime: 1_400_000_000,
          });
          const next = await db.snapshotImages.create('fake-provider', 'fake-image');
          await db.snapshotImages.update(next.id, {
            version: 2,
            externalId: 'img-2',
            state: 'ready',
          });
          expect(
            (await db.snapshotImages.listReady('fake-provider', 'fake-image')).map(
              (r) => r.externalId,
            ),
          ).toEqual(['img-2', 'img-1']);
          expect((await db.snapshotImages.current('fake-provider', 'fake-image'))?.externalId).toBe(
            'img-2',
          );
          await db.snapshotImages.update(old!.id, { state: 'delete' });
          expect((await db.snapshotImages.get(old!.id))?.state).toBe(4);
          expect(await db.snapshotImages.delete(old!.id)).toBe(true);
        } finally {
          await db.close();
        }
        expect(await introspect(up.knex, up.dialect, [SNAPSHOT_IMAGE_TABLE])).toEqual(before);
      } finally {
        await up.drop();
      }
    });
  });
}
