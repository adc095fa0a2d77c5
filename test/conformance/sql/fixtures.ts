/** Paths and constants of the SQL suite's fixtures. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '../../support/sql-db.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sql');

/** The upstream 0.4.0 database dump (DDL + rows) for `dialect`. */
export function upstreamSqlFile(dialect: TestDatabase['dialect']): string {
  return path.join(DIR, `upstream-0.4.0-${dialect}.sql`);
}

/** The time the upstream fixture's ages are relative to (Unix seconds). */
export const FIXTURE_NOW = 1_484_159_265;

/** Every table in the upstream fixture, the 0.3.x ones included. */
export const FIXTURE_TABLES = ['dib_image', 'job', 'node', 'snapshot_image', 'subnode'] as const;
