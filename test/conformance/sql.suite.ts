/**
 * The SQL conformance suite: the same tests on every backend (SQLite, MariaDB/MySQL,
 * PostgreSQL). `test/integration/db/<backend>.test.ts` calls {@link defineSqlConformance}
 * once; the suite works in databases it creates and drops itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, inject } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import type { Database } from '../../src/db/index.js';
import type { SqlBackendInfo } from '../support/sql-backends.js';
import { createTestDatabase } from '../support/sql-db.js';
import type { TestDatabase } from '../support/sql-db.js';
import { defineCliTests } from './sql/cli.js';
import { defineConcurrencyTests } from './sql/concurrency.js';
import { defineRepoTests } from './sql/repos.js';
import { defineSchemaTests } from './sql/schema.js';
import { defineSnapshotImageTests } from './sql/snapshot-image.js';

/** What every part of the suite shares; valid inside tests and hooks. */
export interface SqlSuiteEnv {
  readonly backend: SqlBackendInfo;
  /** The file's fresh database. */
  readonly tdb: TestDatabase;
  /** Our Database on `tdb`, with the clock below. */
  readonly db: Database;
  /** The clock of `db`, in Unix seconds; tests set it. */
  readonly clock: { now: number };
  /** A temp directory for config files. */
  readonly dir: string;
}

/** Defines the whole suite for one backend, or a loud SKIPPED line when it is not reachable. */
export function defineSqlConformance(name: SqlBackendInfo['name']): void {
  const backend = inject('sqlBackends').find((b) => b.name === name);
  const reason = backend === undefined ? 'not probed by global-setup' : backend.reason;
  const available = backend?.available === true;
  if (!available) {
    console.warn(
      `\n*** SKIPPED: SQL conformance suite on ${name}: ${reason ?? 'unavailable'} ***\n`,
    );
  }

  describe.skipIf(!available)(`SQL conformance on ${name}`, () => {
    const clock = { now: 1_484_159_265 };
    let env: SqlSuiteEnv | undefined;
    const get = (): SqlSuiteEnv => {
      if (!env) throw new Error('The SQL suite environment is not set up');
      return env;
    };

    beforeAll(async () => {
      const tdb = await createTestDatabase(backend!);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'np-sql-cli-'));
      const db = await openDatabase(tdb.dburi, { now: () => clock.now });
      env = { backend: backend!, tdb, db, clock, dir };
    });

    afterAll(async () => {
      if (!env) return;
      await env.db.close();
      await env.tdb.drop();
      await rm(env.dir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      clock.now = 1_484_159_265;
      const { knex } = get().tdb;
      for (const t of ['subnode', 'node', 'job']) await knex(t).delete();
    });

    defineSchemaTests(get);
    defineRepoTests(get);
    defineCliTests(get);
    defineConcurrencyTests(get);
    defineSnapshotImageTests(get);
  });
}
