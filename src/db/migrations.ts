/**
 * Versioned migrations for what this port adds to the database.
 *
 * Contract:
 * - A migration never alters, drops or renames anything of upstream's (`node`, `subnode`,
 *   `job` and their indexes; see `schema.ts`). It may only create tables (prefixed
 *   `nodepool_ts_`) and their indexes, so the Python nodepool keeps working on the same
 *   database.
 * - Migrations are applied in `version` order; each applied version is recorded in the
 *   `nodepool_ts_migrations` table (`version`, `name`, `applied_at` in Unix seconds).
 * - Versions are never renumbered or edited once released; a fix is a new version.
 * - `up` must tolerate running after a crash half way (use `hasTable` checks), since MySQL
 *   commits DDL implicitly.
 */
import type { Knex } from 'knex';
import type { Dialect } from './dburi.js';

/** The table that records applied migrations. */
export const MIGRATIONS_TABLE = 'nodepool_ts_migrations';

/** One migration step. */
export interface Migration {
  /** Positive, strictly increasing. */
  readonly version: number;
  readonly name: string;
  up(knex: Knex, dialect: Dialect): Promise<void>;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'baseline',
    // Records that the upstream 0.4.0 tables are in place; adds nothing.
    up: () => Promise.resolve(),
  },
];

async function ensureMigrationsTable(knex: Knex, dialect: Dialect): Promise<void> {
  if (await knex.schema.hasTable(MIGRATIONS_TABLE)) return;
  try {
    await knex.schema.createTable(MIGRATIONS_TABLE, (t) => {
      t.integer('version').notNullable().primary();
      t.string('name', 255).notNullable();
      t.integer('applied_at').notNullable();
      if (dialect === 'mysql') t.engine('InnoDB');
    });
  } catch (err) {
    if (!(await knex.schema.hasTable(MIGRATIONS_TABLE))) throw err;
  }
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  // MySQL ER_DUP_ENTRY, PostgreSQL unique_violation, SQLite constraint violation.
  return (
    e.code === 'ER_DUP_ENTRY' || e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * Applies the migrations not yet recorded, in order; returns the versions applied now.
 * Safe when two processes start at once: the loser of the version-row insert skips.
 */
export async function runMigrations(
  knex: Knex,
  dialect: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await ensureMigrationsTable(knex, dialect);
  const rows = await knex(MIGRATIONS_TABLE).select<Array<{ version: number }>>('version');
  const done = new Set(rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    await m.up(knex, dialect);
    try {
      await knex(MIGRATIONS_TABLE).insert({
        version: m.version,
        name: m.name,
        applied_at: Math.floor(Date.now() / 1000),
      });
      applied.push(m.version);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return applied;
}
