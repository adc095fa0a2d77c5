/** Schema part of the SQL conformance suite: identical to upstream, never altered. */
import { describe, expect, it } from 'vitest';
import {
  MIGRATIONS_TABLE,
  openDatabase,
  UPSTREAM_TABLES,
  upstreamDdl,
} from '../../../src/db/index.js';
import { createTestDatabase, introspect, listTables, runSqlFile } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';
import type { SqlSuiteEnv } from '../sql.suite.js';
import { FIXTURE_TABLES, upstreamSqlFile } from './fixtures.js';

async function withUpstreamDb<T>(
  env: SqlSuiteEnv,
  fn: (up: TestDatabase) => Promise<T>,
): Promise<T> {
  const up = await createTestDatabase(env.backend);
  try {
    await runSqlFile(up.knex, upstreamSqlFile(up.dialect));
    return await fn(up);
  } finally {
    await up.drop();
  }
}

async function rowCounts(up: TestDatabase): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of FIXTURE_TABLES) {
    const row = await up.knex(t).count({ n: '*' }).first();
    out[t] = Number(row?.n);
  }
  return out;
}

export function defineSchemaTests(get: () => SqlSuiteEnv): void {
  describe('schema', () => {
    it('creates node, subnode and job exactly as upstream 0.4.0 does', async () => {
      const env = get();
      await withUpstreamDb(env, async (up) => {
        const ours = await introspect(env.tdb.knex, env.tdb.dialect, UPSTREAM_TABLES);
        const theirs = await introspect(up.knex, up.dialect, UPSTREAM_TABLES);
        expect(ours).toEqual(theirs);
        expect(ours.tables.node?.columns).toHaveLength(14);
      });
    });

    it('names every index ix_<table>_<column> and uses the dialect-specific id column', async () => {
      const { tdb } = get();
      const shape = await introspect(tdb.knex, tdb.dialect, UPSTREAM_TABLES);
      const names = Object.values(shape.tables)
        .flatMap((t) => t.indexes)
        .map((i) => /^(ix_\w+)/.exec(i)?.[1])
        .filter((n) => n !== undefined)
        .sort();
      expect([...new Set(names)]).toEqual([
        'ix_job_name',
        'ix_node_hostname',
        'ix_node_label_name',
        'ix_node_nodename',
        'ix_node_provider_name',
        'ix_node_target_name',
        'ix_subnode_hostname',
        'ix_subnode_node_id',
      ]);
      const id = shape.tables.node?.columns[0];
      if (tdb.dialect === 'mysql') {
        expect(id).toBe('id int(11) nullable=NO default=null extra=auto_increment key=PRI');
        for (const t of UPSTREAM_TABLES) expect(shape.tables[t]?.engine).toBe('InnoDB');
      } else if (tdb.dialect === 'postgresql') {
        expect(id).toBe("id integer(null) nullable=NO default=nextval('node_id_seq'::regclass)");
      } else {
        expect(id).toBe('id INTEGER notnull=1 pk=1 default=null');
      }
    });

    it('records the baseline migration once however often the database is opened', async () => {
      const { tdb } = get();
      const before = await introspect(tdb.knex, tdb.dialect, UPSTREAM_TABLES);
      const again = await openDatabase(tdb.dburi);
      await again.close();
      expect(await introspect(tdb.knex, tdb.dialect, UPSTREAM_TABLES)).toEqual(before);
      const rows = await tdb.knex(MIGRATIONS_TABLE).select('version', 'name');
      expect(rows.map((r) => [Number(r.version), r.name])).toEqual([[1, 'baseline']]);
    });

    it('uses a database created by upstream without changing its tables or rows', async () => {
      const env = get();
      await withUpstreamDb(env, async (up) => {
        const shapeBefore = await introspect(up.knex, up.dialect, FIXTURE_TABLES);
        const countsBefore = await rowCounts(up);
        const db = await openDatabase(up.dburi);
        try {
          expect((await db.nodes.list()).map((n) => n.hostname)).toEqual([
            'fake-label-fake-provider-1',
            'fake-label-fake-provider-2',
          ]);
        } finally {
          await db.close();
        }
        expect(await introspect(up.knex, up.dialect, FIXTURE_TABLES)).toEqual(shapeBefore);
        expect(await rowCounts(up)).toEqual(countsBefore);
        expect(await listTables(up.knex, up.dialect)).toEqual(
          [...FIXTURE_TABLES, MIGRATIONS_TABLE].sort(),
        );
      });
    });

    it('creates only the tables that are missing', async () => {
      const env = get();
      const partial = await createTestDatabase(env.backend);
      try {
        for (const sql of upstreamDdl('node', partial.dialect)) await partial.knex.raw(sql);
        await partial.knex('node').insert({
          provider_name: 'p',
          label_name: 'l',
          target_name: 't',
          state: 2,
          state_time: 1,
        });
        const nodeShape = await introspect(partial.knex, partial.dialect, ['node']);
        const db = await openDatabase(partial.dburi);
        await db.close();
        expect(await introspect(partial.knex, partial.dialect, ['node'])).toEqual(nodeShape);
        expect(await partial.knex('node').select('provider_name', 'state')).toEqual([
          { provider_name: 'p', state: 2 },
        ]);
        expect(await listTables(partial.knex, partial.dialect)).toEqual(
          ['job', 'node', MIGRATIONS_TABLE, 'subnode'].sort(),
        );
      } finally {
        await partial.drop();
      }
    });
  });
}
